"""Demo content for the `email` channel: the support mailbox support@demo.omniline.local and a mail
from anna@example.com (Anna's e-mail identity, unverified, so a customer of its own until she
verifies it elsewhere), with a Russian question and a Chinese line, through the same receiving path
as the SMTP listener. Its Message-ID is fixed, so loading again stores nothing new. Send more with
`smtplib` to OMNILINE_SMTP_PORT when the server runs with it."""

from email.message import EmailMessage

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.email.receiving import receive_mail
from omniline.demo.setup import ensure_demo_channel

CHANNEL_NAME = "Support mailbox / Почта поддержки"
ADDRESS = "support@demo.omniline.local"


def _demo_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Анна Иванова <anna@example.com>"
    mail["To"] = ADDRESS
    mail["Subject"] = "Возврат за заказ №45821 / 退款"
    mail["Message-ID"] = "<demo-anna-1@example.com>"
    mail["Date"] = "Mon, 23 Nov 2026 09:30:00 +0300"
    mail.set_content(
        "Здравствуйте!\n\nЗаказ №45821 пришёл повреждённым. Как оформить возврат?\n\n"
        "您好，订单45821的包裹破损了，请问如何退款？\n\nАнна"
    )
    return mail.as_bytes()


def load_email_demo(container: Container, tenant: Tenant) -> int:
    """Create the demo mailbox once and receive Anna's mail; the number of new messages."""
    info = ensure_demo_channel(container, tenant, kind="email", name=CHANNEL_NAME, config=_config(container))
    results = receive_mail(container, info, _demo_mail())
    return sum(1 for result in results if not result.duplicate)


def _config(container: Container) -> dict[str, object]:
    """The mailbox; with the demo mail catcher running (make run), replies are sent there."""
    port = container.settings.demo_mailbox_port
    if port is None:
        return {"address": ADDRESS}
    return {"address": ADDRESS, "smtp": {"host": "127.0.0.1", "port": port, "tls": "none"}}
