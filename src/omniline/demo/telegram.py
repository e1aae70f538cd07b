"""Demo content for the `telegram` channel: a bot, and Anna (who wrote in the app about order
№45821) pressing Start, sharing her phone number and asking about the delivery on Telegram.

The shared number is Anna's verified phone, so the Telegram user joins her record and her open
case: one customer, one timeline, one case across the app and Telegram. The history is built from
Bot API `Update` objects and normalised by the adapter's code; update ids are fixed, so loading
again stores nothing new. (The bot token is not a real one: replies to it fail, visibly.)
"""

from datetime import timedelta
from typing import Any

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.telegram.parsing import parse_update
from omniline.channels.telegram.updates import Update
from omniline.demo.setup import ensure_demo_channel
from omniline.pipeline.ingest import ingest_message

CHANNEL_NAME = "Telegram bot / Телеграм-бот"
CONFIG = {
    "bot_token": "7000000001:AAdemo-not-a-real-bot-token-000000",
    "secret_token": "demo-telegram-secret-token-0001",
}
USER = {
    "id": 5012345678,
    "is_bot": False,
    "first_name": "Анна",
    "last_name": "Иванова",
    "language_code": "ru",
}

# (update id, hours ago, message fields other than message_id, from, chat and date)
HISTORY: tuple[tuple[int, float, dict[str, Any]], ...] = (
    (910000001, 26.0, {"text": "/start"}),
    (
        910000002,
        25.95,
        {
            "contact": {
                "phone_number": "79161234567",
                "first_name": "Анна",
                "last_name": "Иванова",
                "user_id": USER["id"],
            }
        },
    ),
    (910000003, 25.9, {"text": "Курьер так и не приехал. Когда теперь доставят заказ №45821?"}),
)


def load_telegram_demo(container: Container, tenant: Tenant) -> int:
    """Create the demo bot's channel once and replay Anna's updates; the number of new messages."""
    now = container.clock()
    info = ensure_demo_channel(container, tenant, kind="telegram", name=CHANNEL_NAME, config=CONFIG)
    created = 0
    for update_id, hours_ago, fields in HISTORY:
        moment = now - timedelta(hours=hours_ago)
        message = {
            "message_id": update_id % 1000,
            "from": USER,
            "chat": {"id": USER["id"], "first_name": "Анна", "type": "private"},
            "date": int(moment.timestamp()),
            **fields,
        }
        parsed = parse_update(
            info.id,
            Update.model_validate({"update_id": update_id, "message": message}),
            phone_region=info.phone_region,
        )
        if parsed is None:  # every update above is a private message; this keeps mypy sure of it
            continue
        with container.uow() as uow:
            result = ingest_message(uow, info, parsed.message, now=moment)
            uow.commit()
        created += not result.duplicate
    return created
