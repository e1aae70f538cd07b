"""Demo content for the `sms` channel: a Twilio number, texts from customers the app already knows
(Russian, Chinese) and a number that texted STOP (replies to it are refused).

Messages are built by the adapter's own parsing from Twilio's webhook fields and the STOP goes through
the adapter's opt-out bookkeeping, so the demo shows what real traffic leaves behind. External ids are
fixed: loading again stores nothing new. Replies go to a local URL that does not speak Twilio, so they
fail visibly instead of reaching the internet with made-up credentials.
"""

from datetime import timedelta

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.base import InboundBatch
from omniline.channels.sms.parsing import inbound_sms
from omniline.demo.setup import ensure_demo_channel
from omniline.pipeline.ingest import ingest_message

CHANNEL_NAME = "SMS +1 500 555 0006"
ACCOUNT_SID = "ACdemo0000000000000000000000000000"

# (MessageSid, hours ago, From, Body)
HISTORY = (
    ("SMdemo0001", 26, "+79161234567", "Курьер опять не приехал. Заказ №45821 — что происходит?"),
    ("SMdemo0002", 29, "+8613800138000", "你好，退款还没有到账，订单号 88231。"),
    ("SMdemo0003", 9, "+14155550134", "Hi, is my loyalty discount still valid?"),
    ("SMdemo0004", 8, "+14155550134", "STOP"),
)


def load_sms_demo(container: Container, tenant: Tenant) -> int:
    """Create the demo SMS channel once and replay its texts; returns the new messages stored."""
    now = container.clock()
    info = ensure_demo_channel(
        container,
        tenant,
        kind="sms",
        name=CHANNEL_NAME,
        config={
            "account_sid": ACCOUNT_SID,
            "auth_token": "demo-auth-token-not-real",
            "from_number": "+15005550006",
            "api_base_url": f"{container.settings.base_url}/demo/sms-provider",
        },
    )
    adapter = container.channels.get("sms")
    created = 0
    for sid, hours_ago, sender, body in HISTORY:
        moment = now - timedelta(hours=hours_ago)
        form = {
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "To": "+15005550006",
            "Body": body,
        }
        message = inbound_sms(info, form, now=moment)
        with container.uow() as uow:
            result = ingest_message(uow, info, message, now=moment)
            adapter.after_ingest(uow.session, info, InboundBatch([message]), [result])
            uow.commit()
        created += not result.duplicate
    return created
