"""Demo content for the `webchat` channel: the site's chat widget, and John Smith (known from the app
as app:1003) chatting while logged in to the shop's site.

The site vouches for him with user_hash, so his visitor id joins his record and his open billing case:
one customer, one timeline across the app and the site chat. A second, anonymous visitor asks in
Chinese and stays a customer of her own. Try the widget at /webchat/{channel id}/demo (the page is
served by omniline itself, so its origin is the allowed one). External ids are fixed: loading again
stores nothing new.
"""

import uuid
from datetime import timedelta

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.webchat.service import Visitor, visitor_inbound
from omniline.demo.setup import ensure_demo_channel
from omniline.pipeline.ingest import ingest_message

CHANNEL_NAME = "Site chat / Чат на сайте / 网站聊天"
GREETING = "Hello! Здравствуйте! 您好！"
JOHN = uuid.UUID("01900000-0000-7000-8000-00000000a001")
MEI = uuid.UUID("01900000-0000-7000-8000-00000000a002")

# (external id, visitor, app user id vouched by the site, name, text, hours ago)
HISTORY = (
    (f"{JOHN}:demo-1", JOHN, "1003", "John Smith", "Hi, I wrote in the app about the double charge.", 19.5),
    (f"{JOHN}:demo-2", JOHN, "1003", "John Smith", "Could you refund one of the two payments?", 19.4),
    (f"{MEI}:demo-1", MEI, None, None, "你好，请问周末有客服吗？", 3.0),
)


def load_webchat_demo(container: Container, tenant: Tenant) -> int:
    """Create the site chat channel once and replay its visitors' messages; the number of new ones."""
    now = container.clock()
    base = container.settings.base_url
    origins = sorted({base, base.replace("127.0.0.1", "localhost")})
    info = ensure_demo_channel(
        container,
        tenant,
        kind="webchat",
        name=CHANNEL_NAME,
        config={"allowed_origins": origins, "greeting": GREETING},
    )
    created = 0
    for external_id, visitor_id, app_user, name, text, hours_ago in HISTORY:
        moment = now - timedelta(hours=hours_ago)
        visitor = Visitor(visitor_id, app_user_id=app_user, name=name)
        inbound = visitor_inbound(info, visitor, external_id=external_id, text=text, sent_at=moment)
        with container.uow() as uow:
            result = ingest_message(uow, info, inbound, now=moment)
            uow.commit()
        created += not result.duplicate
    return created
