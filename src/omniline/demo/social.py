"""Demo content for the `social` channel: a listening integration's public posts.

A Weibo user complains in public (in Chinese) that a parcel is late and adds a comment under the
same post; a VK user praises the shop (in Russian). Events are built in the integration's format and
normalised by the adapter's code; event ids are fixed, so loading again stores nothing new. Replies
go to the development stand-in webhook (`/demo/app-webhook`), which checks the signature.
"""

from datetime import timedelta
from typing import Any

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.social.payload import SocialEvent
from omniline.demo.setup import ensure_demo_channel
from omniline.pipeline.ingest import ingest_message

CHANNEL_NAME = "Social listening / Соцсети / 社交媒体"

WEIBO_AUTHOR = {"handle": "xiaowang_shopping", "name": "小王爱购物", "id": "6012345678"}
# (hours ago, event fields other than posted_at)
HISTORY: tuple[tuple[float, dict[str, Any]], ...] = (
    (
        9.0,
        {
            "network": "weibo",
            "event_id": "demo-weibo-1",
            "author": WEIBO_AUTHOR,
            "post_id": "N8xDemo001",
            "url": "https://weibo.com/6012345678/N8xDemo001",
            "text": "@演示商店 快递已经五天了还没到，客服电话也一直打不通！太失望了。#网购#",
            "public": True,
        },
    ),
    (
        8.5,
        {
            "network": "weibo",
            "event_id": "demo-weibo-2",
            "author": WEIBO_AUTHOR,
            "post_id": "N8xDemo002",
            "url": "https://weibo.com/6012345678/N8xDemo001?comment=N8xDemo002",
            "text": "补充一下：订单号 88231，有人管吗？",
            "in_reply_to": "N8xDemo001",
            "public": True,
        },
    ),
    (
        4.0,
        {
            "network": "vk",
            "event_id": "demo-vk-1",
            "author": {"handle": "id715000", "name": "Мария Кузнецова"},
            "post_id": "wall-1000_2001",
            "url": "https://vk.com/wall-1000_2001",
            "text": "Спасибо магазину за быструю доставку, всё пришло целым!",
            "public": True,
        },
    ),
)


def load_social_demo(container: Container, tenant: Tenant) -> int:
    """Create the demo listening channel once and replay its posts; the number of new messages."""
    now = container.clock()
    info = ensure_demo_channel(
        container,
        tenant,
        kind="social",
        name=CHANNEL_NAME,
        config={"webhook_url": f"{container.settings.base_url}/demo/app-webhook"},
    )
    created = 0
    for hours_ago, fields in HISTORY:
        moment = now - timedelta(hours=hours_ago)
        event = SocialEvent.model_validate(fields | {"posted_at": moment.isoformat()})
        with container.uow() as uow:
            result = ingest_message(uow, info, event.inbound(info.id), now=moment)
            uow.commit()
        created += not result.duplicate
    return created
