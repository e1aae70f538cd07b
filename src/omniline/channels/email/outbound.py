"""OutboundMessage → a MIME mail → the channel's SMTP server.

The mail has a text part and an HTML rendering of it, the agent's attachments from the file store,
`Message-ID: <{message uuid}@{channel domain}>` (returned as provider_message_id so a bounce finds
the delivery), In-Reply-To/References from the reply context, the case token in the subject, and
our X-Omniline-Channel header (so our own mail coming back is recognised). SMTP answers 5xx are
permanent failures; 4xx, timeouts and connection errors are retried.
"""

import html
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from omniline.channels.base import AdapterContext, ChannelInfo, SendResult
from omniline.channels.email.config import SmtpConfig, read_config
from omniline.channels.email.mail_threading import OWN_HEADER, outbound_message_id, reply_subject
from omniline.messages.normalized import OutboundMessage


def build_mail(channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> EmailMessage:
    address = str(channel.config["address"])
    reply = message.reply_context
    mail = EmailMessage()
    local, _, domain = address.rpartition("@")
    mail["From"] = Address(display_name=channel.name, username=local, domain=domain)
    mail["To"] = message.recipient.partition(":")[2]
    answering = any(reply.get(key) for key in ("in_reply_to", "references"))
    # A mail on no case that answers nothing (a confirmation code for the web chat) keeps its subject
    # as it is; a first mail on a case carries the case token, without "Re:".
    subject = reply.get("subject") or message.subject
    if answering or reply.get("case_number") is not None:
        mail["Subject"] = reply_subject(subject, reply.get("case_number"), answering=answering)
    else:
        mail["Subject"] = subject or ""
    mail["Date"] = format_datetime(message.sent_at)
    mail["Message-ID"] = outbound_message_id(message.message_id, address)
    if reply.get("in_reply_to"):
        mail["In-Reply-To"] = str(reply["in_reply_to"])
    references = [str(item) for item in reply.get("references", [])]
    if references:
        mail["References"] = " ".join(references)
    mail[OWN_HEADER] = str(channel.id)
    mail.set_content(message.text)
    paragraphs = "".join(
        f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in message.text.split("\n\n")
    )
    mail.add_alternative(f"<!DOCTYPE html><html><body>{paragraphs}</body></html>", subtype="html")
    for attachment in message.attachments:
        if attachment.storage_key is None:
            continue
        maintype, _, subtype = attachment.content_type.partition("/")
        mail.add_attachment(
            context.files.open(attachment.storage_key),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return mail


def send_mail(channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
    smtp = read_config(channel.config).smtp
    if smtp is None:
        return SendResult(ok=False, error="the email channel has no smtp settings to send replies with")
    try:
        mail = build_mail(channel, message, context)
    except (OSError, ValueError) as error:  # an attachment gone from the file store: retrying will not help
        return SendResult(ok=False, error=f"could not build the mail: {error}")
    message_id = str(mail["Message-ID"])
    timeout = context.settings.outbound_timeout_seconds
    try:
        with _connect(smtp, timeout) as client:
            if smtp.username and smtp.password:
                client.login(smtp.username, smtp.password)
            client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        return _answer(min(codes) if codes else 550, str(error.recipients))
    except smtplib.SMTPResponseException as error:
        return _answer(error.smtp_code, _text(error.smtp_error))
    except (smtplib.SMTPException, OSError) as error:  # connection refused, timeout, TLS failure
        return SendResult(ok=False, retryable=True, error=f"SMTP connection failed: {error}")
    return SendResult(ok=True, provider_message_id=message_id)


def _connect(smtp: SmtpConfig, timeout: float) -> smtplib.SMTP:
    if smtp.tls == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context())
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    if smtp.tls == "starttls":
        try:
            client.starttls(context=ssl.create_default_context())
        except BaseException:
            client.close()
            raise
    return client


def _answer(code: int, text: str) -> SendResult:
    error = f"SMTP {code}: {text}"[:2000]
    return SendResult(ok=False, retryable=not 500 <= code < 600, error=error)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
