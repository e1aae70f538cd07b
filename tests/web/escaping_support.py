"""Hostile customer input sent through every channel's real door, for the escaping tests.

Each sender posts what a provider really sends (the channel tests' helpers build the requests: signed
hooks, Twilio's signed form, Telegram's secret header, WeChat's signed XML, the SMTP listener, the
visitor socket, the visit API), with markup in the customer's name, the subject, the text and an
attachment's file name where the channel carries them, and says what the customer wrote.
`stored_messages` reads back what was stored, so a test can first prove the markup reached the
database intact and then look for it on the pages.
"""

import json
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.email.receiving import receive_mail
from omniline.channels.service import load_channel_info
from omniline.messages.models import Message
from omniline.settings import Settings
from tests.channels.email.support import running_listener
from tests.channels.sms.support import PUBLIC_URL, make_twilio_channel, sms_config
from tests.channels.sms.twilio_api import fixture as twilio_fixture
from tests.channels.social.conftest import add_social_channel
from tests.channels.social.conftest import fixture as social_fixture
from tests.channels.telegram.bot_api import SECRET_TOKEN, fake_bot_api
from tests.channels.telegram.bot_api import fixture as telegram_fixture
from tests.channels.telegram.conftest import SECRET_HEADER, telegram_config
from tests.channels.voice.support import fixture as voice_fixture
from tests.channels.webchat.support import SITE, add_webchat_channel, widget
from tests.channels.wechat.support import create_wechat_channel, plain_config, post_plain
from tests.conftest import make_settings
from tests.support import ApiWorld, app_message

# The payloads: a script element, an event handler, an attribute break-out, template syntax that
# must not be evaluated, and a link-like text that must never become a link.
SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(2)>'
TEMPLATE = "{{ 7*7 }}"
LINK = "javascript:alert(3)"
PAYLOADS = (SCRIPT, IMG, SVG, TEMPLATE, LINK)
MARKUP = " ".join(PAYLOADS)

NAME = f"Анна {MARKUP} 王芳"
SUBJECT = f"Заказ {MARKUP} 订单"
# The markup comes first so that the inbox's 80-character preview still carries some of it.
TEXT = f"{MARKUP} Где мой заказ? 我的订单在哪里？"
# What an admin named a channel (the conversation header and the timeline show it; walk-in visits
# carry it as the branch).
CHANNEL_NAME = f"Канал {SCRIPT} {IMG} {SVG} {TEMPLATE} 渠道"
# A file name has no "/" (it would be cut to its last part), so the script here is left unclosed.
FILENAME = f'чек {IMG} {TEMPLATE} {SVG} <script>alert("4").pdf'

# What must never reach a page's HTML raw: the payloads as markup, and a link-like text as a link.
RAW_FORMS = ("<script>alert", "<img src=x", "<svg onload", 'href="javascript:')

KINDS = ("api", "email", "webchat", "sms", "voice", "telegram", "wechat", "social", "walkin")
ALL_CHANNELS_CAPACITY = dict.fromkeys(KINDS, 5)


def escaped(text: str) -> str:
    """How an autoescaped template writes `text` into HTML."""
    return str(escape(text))


@dataclass(frozen=True, slots=True)
class StoredMessage:
    message_id: str
    conversation_id: str
    sender_name: str | None
    subject: str | None
    text: str
    filenames: tuple[str, ...]


Written = tuple[str | None, str, tuple[str, ...]]  # a message's subject, text and file names


@dataclass
class Sent:
    """What a customer wrote through one channel: the identity that finds them, the name they gave
    (None where the channel carries none) and their messages (subject, text, file names) in order;
    the channel's name when the sender chose it (the channel tests' helpers name theirs)."""

    kind: str
    identity: str
    name: str | None
    messages: list[Written]
    channel_name: str | None = None
    customer_id: str = ""
    stored: list[StoredMessage] = field(default_factory=list)

    def conversations(self) -> dict[str, list[StoredMessage]]:
        grouped: dict[str, list[StoredMessage]] = {}
        for message in self.stored:
            grouped.setdefault(message.conversation_id, []).append(message)
        return grouped


