"""The desktop inbox (GET /desktop, GET /desktop/inbox): the agent's presence, offers and assigned work
on every channel, exact rows and order, scoping to the agent and the tenant, escaping, the languages,
and the script's calls (offers answered, presence set with the session cookie and X-CSRF-Token)."""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import event, func, select

from omniline import __version__
from omniline.accounts.models import User
from omniline.accounts.service import create_tenant, create_user
from omniline.agents.models import AgentProfile
from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.channels.models import Channel
from omniline.conversations.models import Conversation
from omniline.customers.models import Customer
from omniline.kernel.clock import utcnow
from omniline.kernel.ids import new_id
from omniline.messages.models import Message
from omniline.routing.models import Offer, SlaClock, Task
from omniline.security.access import Actor
from omniline.security.models import AuditEntry
from omniline.taxonomy.models import Topic
from omniline.web.desktop.inbox_query import OfferRow, PresenceRow, WorkRow, load_inbox, preview_of
from omniline.web.desktop.inbox_rows import offer_rows, row_labels, work_rows
from omniline.web.i18n import translations
from tests.support import PASSWORD, ApiWorld, HandClock, app_message, row_counts
from tests.web.support import logged_in

Row = TypeVar("Row")
XSS_NAME = "<script>alert(1)</script> Анна 王"
XSS_TEXT = "<img src=x onerror=alert(2)> Где мой заказ? 我的订单在哪里？"


@pytest.fixture
def clock(container: Container) -> HandClock:
    """The container's clock, moved by hand (sessions and offers read it)."""
    clock = HandClock(utcnow().replace(microsecond=0) - timedelta(hours=3))
    container.clock = clock
    return clock


