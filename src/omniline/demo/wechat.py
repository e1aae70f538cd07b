"""Demo content for the `wechat` channel: an Official Account and a Chinese follower's enquiry.

The history is built from WeChat's own callback fields and normalised by the adapter's code, so the
demo timeline shows exactly what a real follower's messages look like. External ids are fixed, so
loading again stores nothing new.
"""

import dataclasses
from datetime import timedelta

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.wechat.inbound import inbound_message
from omniline.demo.setup import ensure_demo_channel
from omniline.pipeline.ingest import ingest_message

CHANNEL_NAME = "WeChat Official Account / 微信公众号"
CONFIG = {
    "app_id": "wx0demo0omniline0",
    "app_secret": "demo-app-secret-not-real",
    "token": "omnilinedemo",
}
OPENID = "oDemo7w1Xq9ChenJing000000000"

# (fixed external id, hours ago, WeChat fields other than FromUserName and CreateTime)
HISTORY: tuple[tuple[str, int, dict[str, str]], ...] = (
    ("demo-wechat-1", 28, {"MsgType": "event", "Event": "subscribe", "EventKey": "qrscene_store_shanghai"}),
    (
        "demo-wechat-2",
        27,
        {
            "MsgType": "text",
            "Content": "你好，我在你们的网店买了一台空气净化器（订单号 88417），"
            "付款成功了，但订单一直显示“待付款”。请帮我查一下，谢谢！",
            "MsgId": "demo-wechat-2",
        },
    ),
    (
        "demo-wechat-3",
        27,
        {
            "MsgType": "image",
            "PicUrl": "https://mmbiz.qpic.cn/demo/payment-receipt.jpg",
            "MediaId": "demo_media_payment_receipt",
            "MsgId": "demo-wechat-3",
        },
    ),
    (
        "demo-wechat-4",
        3,
        {"MsgType": "text", "Content": "还没有处理吗？我已经等了一天了。", "MsgId": "demo-wechat-4"},
    ),
)


def load_wechat_demo(container: Container, tenant: Tenant) -> int:
    """Create the demo WeChat channel once and replay the follower's history; new messages stored."""
    now = container.clock()
    info = ensure_demo_channel(container, tenant, kind="wechat", name=CHANNEL_NAME, config=CONFIG)
    created = 0
    for external_id, hours_ago, fields in HISTORY:
        moment = now - timedelta(hours=hours_ago)
        message = inbound_message(
            info.id, {"FromUserName": OPENID, "CreateTime": str(int(moment.timestamp())), **fields}
        )
        if message is None:  # every kind above is one the adapter stores; this keeps mypy sure of it
            continue
        message = dataclasses.replace(message, external_id=external_id)
        with container.uow() as uow:
            result = ingest_message(uow, info, message, now=moment)
            uow.commit()
        created += not result.duplicate
    return created
