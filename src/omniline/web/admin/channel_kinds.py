"""What the channel pages tell an admin about each kind: an example config with the keys its adapter
accepts (see each adapter's `validate_config`), how messages reach it, and whom a test goes to."""

from omniline.web.admin.notices import N_
from omniline.web.rendering import Page

# YAML, pre-filled in the form; quoted where YAML would otherwise read a number (+1500…, 123:abc).
CONFIG_EXAMPLES: dict[str, str] = {
    "api": "# optional: where replies are POSTed, signed with the channel secret\n"
    "webhook_url: https://app.example.com/omniline/replies\n",
    "email": "address: support@example.com\n"
    "smtp:\n  host: smtp.example.com\n  port: 587\n  tls: starttls   # starttls | ssl | none\n"
    "  username: support@example.com\n  password: change-me\n"
    "# optional: poll a mailbox instead of receiving by SMTP\n"
    "# imap:\n#   host: imap.example.com\n#   port: 993\n#   username: support@example.com\n"
    "#   password: change-me\n#   folder: INBOX\n",
    "sms": 'account_sid: "AC0123456789abcdef0123456789abcdef"\nauth_token: "change-me"\n'
    'from_number: "+15005550006"\n# api_base_url: https://api.twilio.com\n',
    "voice": "provider: cti   # cti (the PBX signs events with the channel secret) | twilio\n"
    'ivr_topics:\n  "1": delivery\n  "2": billing\n'
    "# for twilio: account_sid, auth_token, greeting, language (ru-RU), queue\n",
    "telegram": 'bot_token: "123456789:AAHchangeMeChangeMeChangeMe123"\n'
    'secret_token: "a-long-random-secret-token"\n',
    "wechat": 'app_id: "wx0123456789abcdef"\napp_secret: "change-me"\ntoken: "callbacktoken"\n'
    '# safe mode: encoding_aes_key: "<43 characters from the WeChat console>"\n',
    "webchat": "allowed_origins:\n  - https://shop.example.com\ngreeting: Hello! How can we help?\n",
    "social": "# optional: where replies to posts are POSTed, signed with the channel secret\n"
    "webhook_url: https://listening.example.com/omniline/replies\n",
    "walkin": "address: 1 Main Street\ntimezone: Europe/Moscow\n",
}

_NOTES = {
    "api": N_(
        "Your app posts customers' messages to the webhook URL, signed with the secret "
        "(X-Omniline-Signature); replies go to its webhook_url."
    ),
    "email": N_("Mail arrives by SMTP or IMAP polling, not at the webhook URL; replies leave through smtp."),
    "sms": N_("Set the webhook URL as the number's messaging webhook; add /status for delivery reports."),
    "voice": N_("Calls and PBX events arrive at the webhook URL; a voice channel sends no text."),
    "telegram": N_("Register the webhook URL with the bot (setWebhook) together with its secret_token."),
    "wechat": N_("Enter the webhook URL and the token in the WeChat console."),
    "webchat": N_(
        "Visitors write through the chat widget on the allowed sites; replies reach connected visitors."
    ),
    "social": N_("The listening integration posts to the webhook URL, signed with the secret."),
    "walkin": N_("Office staff record visits on the desktop; an office cannot send messages."),
}

_RECIPIENTS = {
    "api": "app:42",
    "email": "someone@example.com",
    "sms": "+79161234567",
    "telegram": "123456789",
    "wechat": "oAbCdEfGhIjKlMnOpQrStUvWxYz0",
}


def kind_notes(page: Page) -> dict[str, str]:
    return {kind: page.gettext(note) for kind, note in _NOTES.items()}


def recipient_hints() -> dict[str, str]:
    """An example address for a test send, per kind that can send one."""
    return dict(_RECIPIENTS)