@dataclass
class Desk:
    """A tenant's agent and the rows their inbox is made of, written directly (reading is under test)."""

    container: Container
    tenant_id: uuid.UUID
    agent: Actor
    email: str
    now: datetime
    channels: dict[str, uuid.UUID]

    def add(self, row: Row) -> Row:
        with self.container.uow() as uow:
            uow.session.add(row)
            uow.commit()
        return row

    def customer(self, name: str | None, tier: str = "standard") -> uuid.UUID:
        return self.add(Customer(id=new_id(), tenant_id=self.tenant_id, name=name, tier=tier, value=0.0)).id

    def case(
        self, customer_id: uuid.UUID, number: int, status: str = "open", topic_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        row = Case(
            id=new_id(),
            tenant_id=self.tenant_id,
            number=number,
            customer_id=customer_id,
            status=status,
            topic_id=topic_id,
            assigned_user_id=None,
        )
        return self.add(row).id

    def conversation(self, kind: str, customer_id: uuid.UUID, case_id: uuid.UUID | None) -> uuid.UUID:
        row = Conversation(
            id=new_id(),
            tenant_id=self.tenant_id,
            channel_id=self.channels[kind],
            customer_id=customer_id,
            case_id=case_id,
            started_at=self.now,
            last_message_at=self.now,
        )
        return self.add(row).id

    def message(
        self,
        conversation_id: uuid.UUID,
        kind: str,
        customer_id: uuid.UUID,
        text: str,
        *,
        ago: timedelta,
        direction: str = "in",
        event: str | None = None,
    ) -> uuid.UUID:
        row = Message(
            id=new_id(),
            tenant_id=self.tenant_id,
            conversation_id=conversation_id,
            customer_id=customer_id,
            channel_id=self.channels[kind],
            channel_kind=kind,
            direction=direction,
            sender_identity="api:x",
            text=text,
            event=event,
            sent_at=self.now - ago,
        )
        return self.add(row).id

    def task(
        self,
        kind: str,
        channel_kind: str,
        customer_id: uuid.UUID,
        case_id: uuid.UUID | None,
        conversation_id: uuid.UUID | None,
        *,
        status: str = "assigned",
        user_id: uuid.UUID | None = None,
        queue: str = "general",
        priority: int = 0,
        due_at: datetime | None = None,
        reason: str = "routed:test",
        tenant_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        row = Task(
            id=new_id(),
            tenant_id=tenant_id or self.tenant_id,
            kind=kind,
            status=status,
            queue=queue,
            priority=priority,
            reason=reason,
            customer_id=customer_id,
            case_id=case_id,
            conversation_id=conversation_id,
            assigned_user_id=(user_id or self.agent.user_id) if status == "assigned" else None,
            assigned_at=self.now - timedelta(minutes=30) if status == "assigned" else None,
            due_at=due_at or self.now,
            channel_kind=channel_kind,
        )
        return self.add(row).id

    def offer(
        self,
        task_id: uuid.UUID,
        *,
        expires_in: int,
        user_id: uuid.UUID | None = None,
        status: str = "pending",
        tenant_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        row = Offer(
            id=new_id(),
            tenant_id=tenant_id or self.tenant_id,
            task_id=task_id,
            user_id=user_id or self.agent.user_id,
            status=status,
            offered_at=self.now - timedelta(seconds=5),
            expires_at=self.now + timedelta(seconds=expires_in),
        )
        return self.add(row).id

    def clock(self, case_id: uuid.UUID, kind: str, due_in: timedelta, status: str = "running") -> None:
        self.add(
            SlaClock(
                id=new_id(),
                tenant_id=self.tenant_id,
                case_id=case_id,
                kind=kind,
                target_seconds=3600,
                channel_class="async",
                started_at=self.now - timedelta(hours=1),
                warn_at=self.now + due_in - timedelta(minutes=10),
                due_at=self.now + due_in,
                status=status,
            )
        )

    def topic(self, code: str, name: str, names: dict[str, str]) -> uuid.UUID:
        return self.add(Topic(id=new_id(), tenant_id=self.tenant_id, code=code, name=name, names=names)).id

    def user(self, name: str, tenant_id: uuid.UUID | None = None) -> uuid.UUID:
        with self.container.uow() as uow:
            user = create_user(
                uow.session,
                tenant_id=tenant_id or self.tenant_id,
                email=f"agent.{uuid.uuid4().hex[:8]}@inbox.test",
                password=PASSWORD,
                role="agent",
                name=name,
            )
            uow.commit()
            return user.id


@pytest.fixture
def desk(container: Container, world: ApiWorld, clock: HandClock) -> Desk:
    with container.uow() as uow:
        agent = uow.session.scalars(
            select(User).where(User.tenant_id == world.tenant_id, User.role == "agent")
        ).one()
        actor = Actor(agent.id, agent.tenant_id, agent.role, agent.name)
        channels = {}
        for kind in ("email", "webchat", "telegram", "voice", "api"):
            channel = Channel(
                id=new_id(), tenant_id=world.tenant_id, kind=kind, name=kind, config={}, secret="s" * 32
            )
            uow.session.add(channel)
            channels[kind] = channel.id
        uow.commit()
        return Desk(container, world.tenant_id, actor, agent.email, clock.now, channels)


@dataclass
class Filled:
    offers: list[uuid.UUID]  # in the order the inbox lists them
    work: list[uuid.UUID]
    conversations: dict[str, uuid.UUID]
    rows: tuple[list[OfferRow], list[WorkRow]]


@pytest.fixture
def filled(desk: Desk) -> Filled:
    """Two offers and four assigned tasks on five channels, and everything that must not show."""
    now = desk.now
    topic = desk.topic("billing.double_charge", "Double charge", {"ru": "Двойное списание", "zh": "重复扣款"})
    # offers: a VIP's web chat about a double charge; a callback (expires first, so it is listed first)
    anna = desk.customer("Анна Петрова", tier="vip")
    case_41 = desk.case(anna, 41, topic_id=topic)
    chat_41 = desk.conversation("webchat", anna, case_41)
    chat_task = desk.task(
        "conversation", "webchat", anna, case_41, chat_41, status="offered", queue="priority", priority=5
    )
    chat_offer = desk.offer(chat_task, expires_in=25)
    wang = desk.customer("王伟")
    case_40 = desk.case(wang, 40)
    call_task = desk.task("callback", "voice", wang, case_40, None, status="offered", queue="callbacks")
    call_offer = desk.offer(call_task, expires_in=10)

    # work: an e-mail answered once (resolution clock running); a telegram chat past its first response;
    # a callback promised in 30 minutes; a web chat in wrap-up with no clock
    john = desk.customer("John Smith", tier="gold")
    case_42 = desk.case(john, 42)
    mail = desk.conversation("email", john, case_42)
    desk.message(mail, "email", john, "Hello,\n\n  my order   has not arrived.", ago=timedelta(minutes=10))
    desk.message(mail, "email", john, "We are checking.", ago=timedelta(minutes=5), direction="out")
    desk.clock(case_42, "first_response", timedelta(hours=-1), status="met")
    desk.clock(case_42, "resolution", timedelta(hours=2))
    mail_task = desk.task("conversation", "email", john, case_42, mail)
    nameless = desk.customer(None)
    case_43 = desk.case(nameless, 43, status="pending")
    telegram = desk.conversation("telegram", nameless, case_43)
    desk.message(telegram, "telegram", nameless, "Ж" * 100, ago=timedelta(hours=1))
    desk.clock(case_43, "first_response", timedelta(minutes=-5))
    desk.clock(case_43, "resolution", timedelta(days=1))
    telegram_task = desk.task("conversation", "telegram", nameless, case_43, telegram)
    peter = desk.customer("Пётр")
    case_44 = desk.case(peter, 44)
    call = desk.conversation("voice", peter, case_44)
    desk.message(call, "voice", peter, "", ago=timedelta(minutes=20), event="call.abandoned")
    callback_task = desk.task(
        "callback", "voice", peter, case_44, call, due_at=now + timedelta(minutes=30), reason="call.abandoned"
    )
    mei = desk.customer("李梅")
    case_45 = desk.case(mei, 45, status="resolved")
    chat_45 = desk.conversation("webchat", mei, case_45)
    desk.message(chat_45, "webchat", mei, "谢谢！", ago=timedelta(minutes=2))
    resolved_task = desk.task("conversation", "webchat", mei, case_45, chat_45)

    # never shown: another agent's offer and work, my finished and refused work, an offer past its
    # time, and rows of another tenant that even name this agent
    other = desk.user("Other agent")
    someone = desk.customer("Someone else")
    other_task = desk.task("conversation", "webchat", someone, None, None, user_id=other)
    desk.offer(
        desk.task("conversation", "webchat", someone, None, None, status="offered"),
        expires_in=20,
        user_id=other,
    )
    desk.task("conversation", "email", someone, None, None, status="done")
    desk.task("conversation", "email", someone, None, None, status="cancelled")
    desk.offer(
        desk.task("conversation", "sms", someone, None, None, status="open"), expires_in=20, status="rejected"
    )
    desk.offer(desk.task("conversation", "sms", someone, None, None, status="offered"), expires_in=0)
    with desk.container.uow() as uow:
        elsewhere = create_tenant(uow.session, slug=f"x{uuid.uuid4().hex[:8]}", name="Elsewhere")
        uow.commit()
        elsewhere_id = elsewhere.id
    stranger = desk.add(
        Customer(id=new_id(), tenant_id=elsewhere_id, name="Stranger", tier="vip", value=0.0)
    ).id
    desk.task("conversation", "email", stranger, None, None, tenant_id=elsewhere_id)
    foreign = desk.task(
        "conversation", "email", stranger, None, None, status="offered", tenant_id=elsewhere_id
    )
    desk.offer(foreign, expires_in=20, tenant_id=elsewhere_id)
    assert other_task

    # rows carry ids as their canonical text (what the page prints), the same on both databases
    offers = [
        OfferRow(
            offer_id=str(call_offer),
            task_id=str(call_task),
            kind="callback",
            channel_kind="voice",
            customer_id=str(wang),
            customer_name="王伟",
            tier="standard",
            case_id=str(case_40),
            case_number=40,
            conversation_id=None,
            topic=None,
            queue="callbacks",
            priority=0,
            offered_at=now - timedelta(seconds=5),
            expires_at=now + timedelta(seconds=10),
        ),
        OfferRow(
            offer_id=str(chat_offer),
            task_id=str(chat_task),
            kind="conversation",
            channel_kind="webchat",
            customer_id=str(anna),
            customer_name="Анна Петрова",
            tier="vip",
            case_id=str(case_41),
            case_number=41,
            conversation_id=str(chat_41),
            topic="Double charge",
            queue="priority",
            priority=5,
            offered_at=now - timedelta(seconds=5),
            expires_at=now + timedelta(seconds=25),
        ),
    ]
    assigned = now - timedelta(minutes=30)
    work = [
        WorkRow(str(telegram_task), "conversation", "routed:test", "telegram", str(nameless), None,
                "standard", str(case_43), 43, "pending", str(telegram), "Ж" * 79 + "…",
                now - timedelta(hours=1), "first_response", now - timedelta(minutes=5), True, assigned),
        WorkRow(str(callback_task), "callback", "call.abandoned", "voice", str(peter), "Пётр", "standard",
                str(case_44), 44, "open", str(call), "call.abandoned", now - timedelta(minutes=20),
                "callback", now + timedelta(minutes=30), False, assigned),
        WorkRow(str(mail_task), "conversation", "routed:test", "email", str(john), "John Smith", "gold",
                str(case_42), 42, "open", str(mail), "We are checking.", now - timedelta(minutes=10),
                "resolution", now + timedelta(hours=2), False, assigned),
        WorkRow(str(resolved_task), "conversation", "routed:test", "webchat", str(mei), "李梅", "standard",
                str(case_45), 45, "resolved", str(chat_45), "谢谢！", now - timedelta(minutes=2), None, None,
                False, assigned),
    ]  # fmt: skip
    return Filled(
        offers=[call_offer, chat_offer],
        work=[telegram_task, callback_task, mail_task, resolved_task],
        conversations={"mail": mail, "telegram": telegram, "call": call, "chat": chat_41},
        rows=(offers, work),
    )


def _ids(html: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="([0-9a-f-]{{36}})"', html)


# --- the rows ------------------------------------------------------------------------------------


def test_the_inbox_holds_my_offers_and_my_work_on_every_channel_with_exact_values(
    container: Container, desk: Desk, filled: Filled
) -> None:
    with container.uow() as uow:
        inbox = load_inbox(uow.session, desk.agent, language="en", now=desk.now)

    assert inbox.presence == PresenceRow("offline", None, None)
    assert inbox.offers == filled.rows[0]
    assert inbox.work == filled.rows[1]
    assert [row.url for row in inbox.work] == [
        f"/desktop/conversations/{filled.conversations['telegram']}",
        f"/desktop/customers/{inbox.work[1].customer_id}",  # a callback is made from the customer's page
        f"/desktop/conversations/{filled.conversations['mail']}",
        f"/desktop/conversations/{inbox.work[3].conversation_id}",
    ]


def test_the_topic_is_named_in_the_pages_language(container: Container, desk: Desk, filled: Filled) -> None:
    with container.uow() as uow:
        topics = {
            language: [
                offer.topic
                for offer in load_inbox(uow.session, desk.agent, language=language, now=desk.now).offers
            ]
            for language in ("en", "ru", "zh")
        }

    assert topics == {
        "en": [None, "Double charge"],
        "ru": [None, "Двойное списание"],
        "zh": [None, "重复扣款"],
    }


def test_the_desktop_renders_the_inbox_in_order_with_counts_and_the_overdue_row_marked(
    client: TestClient, desk: Desk, filled: Filled
) -> None:
    logged_in(client, desk.email)

    html = client.get("/desktop").text

    assert _ids(html, "data-offer-id") == [str(offer) for offer in filled.offers]
    assert _ids(html, "data-task-id") == [str(task) for task in filled.work]
    assert '<span class="inbox-count" data-count="offers">2</span>' in html
    assert '<span class="inbox-count" data-count="work">4</span>' in html
    telegram_row = re.search(rf'<li class="([^"]*)" data-task-id="{filled.work[0]}"', html)
    mail_row = re.search(rf'<li class="([^"]*)" data-task-id="{filled.work[2]}"', html)
    assert telegram_row and telegram_row.group(1) == "inbox-work overdue"
    assert mail_row and mail_row.group(1) == "inbox-work"
    assert "C-41" in html and "Double charge" in html and "Priority 5" in html
    assert '<span class="badge tier vip">VIP</span>' in html
    assert "Unnamed customer" in html
    assert (
        f'data-deadline="{(desk.now - timedelta(minutes=5)).isoformat()}" data-kind="first_response"' in html
    )
    assert f'href="/desktop/conversations/{filled.conversations["mail"]}"' in html
    assert "<title>Desktop · omniline</title>" in html


def test_the_fragment_marks_the_open_conversation_and_ignores_a_malformed_id(
    client: TestClient, desk: Desk, filled: Filled
) -> None:
    logged_in(client, desk.email)

    marked = client.get(f"/desktop/inbox?open={filled.conversations['mail']}")
    unmarked = client.get("/desktop/inbox?open=not-an-id")

    assert marked.status_code == 200 and unmarked.status_code == 200
    assert marked.text.lstrip().startswith('<div class="inbox"')  # only the fragment, no page around it
    assert "<html" not in marked.text
    assert f'<li class="inbox-work is-open" data-task-id="{filled.work[2]}"' in marked.text
    assert marked.text.count('aria-current="page"') == 1
    assert "is-open" not in unmarked.text


@pytest.mark.parametrize(
    ("language", "heading", "offers"),
    [("ru", "Мои обращения", "Предложения"), ("zh", "我的工作", "待接受"), ("en", "My work", "Offers")],
)
def test_the_inbox_speaks_the_agents_language(
    client: TestClient, desk: Desk, filled: Filled, language: str, heading: str, offers: str
) -> None:
    logged_in(client, desk.email)

    html = client.get("/desktop/inbox", headers={"Accept-Language": language}).text

    assert heading in html and offers in html


def test_customer_names_and_message_previews_render_as_text(client: TestClient, desk: Desk) -> None:
    customer = desk.customer(XSS_NAME)
    case_id = desk.case(customer, 7)
    chat = desk.conversation("webchat", customer, case_id)
    desk.message(chat, "webchat", customer, XSS_TEXT, ago=timedelta(minutes=1))
    desk.task("conversation", "webchat", customer, case_id, chat)
    desk.offer(desk.task("conversation", "webchat", customer, case_id, chat, status="offered"), expires_in=20)
    logged_in(client, desk.email)

    for url in ("/desktop", "/desktop/inbox"):
        html = client.get(url).text

        assert html.count("&lt;script&gt;alert(1)&lt;/script&gt; Анна 王") == 2  # the offer and the work row
        assert "&lt;img src=x onerror=alert(2)&gt; Где мой заказ? 我的订单在哪里？" in html
        assert "<script>alert" not in html
        assert "<img src=x" not in html


# --- the rows' HTML (desktop/inbox_rows.py writes it in Python, for speed) --------------------------

HOSTILE = """<script>alert("x")</script> 'q' & <img src=x onerror=alert(2)> {{ 7*7 }} Анна 王"""
ROW_NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
ROW_TAGS = {"li", "div", "a", "span", "strong", "time", "button", "svg", "title", "use"}


def test_the_rows_escape_every_value_they_print_exactly_as_the_templates_autoescape() -> None:
    # given rows whose every text field (ids and kinds included, though ours never are) is hostile
    offer = OfferRow(
        offer_id=HOSTILE, task_id=HOSTILE, kind=HOSTILE, channel_kind=HOSTILE, customer_id=HOSTILE,
        customer_name=HOSTILE, tier=HOSTILE, case_id=HOSTILE, case_number=7, conversation_id=HOSTILE,
        topic=HOSTILE, queue=HOSTILE, priority=1, offered_at=ROW_NOW, expires_at=ROW_NOW,
    )  # fmt: skip
    work = WorkRow(
        task_id=HOSTILE, kind=HOSTILE, reason=HOSTILE, channel_kind=HOSTILE, customer_id=HOSTILE,
        customer_name=HOSTILE, tier=HOSTILE, case_id=HOSTILE, case_number=7, case_status=HOSTILE,
        conversation_id=HOSTILE, preview=HOSTILE, last_customer_message_at=ROW_NOW, due_kind=HOSTILE,
        due_at=ROW_NOW, overdue=True, assigned_at=ROW_NOW,
    )  # fmt: skip
    labels = row_labels(translations("zh").gettext)

    # when they are written
    offers = str(offer_rows([offer], now=ROW_NOW, labels=labels))
    works = str(work_rows([work], now=ROW_NOW, open_conversation_id=HOSTILE, labels=labels))

    # then each value appears only in the form Jinja's autoescape gives it, never raw
    shown = str(escape(HOSTILE))
    assert shown.startswith("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &#39;q&#39; &amp; &lt;img")
    # offer: 4 ids, kind, name, tier class, topic, queue; work: 3 ids, the link, name, tier class,
    # due kind, status class and label, preview
    assert offers.count(shown) == 9
    assert works.count(shown) == 10
    assert f'href="/desktop/customers/{shown}"' in works  # not a conversation: the customer's page
    for html in (offers, works):
        assert "<script" not in html.lower() and "<img" not in html.lower()
        assert str(escape(HOSTILE.upper())) in html  # the tier badge
        assert 'aria-label="api"' in html  # an unknown channel kind gets the generic icon
        assert set(re.findall(r"<([a-z]+)", html)) <= ROW_TAGS  # only the rows' own elements


def test_the_rows_markup_is_what_the_script_and_the_styles_expect() -> None:
    labels = row_labels(translations("ru").gettext)
    open_id = "44444444-4444-4444-8444-444444444444"
    callback = WorkRow(
        "11111111-1111-4111-8111-111111111111", "callback", "call.abandoned", "voice",
        "22222222-2222-4222-8222-222222222222", "O'Brien & Sons", "vip",
        "33333333-3333-4333-8333-333333333333", 42, "pending", open_id, "Перезвоните мне",
        ROW_NOW - timedelta(minutes=20), "callback", ROW_NOW - timedelta(seconds=65), True, ROW_NOW,
    )  # fmt: skip
    offer = OfferRow(
        "55555555-5555-4555-8555-555555555555", "66666666-6666-4666-8666-666666666666", "conversation",
        "wechat", "22222222-2222-4222-8222-222222222222", None, "standard", None, None, None, None, "general",
        0, ROW_NOW, ROW_NOW + timedelta(hours=1, seconds=5),
    )  # fmt: skip
    icon = '<svg class="channel-icon channel-{0}" role="img" aria-label="{0}"><title>{0}</title>' + (
        f'<use href="/static/icons.svg?v={__version__}#{{0}}"></use></svg>'
    )

    assert work_rows([callback], now=ROW_NOW, open_conversation_id=open_id, labels=labels) == (
        '<li class="inbox-work overdue is-open" data-task-id="11111111-1111-4111-8111-111111111111"'
        f' data-conversation-id="{open_id}" data-case-id="33333333-3333-4333-8333-333333333333">\n'
        '<a class="inbox-link" href="/desktop/customers/22222222-2222-4222-8222-222222222222"'
        ' aria-current="page">\n'
        f'<span class="inbox-line">{icon.format("voice")}<strong class="inbox-name">O&#39;Brien &amp; Sons'
        '</strong><span class="badge tier vip">VIP</span><span class="inbox-end" title="Перезвонить до">'
        '<time class="sla-countdown" data-deadline="2030-01-01T11:58:55+00:00" data-kind="callback">-1:05'
        "</time></span></span>\n"
        '<span class="inbox-meta"><span class="inbox-case">C-42</span>'
        '<span class="inbox-status status-pending">Ожидает</span><span class="badge">Обратный звонок</span>'
        '<time class="inbox-ago" data-since="2030-01-01T11:40:00+00:00" title="Последнее сообщение клиента">'
        "20:00</time></span>\n"
        '<span class="inbox-preview">Перезвоните мне</span></a></li>\n'
    )
    assert offer_rows([offer], now=ROW_NOW, labels=labels) == (
        '<li class="inbox-offer" data-offer-id="55555555-5555-4555-8555-555555555555" data-conversation-id=""'
        ' data-customer-id="22222222-2222-4222-8222-222222222222" data-case-id="" data-kind="conversation">\n'
        f'<div class="inbox-line">{icon.format("wechat")}<strong class="inbox-name">Клиент без имени</strong>'
        '<span class="inbox-end" title="Ответьте в течение"><time class="sla-countdown"'
        ' data-deadline="2030-01-01T13:00:05+00:00" data-kind="offer">1:00:05</time></span></div>\n'
        '<div class="inbox-meta"><span class="inbox-queue" title="Очередь">general</span>'
        '<span class="inbox-priority">Приоритет 0</span></div>\n'
        '<div class="inbox-actions"><button type="button" class="primary" data-offer-action="accept">Принять'
        '</button><button type="button" data-offer-action="reject">Отклонить</button></div>\n</li>\n'
    )


def test_the_preview_is_one_line_of_plain_text_cut_at_80_characters() -> None:
    assert preview_of("  Hello\n\nworld\t !  ") == "Hello world !"
    assert preview_of("", "Re: order 45821") == "Re: order 45821"
    assert preview_of("", None, "voicemail") == "voicemail"
    assert preview_of("я" * 81) == "я" * 79 + "…"
    assert preview_of("я" * 80) == "я" * 80


def test_an_empty_inbox_says_what_to_do(client: TestClient, desk: Desk) -> None:
    token = logged_in(client, desk.email)

    offline = client.get("/desktop/inbox").text
    client.put("/api/v1/agents/me/presence", json={"state": "available"}, headers={"X-CSRF-Token": token})
    available = client.get("/desktop/inbox").text

    assert "Set yourself available to receive work." in offline
    assert 'data-presence-set="available"' in offline
    assert "No offers waiting." in available
    assert "Nothing assigned to you. New work is offered here as it arrives." in available
    assert "Set yourself available" not in available


def test_the_inbox_needs_a_session(client: TestClient, desk: Desk) -> None:
    response = client.get("/desktop/inbox", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/desktop/inbox"


def test_the_inbox_takes_the_same_few_queries_for_ten_items_or_forty(
    container: Container, desk: Desk, filled: Filled
) -> None:
    def statements() -> int:
        seen: list[str] = []

        def record(*args: Any) -> None:
            seen.append(str(args[2]))

        event.listen(container.engine, "before_cursor_execute", record)
        try:
            with container.uow() as uow:
                load_inbox(uow.session, desk.agent, language="en", now=desk.now)
        finally:
            event.remove(container.engine, "before_cursor_execute", record)
        return len([sql for sql in seen if sql.lstrip().upper().startswith("SELECT")])

    few = statements()
    for number in range(100, 130):
        customer = desk.customer(f"Customer {number}")
        case_id = desk.case(customer, number)
        chat = desk.conversation("webchat", customer, case_id)
        desk.message(chat, "webchat", customer, "hi", ago=timedelta(minutes=1))
        desk.clock(case_id, "first_response", timedelta(minutes=number))
        desk.task("conversation", "webchat", customer, case_id, chat)

    assert statements() == few == 3


# --- the script's calls: answering offers, presence ----------------------------------------------


@pytest.fixture
def routed(container: Container, client: TestClient, world: ApiWorld, desk: Desk) -> dict[str, Any]:
    """The agent takes app messages and is available; one inbound message was offered to them."""
    response = client.patch(
        f"/api/v1/agents/{desk.agent.user_id}", json={"capacity": {"api": 3}}, headers=world.admin_headers
    )
    assert response.status_code == 200, response.text
    token = logged_in(client, desk.email)
    answer = client.put(
        "/api/v1/agents/me/presence", json={"state": "available"}, headers={"X-CSRF-Token": token}
    )
    assert answer.status_code == 200, answer.text
    posted = world.post_app_message(app_message("m-1", ["app:42"], XSS_TEXT, name=XSS_NAME))
    assert posted.status_code == 202, posted.text
    with container.uow() as uow:  # read, then leave: the tests write while it is in use
        offer = uow.session.scalars(select(Offer).where(Offer.user_id == desk.agent.user_id)).one()
        task = uow.session.get_one(Task, offer.task_id)
        values = {
            "token": token,
            "offer_id": offer.id,
            "task_id": task.id,
            "conversation_id": task.conversation_id,
        }
    return values


def _audits(container: Container, action: str) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


def test_accepting_an_offer_from_the_page_assigns_the_work_to_me(
    container: Container, client: TestClient, routed: dict[str, Any]
) -> None:
    before = client.get("/desktop/inbox").text
    assert _ids(before, "data-offer-id") == [str(routed["offer_id"])]

    response = client.post(
        f"/api/v1/offers/{routed['offer_id']}/accept", headers={"X-CSRF-Token": routed["token"]}
    )

    assert response.status_code == 200, response.text
    assert response.json()["conversation_id"] == str(routed["conversation_id"])
    after = client.get("/desktop/inbox").text
    assert _ids(after, "data-offer-id") == []
    assert _ids(after, "data-task-id") == [str(routed["task_id"])]
    assert f'href="/desktop/conversations/{routed["conversation_id"]}"' in after
    assert "&lt;img src=x onerror=alert(2)&gt; Где мой заказ? 我的订单在哪里？" in after
    assert _audits(container, "offer.accepted") == 1


def test_a_stale_offer_is_refused_clearly_and_changes_nothing(
    container: Container, client: TestClient, routed: dict[str, Any], clock: HandClock
) -> None:
    headers = {"X-CSRF-Token": routed["token"]}
    accepted = client.post(f"/api/v1/offers/{routed['offer_id']}/accept", headers=headers)
    assert accepted.status_code == 200
    before = row_counts(container)

    again = client.post(f"/api/v1/offers/{routed['offer_id']}/accept", headers=headers)
    rejected = client.post(f"/api/v1/offers/{routed['offer_id']}/reject", headers=headers)

    assert again.status_code == 409
    assert again.json()["error"]["message"] == "the offer is already accepted"
    assert rejected.status_code == 409
    assert row_counts(container) == before


def test_an_offer_past_its_time_leaves_the_inbox_and_cannot_be_accepted(
    container: Container, client: TestClient, routed: dict[str, Any], clock: HandClock
) -> None:
    clock.now += timedelta(seconds=31)
    before = row_counts(container)

    html = client.get("/desktop/inbox").text
    response = client.post(
        f"/api/v1/offers/{routed['offer_id']}/accept", headers={"X-CSRF-Token": routed["token"]}
    )

    assert _ids(html, "data-offer-id") == []
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "the offer expired"
    assert row_counts(container) == before


def test_answering_without_the_csrf_header_or_someone_elses_offer_changes_nothing(
    container: Container, client: TestClient, routed: dict[str, Any], desk: Desk
) -> None:
    someone = desk.customer("Someone")
    other_offer = desk.offer(
        desk.task("conversation", "webchat", someone, None, None, status="offered"),
        expires_in=20,
        user_id=desk.user("Other"),
    )
    before = row_counts(container)

    no_header = client.post(f"/api/v1/offers/{routed['offer_id']}/accept")
    not_mine = client.post(f"/api/v1/offers/{other_offer}/accept", headers={"X-CSRF-Token": routed["token"]})

    assert no_header.status_code == 403
    assert not_mine.status_code == 404
    assert row_counts(container) == before


def test_rejecting_an_offer_takes_it_off_my_inbox(
    container: Container, client: TestClient, routed: dict[str, Any]
) -> None:
    response = client.post(
        f"/api/v1/offers/{routed['offer_id']}/reject", headers={"X-CSRF-Token": routed["token"]}
    )

    assert response.status_code == 200, response.text
    with container.uow() as uow:
        assert uow.session.get_one(Offer, routed["offer_id"]).status == "rejected"
    assert _ids(client.get("/desktop/inbox").text, "data-offer-id") == []
    assert _audits(container, "offer.rejected") == 1


def test_the_presence_switch_pauses_with_a_reason_and_shows_since_when(
    container: Container, client: TestClient, desk: Desk, clock: HandClock
) -> None:
    token = logged_in(client, desk.email)

    response = client.put(
        "/api/v1/agents/me/presence",
        json={"state": "paused", "reason": "lunch"},
        headers={"X-CSRF-Token": token},
    )
    html = client.get("/desktop/inbox", headers={"Accept-Language": "ru"}).text

    assert response.status_code == 200, response.text
    assert response.json()["presence"] == "paused"
    assert '<option value="paused:lunch" selected>Пауза: Обед</option>' in html
    assert 'class="inbox-presence presence-paused"' in html
    assert f'data-since="{clock.now.isoformat()}"' in html
    with container.uow() as uow:
        profile = uow.session.scalars(
            select(AgentProfile).where(AgentProfile.user_id == desk.agent.user_id)
        ).one()
        assert (profile.presence, profile.presence_reason) == ("paused", "lunch")
    assert _audits(container, "agent.presence_changed") == 1


def test_the_system_pause_after_missed_offers_is_explained(
    container: Container, client: TestClient, desk: Desk
) -> None:
    desk.add(
        AgentProfile(
            id=new_id(),
            tenant_id=desk.tenant_id,
            user_id=desk.agent.user_id,
            presence="paused",
            presence_reason="missed offers",
            presence_since=desk.now,
        )
    )
    logged_in(client, desk.email)

    html = client.get("/desktop/inbox").text

    assert '<option value="paused:missed offers" selected>Paused: Missed offers</option>' in html
    assert "You missed two offers in a row" in html


def test_going_offline_while_holding_work_or_pausing_without_a_reason_is_refused(
    container: Container, client: TestClient, routed: dict[str, Any]
) -> None:
    headers = {"X-CSRF-Token": routed["token"]}
    assert client.post(f"/api/v1/offers/{routed['offer_id']}/accept", headers=headers).status_code == 200
    before = row_counts(container)

    offline = client.put("/api/v1/agents/me/presence", json={"state": "offline"}, headers=headers)
    no_reason = client.put("/api/v1/agents/me/presence", json={"state": "paused"}, headers=headers)
    no_token = client.put("/api/v1/agents/me/presence", json={"state": "available"})

    assert offline.status_code == 409
    assert offline.json()["error"]["message"] == "finish or transfer the tasks you hold before going offline"
    assert no_reason.status_code == 422
    assert no_token.status_code == 403
    assert row_counts(container) == before
