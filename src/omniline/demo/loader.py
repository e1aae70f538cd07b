"""`omniline demo load`: a demo tenant you can log into and try, safe to load again and again.

Customers' histories go through the real pipeline with fixed external ids, so loading twice is
deduplicated like a provider retry and never doubles anything.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from omniline.accounts.models import Tenant, User
from omniline.accounts.service import create_tenant, create_user
from omniline.bootstrap import Container
from omniline.channels.models import Channel
from omniline.channels.service import channel_info, create_channel
from omniline.customers.identities import IdentityClaim
from omniline.demo.channels import CHANNEL_DEMOS
from omniline.demo.routing import load_routing_demo
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.ingest import ingest_message

DEMO_SLUG = "demo"
DEMO_PEOPLE = (
    ("admin@demo.omniline.local", "demo-admin-pass", "admin", "Demo Admin"),
    ("supervisor@demo.omniline.local", "demo-supervisor-pass", "supervisor", "Светлана Орлова"),
    ("agent1@demo.omniline.local", "demo-agent-pass", "agent", "Иван Петров"),
    ("agent2@demo.omniline.local", "demo-agent-pass", "agent", "李娜"),
)
APP_CHANNEL_NAME = "Mobile app"

# (external id, identities, name, text, thread, hours ago)
DEMO_HISTORY = (
    (
        "demo-1",
        ("app:1001", "phone:+7 916 123-45-67"),
        "Анна Иванова",
        "Здравствуйте! Где мой заказ №45821? Обещали доставить вчера.",
        None,
        50,
    ),
    (
        "demo-2",
        ("app:1001",),
        "Анна Иванова",
        "Курьер так и не приехал, верните деньги, пожалуйста.",
        None,
        49,
    ),
    (
        "demo-3",
        ("app:1002", "phone:+86 138 0013 8000"),
        "王芳",
        "你好，我的退款什么时候到账？订单号 88231。",
        None,
        30,
    ),
    (
        "demo-4",
        ("app:1003", "email:John.Smith@Example.com"),
        "John Smith",
        "The app charged me twice for this month's subscription.",
        "billing-77",
        20,
    ),
    ("demo-5", ("email:olga@example.ru",), "Ольга", "Не могу войти в личный кабинет.", None, 12),
    ("demo-6", ("phone:8 (903) 555-12-34",), "Ольга", "Звонила вам, никто не ответил.", None, 6),
    # The app knows both of Olga's addresses: the two records turn out to be one person and merge.
    (
        "demo-7",
        ("app:1004", "email:olga@example.ru", "phone:+79035551234"),
        "Ольга Смирнова",
        "Пишу из приложения: вход так и не работает.",
        None,
        2,
    ),
)


@dataclass(frozen=True)
class DemoSummary:
    tenant_slug: str
    channel_id: str
    channel_secret: str
    logins: tuple[tuple[str, str, str], ...]
    messages_new: int


def load_demo(container: Container) -> DemoSummary:
    now = container.clock()
    with container.uow() as uow:
        session = uow.session
        tenant = session.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
        if tenant is None:
            tenant = create_tenant(session, slug=DEMO_SLUG, name="Demo Shop / Демо-магазин / 演示商店")
            session.flush()
        for email, password, role, name in DEMO_PEOPLE:
            if session.scalar(select(User.id).where(User.email == email)) is None:
                create_user(
                    session, tenant_id=tenant.id, email=email, password=password, role=role, name=name
                )
        channel = session.scalar(
            select(Channel).where(Channel.tenant_id == tenant.id, Channel.name == APP_CHANNEL_NAME)
        )
        if channel is None:
            channel = create_channel(
                session,
                container.channels,
                tenant_id=tenant.id,
                kind="api",
                name=APP_CHANNEL_NAME,
                config={"webhook_url": f"{container.settings.base_url}/demo/app-webhook"},
                actor="demo",
            )
        session.flush()
        # Routing before the history, so the demo's messages are classified and routed like live ones.
        load_routing_demo(session, tenant.id, region=tenant.default_region, now=now)
        info = channel_info(channel, tenant.default_region)
        uow.commit()
    created = 0
    for external_id, identities, name, text, thread, hours_ago in DEMO_HISTORY:
        moment = now - timedelta(hours=hours_ago)
        message = InboundMessage(
            channel_id=info.id,
            external_id=external_id,
            identities=tuple(_claim(item) for item in identities),
            text=text,
            sent_at=moment,
            sender_name=name,
            thread_key=thread,
        )
        with container.uow() as uow:
            result = ingest_message(uow, info, message, now=moment)
            uow.commit()
        created += not result.duplicate
    with container.uow() as uow:
        tenant = uow.session.get_one(Tenant, info.tenant_id)
        uow.session.expunge(tenant)
    for load_channel_demo in CHANNEL_DEMOS:
        created += load_channel_demo(container, tenant)
    return DemoSummary(
        tenant_slug=DEMO_SLUG,
        channel_id=str(info.id),
        channel_secret=info.secret,
        logins=tuple((email, password, role) for email, password, role, _ in DEMO_PEOPLE),
        messages_new=created,
    )


def _claim(text: str) -> IdentityClaim:
    kind, _, address = text.partition(":")
    return IdentityClaim(kind, address, verified=True)