@dataclass
class Scene:
    world: ApiWorld
    container: Container
    # "smtp": mails go through the SMTP listener on a socket; "receive": straight to receive_mail, the
    # function the listener calls (for tests whose thread already runs an event loop, e.g. Playwright's).
    mail_door: str = "smtp"

    @property
    def client(self) -> TestClient:
        return self.world.client

    def add_channel(self, kind: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/channels",
            json={"kind": kind, "name": name, "config": config},
            headers=self.world.admin_headers,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def escaping_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Twilio signs the hook's public URL; Telegram documents and mail attachments need a files folder."""
    return make_settings(database_url, public_url=PUBLIC_URL, files_dir=str(tmp_path_factory.mktemp("files")))


def tenant_slug(container: Container, tenant_id: uuid.UUID) -> str:
    """The tenant's slug: the world's people are admin@<slug>.test and agent@<slug>.test."""
    with container.uow() as uow:
        return uow.session.get_one(Tenant, tenant_id).slug


def send_api(scene: Scene) -> Sent:
    """The app's signed JSON hook (tests/support.py ApiWorld.post_app_message)."""
    response = scene.world.post_app_message(app_message("hostile-1", ["app:4242"], TEXT, name=NAME))
    assert response.status_code == 202, response.text
    return Sent("api", "app:4242", NAME, [(None, TEXT, ())])


def send_email(scene: Scene) -> Sent:
    """Two mails through the SMTP listener: text/plain with an attachment, and an HTML-only one whose
    HTML carries live markup (which must be dropped) around escaped markup (which is the text)."""
    address = f"support@{scene.world.tenant_id.hex[:12]}.example"
    channel = scene.add_channel("email", CHANNEL_NAME, {"address": address})
    sender = "anna.hostile@example.com"
    with_file = _mail(sender, address, "<hostile-1@example.com>")
    with_file.set_content(TEXT)
    with_file.add_attachment(
        b"%PDF-1.4\n%hostile\n", maintype="application", subtype="pdf", filename=FILENAME
    )
    html_only = _mail(sender, address, "<hostile-2@example.com>")
    html_only.set_content(
        f'<p>{escaped(TEXT)}</p><script>alert("live")</script><img src=x onerror=alert(9)>', subtype="html"
    )
    raws = [mail.as_bytes(policy=UNFOLDED) for mail in (with_file, html_only)]
    if scene.mail_door == "smtp":
        with running_listener(scene.container) as port, smtplib.SMTP("127.0.0.1", port) as smtp:
            for raw in raws:
                assert smtp.sendmail(sender, [address], raw) == {}
    else:
        with scene.container.uow() as uow:
            info = load_channel_info(uow.session, uuid.UUID(channel["id"]))
        for raw in raws:
            receive_mail(scene.container, info, raw)
    messages: list[tuple[str | None, str, tuple[str, ...]]] = [
        (SUBJECT, TEXT, (FILENAME,)),
        (SUBJECT, TEXT, ()),
    ]
    return Sent("email", f"email:{sender}", EMAIL_NAME, messages, CHANNEL_NAME)


# CRLF line ends as SMTP wants; headers left unfolded, as the generator's folding of a long subject
# leaves a doubled space behind (a quirk of the sending library, not of what the customer wrote).
UNFOLDED = SMTP.clone(max_line_length=998)
# The e-mail channel drops double quotes from a display name on purpose (channels/email/headers.py).
EMAIL_NAME = NAME.replace('"', "")


def _mail(sender: str, to: str, message_id: str) -> EmailMessage:
    mail = EmailMessage()
    local, _, domain = sender.partition("@")
    mail["From"] = Address(display_name=NAME, username=local, domain=domain)
    mail["To"] = to
    mail["Subject"] = SUBJECT
    mail["Message-ID"] = message_id
    mail["Date"] = "Mon, 23 Nov 2026 10:00:00 +0300"
    return mail


def send_webchat(scene: Scene) -> Sent:
    """The visitor socket: the name from the widget's hello, the text as a message frame."""
    channel = add_webchat_channel(scene.world)
    with widget(scene.client, channel, origin=SITE, name=NAME) as chat:
        chat.say(TEXT)
        visitor = chat.welcome["visitor_id"]
    return Sent("webchat", f"webchat:{visitor}", NAME, [(None, TEXT, ())])


def send_sms(scene: Scene) -> Sent:
    """Twilio's signed form post of an incoming SMS (SMS carries no name)."""
    sms = make_twilio_channel(scene.world, "sms", sms_config("https://api.twilio.com"))
    response = sms.post(twilio_fixture("inbound_sms_ru.json") | {"Body": TEXT})
    assert response.status_code == 200, response.text
    return Sent("sms", "phone:+79161234567", None, [(None, TEXT, ())])


# A PBX names its queue freely (up to 100 characters): the only text a call carries.
CALL_QUEUES = (f"{SCRIPT} {IMG} Очередь", f"{SVG} {TEMPLATE} {LINK} 队列")


def send_voice(scene: Scene) -> Sent:
    """The CTI event API (signed JSON, like the voice channel's own tests): a queued call whose caller
    hangs up, the PBX's queue names carrying the markup into the timeline lines."""
    channel = scene.add_channel("voice", CHANNEL_NAME, {"provider": "cti"})
    queued = voice_fixture("cti_call_queued.json") | {"queue": CALL_QUEUES[0]}
    abandoned = voice_fixture("cti_call_abandoned.json") | {
        "call_id": queued["call_id"],
        "from": queued["from"],
        "queue": CALL_QUEUES[1],
    }
    for event in (queued, abandoned):
        raw = json.dumps(event, ensure_ascii=False).encode()
        response = scene.world.post_raw(raw, secret=channel["secret"], channel_id=channel["id"])
        assert response.status_code == 202, response.text
    return Sent(
        "voice",
        "phone:+79161234567",  # the fixture's caller, "+7 (916) 123-45-67", normalised
        None,
        [
            (None, f"Waiting in queue {CALL_QUEUES[0]}", ()),
            (None, f"Caller hung up while waiting in queue {CALL_QUEUES[1]}", ()),
        ],
        CHANNEL_NAME,
    )


def send_telegram(scene: Scene) -> Sent:
    """Telegram's update JSON with the secret-token header: a document with a caption, its bytes
    fetched from the (fake, loopback) Bot API while the hook runs."""
    with fake_bot_api() as bot_api:
        channel = scene.add_channel("telegram", CHANNEL_NAME, telegram_config(bot_api))
        update = telegram_fixture("message_document.json")
        message = update["message"]
        message["from"] |= {"first_name": NAME}
        message["chat"] |= {"first_name": NAME}
        message["from"].pop("last_name")
        message["chat"].pop("last_name")
        message["document"]["file_name"] = FILENAME
        message["caption"] = TEXT
        bot_api.files[message["document"]["file_id"]] = ("documents/file_3.pdf", b"%PDF-1.4\n%hostile\n")
        response = scene.client.post(
            f"/hooks/{channel['id']}",
            content=json.dumps(update, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", SECRET_HEADER: SECRET_TOKEN},
        )
    assert response.status_code == 200, response.text
    return Sent(
        "telegram", f"telegram:{message['from']['id']}", NAME, [(None, TEXT, (FILENAME,))], CHANNEL_NAME
    )


def send_wechat(scene: Scene) -> Sent:
    """WeChat's signed XML callback (plain mode) of a text message (WeChat sends no name)."""
    channel = create_wechat_channel(scene.world, plain_config())
    xml = (
        "<xml><ToUserName><![CDATA[gh_3f9c1a7b2d4e]]></ToUserName>"
        "<FromUserName><![CDATA[oHostile0penid]]></FromUserName><CreateTime>1763892000</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{TEXT}]]></Content>"
        "<MsgId>7777777777777777</MsgId></xml>"
    )
    response = post_plain(scene.client, channel["id"], xml.encode())
    assert response.status_code == 200, response.text
    return Sent("wechat", "wechat:oHostile0penid", None, [(None, TEXT, ())])


def send_social(scene: Scene) -> Sent:
    """The listening integration's signed event: a private message whose author named themselves."""
    response = add_social_channel(scene.world, {"webhook_url": "http://127.0.0.1:9/not-used"})
    assert response.status_code == 201, response.text
    channel = response.json()
    event = social_fixture("facebook_private_message.json") | {
        "author": {"handle": "hostile.anna", "name": NAME},
        "text": TEXT,
    }
    raw = json.dumps(event, ensure_ascii=False).encode()
    posted = scene.world.post_raw(raw, secret=channel["secret"], channel_id=channel["id"])
    assert posted.status_code == 202, posted.text
    return Sent("social", "social:facebook:hostile.anna", NAME, [(None, TEXT, ())])


def send_walkin(scene: Scene) -> Sent:
    """The office's visit API: staff type what the customer said and the name they gave."""
    office = scene.add_channel("walkin", CHANNEL_NAME, {"address": "Москва, Тверская 1"})
    response = scene.client.post(
        "/api/v1/visits",
        json={
            "channel_id": office["id"],
            "customer": {"identities": ["phone:+79169876543"], "name": NAME},
            "summary": TEXT,
            "outcome": "open",
        },
        headers=scene.world.agent_headers,
    )
    assert response.status_code == 201, response.text
    return Sent("walkin", "phone:+79169876543", NAME, [(None, TEXT, ())], CHANNEL_NAME)


SENDERS: dict[str, Callable[[Scene], Sent]] = {
    "api": send_api,
    "email": send_email,
    "webchat": send_webchat,
    "sms": send_sms,
    "voice": send_voice,
    "telegram": send_telegram,
    "wechat": send_wechat,
    "social": send_social,
    "walkin": send_walkin,
}


def send_through(scene: Scene, kind: str) -> Sent:
    """Send through `kind`'s door, then find the customer and read back their stored messages."""
    sent = SENDERS[kind](scene)
    found = scene.client.get(
        "/api/v1/customers", params={"identity": sent.identity}, headers=scene.world.agent_headers
    )
    assert found.status_code == 200, found.text
    (customer,) = found.json()["items"]
    sent.customer_id = customer["id"]
    sent.stored = stored_messages(scene.container, uuid.UUID(sent.customer_id))
    return sent


def stored_messages(container: Container, customer_id: uuid.UUID) -> list[StoredMessage]:
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(Message)
            .where(Message.customer_id == customer_id, Message.direction == "in")
            .order_by(Message.id)
        ).all()
        return [
            StoredMessage(
                str(row.id),
                str(row.conversation_id),
                row.sender_name,
                row.subject,
                row.text,
                tuple(str(item.get("filename")) for item in row.attachments),
            )
            for row in rows
        ]
