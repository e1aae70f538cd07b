"""Grouped ingestion must store exactly what message-by-message ingestion stores.

`ingest_batch` (pipeline/batch.py) stores a group commit's group of inbound messages with a few
statements for the whole group, where `ingest_message` spends 9 to 25 statements per message. Its
contract is the sequential road's: afterwards the database holds what `ingest_message` would have
stored, called once per message in the group's order. A set-based rewrite can break that in ways an
example test does not think of: two first messages of one new person in the same group, a merge between
two messages of a group, a provider's retry of a message of the same group, a case reopened by one
message and joined by the next, an identity linked by one message and used by the next.

So one deterministic, mixed workload is stored twice in one database: one message per transaction into
tenant A, one group per `ingest_batch` into tenant B. Between groups the same cases are resolved and the
same customers become VIPs in both tenants. Then the answers are compared message by message, and what
each tenant stored table by table, in a form that names every row by what it is (the message that first
produced it, an address, a topic code) rather than by generated ids, so the two snapshots are equal
exactly when the two roads behaved alike. A failure names the table and shows the difference.
"""

import difflib
import random
import re
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import Connection, RowMapping, select, update

from omniline.accounts.models import User
from omniline.accounts.service import create_tenant, create_user
from omniline.agents.service import MAX_CAPACITY, set_presence, update_agent
from omniline.bootstrap import Container
from omniline.cases.models import Case
from omniline.cases.service import change_case_status
from omniline.channels.base import ChannelInfo
from omniline.channels.models import Channel, InboundReceipt
from omniline.channels.service import create_channel, load_channel_info
from omniline.conversations.models import Conversation
from omniline.customers.identities import IdentityClaim
from omniline.customers.models import Customer, CustomerMerge, Identity
from omniline.db.base import Base, table_of
from omniline.db.unit_of_work import UnitOfWork
from omniline.messages.models import Message
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.batch import ingest_batch
from omniline.pipeline.ingest import IngestResult, ingest_message
from omniline.routing.callbacks import CALLBACK_EVENTS
from omniline.routing.models import Offer, SlaClock, Task
from omniline.routing.policy_store import save_policy
from omniline.routing.queues import create_queue
from omniline.routing.sla_service import save_calendar
from omniline.taxonomy.models import Topic
from omniline.taxonomy.service import import_taxonomy
from omniline.timeline.models import TimelineEvent
from tests.support import PASSWORD

ACTOR = "user:equivalence-test"
SETUP_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday, 09:00 in Moscow: the calendar's first hour
SEED = 20260302
TARGET_MESSAGES = 480
GROUP_SIZES = (1, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
# Minutes apart (same conversation), hours (same case, new conversation after a day idle), and more
# than the 7-day reopen window (a resolved case stays resolved, a new one opens).
GAPS = (
    timedelta(minutes=10),
    timedelta(minutes=40),
    timedelta(hours=3),
    timedelta(hours=27),
    timedelta(days=8),
)
GAP_WEIGHTS = (30, 25, 25, 12, 8)
RESOLVE_AFTER = timedelta(minutes=5)  # between a group and the next one (the shortest gap is 10 min)
RESOLVED_PERCENT = 35
VIP_PERCENT = 20
SKILLS = ("orders", "billing", "delivery", "technical")

TAXONOMY_YAML = """\
version: 1
topics:
  - code: orders
    names: {en: Orders, ru: Заказы, zh: 订单}
    risk: low
    complexity: simple
    skills: [orders]
    sla:
      live: {first_response: 60, resolution: 1800}
      async: {first_response: 14400, resolution: 86400}
      tiers: {vip: 0.5}
    children:
      - code: orders.status
        names: {en: Where is my order, ru: Где мой заказ, zh: 订单状态}
        self_service: true
        keywords: {en: [where is my order, order status], ru: [где мой заказ], zh: [我的订单, 订单状态]}
  - code: billing
    names: {en: Billing, ru: Оплата, zh: 账单}
    risk: medium
    tags: [financial]
    skills: [billing]
    sla:
      async: {first_response: 7200, resolution: 172800}
      tiers: {vip: 0.5, gold: 0.75}
    children:
      - code: billing.double_charge
        names: {en: Charged twice, ru: Двойное списание, zh: 重复扣款}
        risk: high
        keywords: {en: [charged me twice, charged twice], ru: [списали дважды], zh: [重复扣款, 扣了两次]}
      - code: billing.refund
        names: {en: Refund, ru: Возврат денег, zh: 退款}
        keywords: {en: [refund], ru: [верните деньги], zh: [退款]}
  - code: delivery
    names: {en: Delivery, ru: Доставка, zh: 配送}
    skills: [delivery]
    keywords: {en: [courier did not come], ru: [курьер не приехал], zh: [快递还没到]}
  - code: account
    names: {en: Account, ru: Учётная запись, zh: 账户}
    skills: [technical]
    children:
      - code: account.login
        names: {en: Cannot log in, ru: Не могу войти, zh: 无法登录}
        keywords: {en: [log in, password], ru: [не могу войти, код не приходит], zh: [无法登录, 验证码]}
  - code: complaints
    names: {en: Complaints, ru: Жалобы, zh: 投诉}
    risk: medium
    tags: [complaint]
    keywords: {en: [complaint], ru: [жалоба], zh: [投诉]}
  - code: callback_request
    names: {en: Call me back, ru: Перезвоните, zh: 请回电}
    keywords: {en: [call me back], ru: [перезвоните], zh: [回电]}
"""
# Every kind of decision the policy can take, so that a wrong fact (tier, language, topic, repeat
# contact, business hours) sends work somewhere else and shows in the snapshot.
POLICY: dict[str, Any] = {
    "settings": {"default_queue": "general", "repeat_contact": {"contacts": 3, "days": 14}},
    "rules": [
        {
            "name": "repeat",
            "when": {"any": [{"repeat_contact": True}, {"case_reopened": True}]},
            "then": {"priority": 5},
            "continue": True,
        },
        {"name": "urgent", "when": {"urgency": "high"}, "then": {"priority": 4}, "continue": True},
        {"name": "vip", "when": {"customer_tier": ["vip"]}, "then": {"queue": "priority", "priority": 10}},
        {"name": "call-back", "when": {"topic": "callback_request"}, "then": {"callback": "callbacks"}},
        {"name": "complaints", "when": {"topic_tags": ["complaint"]}, "then": {"queue": "complaints"}},
        {
            "name": "money",
            "when": {"topic_tags": ["financial"]},
            "then": {"queue": "billing", "priority": 3, "skills": ["billing"]},
        },
        {
            "name": "self-service",
            "when": {"self_service": True, "risk": "low", "not": {"sentiment": "negative"}},
            "then": {"bot": "self_service"},
        },
        {"name": "chinese", "when": {"language": "zh"}, "then": {"queue": "china"}},
        {"name": "after-hours", "when": {"business_hours": False}, "then": {"queue": "night"}},
        {"name": "technical", "when": {"topic": "account.*"}, "then": {"queue": "technical"}},
    ],
}
CALENDAR = {
    "timezone": "Europe/Moscow",
    "hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-03-09"],
}

TEXTS = (
    "Where is my order {n}? It was due yesterday.",
    "You charged me twice for order {n}!",
    "You charged me twice for order {n}, I want a refund.",  # two topics tie: left to the agent
    "The courier did not come again. This is unacceptable!!!",
    "I can't log in, the password reset code never arrives.",
    "I want to file a complaint about your support.",
    "Please call me back about order {n}, it is urgent.",
    "Thanks, everything works now.",
    "Hello?",
    "Где мой заказ {n}? Обещали доставить вчера.",
    "Списали дважды за заказ {n}!",
    "Курьер не приехал, ужасно.",
    "Не могу войти, код не приходит.",
    "Хочу подать жалобу на оператора.",
    "Срочно перезвоните по заказу {n}",
    "Спасибо, всё получила.",
    "我的订单 {n} 到哪了？",
    "重复扣款了，订单 {n}，请退款",
    "快递还没到，太差了",
    "无法登录，验证码收不到",
    "我要投诉你们的客服",
    "请尽快回电，订单 {n}",
    "谢谢，问题已经解决了。",
)
AUTO_REPLIES = (
    "Auto-reply: I am out of the office until Monday.",
    "Автоответ: я в отпуске.",
    "自动回复：我正在休假。",
)
MISSED_CALL_TEXTS = ("", "Missed call", "Пропущенный звонок", "未接来电")
SUBJECTS = ("Order {n}", "Заказ {n}", "订单 {n}")
NAMES = ("Анна Иванова", "Иван Петров", "John Smith", "Mary Jones", "王芳", "李娜")
EMAIL_DOMAINS = ("example.com", "Example.ORG", "почта.рф", "ПОЧТА.РФ", "例子.中国", "Bücher.example")


# --- the workload ---


@dataclass(frozen=True)
class Address:
    """One address of a person, in the several ways apps write it (the pipeline normalises them)."""

    kind: str
    spellings: tuple[str, ...]


@dataclass
class Person:
    """What the workload knows of one person: the addresses they used so far."""

    addresses: list[Address]
    name: str | None
    thread_keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sent:
    """One inbound message as a provider sends it (a retry sends the same again)."""

    external_id: str
    claims: tuple[IdentityClaim, ...]
    text: str
    sent_at: datetime
    name: str | None = None
    subject: str | None = None
    thread_key: str | None = None
    event: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    auto_generated: bool = False

    def to(self, channel: ChannelInfo) -> InboundMessage:
        return InboundMessage(
            channel_id=channel.id,
            external_id=self.external_id,
            identities=self.claims,
            text=self.text,
            sent_at=self.sent_at,
            sender_name=self.name,
            subject=self.subject,
            thread_key=self.thread_key,
            event=self.event,
            meta=dict(self.meta),
            auto_generated=self.auto_generated,
        )


@dataclass(frozen=True)
class Group:
    """The messages stored together (one group commit), all at the group's `now`."""

    now: datetime
    messages: tuple[Sent, ...]


class Workload:
    """A deterministic stream of groups mixing every road a message can take through the pipeline."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.in_group: list[Person] = []  # who wrote in the group being built
        self.sent: list[Sent] = []
        self.sent_in_group: list[Sent] = []
        self.messages_made = 0
        self.serial = 0  # numbers addresses and thread keys

    def groups(self, target_messages: int) -> list[Group]:
        groups: list[Group] = []
        now = START
        while sum(len(group.messages) for group in groups) < target_messages:
            self.in_group, self.sent_in_group = [], []
            size = self.rng.choice(GROUP_SIZES)
            groups.append(Group(now, tuple(self.message(now) for _ in range(size))))
            now += self.rng.choices(GAPS, GAP_WEIGHTS)[0]
        return groups

    def message(self, now: datetime) -> Sent:
        roll = self.rng.random()
        if not self.people or roll < 0.24:
            sent = self.from_new_person(now)
        elif roll < 0.50:
            sent = self.from_returning_person(now)
        elif roll < 0.58:
            sent = self.linking_new_addresses(now)
        elif roll < 0.64:
            sent = self.with_unverified_claims(now)
        elif roll < 0.70:
            sent = self.merging_two_people(now)
        elif roll < 0.76 and self.sent:
            sent = self.provider_retry()
        elif roll < 0.82:
            sent = self.missed_call(now)
        elif roll < 0.86:
            sent = self.auto_reply(now)
        else:
            sent = self.from_returning_person(now, from_this_group=True)
        self.sent.append(sent)
        self.sent_in_group.append(sent)
        return sent

    # kinds of messages

    def from_new_person(self, now: datetime, **fields: Any) -> Sent:
        person = Person([self.new_address()], self.rng.choice(NAMES) if self.rng.random() < 0.6 else None)
        extra = [self.new_address() for _ in range(self.rng.choice((0, 0, 0, 1, 2)))]
        person.addresses += extra
        self.people.append(person)
        claims = [self.claim(person.addresses[0], verified=self.rng.random() < 0.9)]
        claims += [self.claim(address) for address in extra]
        return self.sent_by(person, claims, now, **fields)

    def from_returning_person(self, now: datetime, *, from_this_group: bool = False, **fields: Any) -> Sent:
        person = self.someone(from_this_group=from_this_group)
        return self.sent_by(person, [self.claim(self.rng.choice(person.addresses))], now, **fields)

    def linking_new_addresses(self, now: datetime) -> Sent:
        person = self.someone()
        new = [self.new_address() for _ in range(self.rng.choice((1, 1, 2)))]
        claims = [self.claim(self.rng.choice(person.addresses)), *(self.claim(address) for address in new)]
        person.addresses += new
        return self.sent_by(person, claims, now)

    def with_unverified_claims(self, now: datetime) -> Sent:
        """Claims nobody confirmed: of a fresh address, or of somebody else's (never linked or merged)."""
        person = self.someone()
        other = self.someone()
        claimed = self.new_address() if other is person or self.rng.random() < 0.5 else other.addresses[0]
        claims = [self.claim(self.rng.choice(person.addresses)), self.claim(claimed, verified=False)]
        return self.sent_by(person, claims, now)

    def merging_two_people(self, now: datetime) -> Sent:
        """A message carrying verified addresses of two known people: the pipeline merges them."""
        first = self.someone(from_this_group=self.rng.random() < 0.3)
        second = self.someone()
        if second is first:
            return self.from_returning_person(now)
        claims = [self.claim(self.rng.choice(first.addresses)), self.claim(self.rng.choice(second.addresses))]
        first.addresses += second.addresses
        first.thread_keys += second.thread_keys
        self.people.remove(second)
        if second in self.in_group:
            self.in_group.remove(second)
        return self.sent_by(first, claims, now)

    def provider_retry(self) -> Sent:
        """The same message delivered again: often from this very group, sometimes from long ago."""
        if self.sent_in_group and self.rng.random() < 0.6:
            return self.rng.choice(self.sent_in_group)
        return self.rng.choice(self.sent)

    def missed_call(self, now: datetime) -> Sent:
        fields: dict[str, Any] = {
            "event": "call.missed",
            "text": self.rng.choice(MISSED_CALL_TEXTS),
            "meta": {"duration": 0},
        }
        if self.rng.random() < 0.3:
            return self.from_new_person(now, **fields)
        return self.from_returning_person(now, **fields)

    def auto_reply(self, now: datetime) -> Sent:
        """An auto-reply joins an open case but never opens one (from a stranger: no case at all)."""
        fields: dict[str, Any] = {"text": self.rng.choice(AUTO_REPLIES), "auto_generated": True}
        if self.rng.random() < 0.2:
            return self.from_new_person(now, **fields)
        return self.from_returning_person(now, **fields)

    # parts of messages

    def sent_by(self, person: Person, claims: list[IdentityClaim], now: datetime, **fields: Any) -> Sent:
        rng = self.rng
        if person not in self.in_group:
            self.in_group.append(person)
        if person.name is None and rng.random() < 0.3:
            person.name = rng.choice(NAMES)  # a name at last: it fills the nameless customer
        self.messages_made += 1
        values: dict[str, Any] = {
            "external_id": f"m-{self.messages_made:04d}",
            "claims": tuple(claims),
            "text": rng.choice(TEXTS).format(n=rng.randrange(10000, 99999)),
            "sent_at": now - timedelta(seconds=rng.randrange(0, 90)),
            "name": person.name if rng.random() < 0.7 else None,
            "thread_key": self.thread_key(person) if rng.random() < 0.2 else None,
            "subject": rng.choice(SUBJECTS).format(n=rng.randrange(100, 999)) if rng.random() < 0.1 else None,
        }
        return Sent(**(values | fields))

    def thread_key(self, person: Person) -> str:
        if person.thread_keys and self.rng.random() < 0.6:
            return self.rng.choice(person.thread_keys)
        person.thread_keys.append(f"thread-{self.next_serial()}")
        return person.thread_keys[-1]

    def someone(self, *, from_this_group: bool = False) -> Person:
        if self.in_group and (from_this_group or self.rng.random() < 0.15):
            return self.rng.choice(self.in_group)
        return self.rng.choice(self.people)

    def claim(self, address: Address, *, verified: bool = True) -> IdentityClaim:
        return IdentityClaim(address.kind, self.rng.choice(address.spellings), verified)

    def new_address(self) -> Address:
        n = self.next_serial()
        roll = self.rng.random()
        if roll < 0.3:
            return Address("app", (str(700000 + n),))
        if roll < 0.4:
            return Address("telegram", (str(5_000_000 + n), f" {5_000_000 + n} "))
        if roll < 0.65:
            d = f"{n:07d}"
            return Address(
                "phone",
                (f"+7 916 {d[:3]}-{d[3:5]}-{d[5:]}", f"8 (916) {d[:3]}-{d[3:5]}-{d[5:]}", f"+7916{d}"),
            )
        if roll < 0.75:
            d = f"{n:08d}"
            return Address("phone", (f"+86 138 {d[:4]} {d[4:]}", f"+86-138-{d[:4]}-{d[4:]}", f"+86138{d}"))
        local = f"{self.rng.choice(('anna', 'Olga', 'john.smith', 'wang'))}{n}"
        domain = self.rng.choice(EMAIL_DOMAINS)
        return Address(
            "email", (f"{local}@{domain}", f"{local.upper()}@{domain.upper()}", f"{local.title()}@{domain}")
        )

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial


# --- two tenants built alike ---


@dataclass(frozen=True)
class TenantUnderTest:
    tenant_id: uuid.UUID
    channel: ChannelInfo


def set_up_tenant(container: Container, label: str) -> TenantUnderTest:
    """A tenant with an `api` channel, topics, a routing policy, business hours, a bot queue and two
    available agents who have every skill and room for all the work (so offering never runs short and
    whether a task is offered depends only on what was routed)."""
    slug = f"{label}-{uuid.uuid4().hex[:8]}"
    with container.uow() as uow:
        session = uow.session
        tenant = create_tenant(session, slug=slug, name=f"Tenant {slug}")
        session.flush()
        channel = create_channel(
            session, container.channels, tenant_id=tenant.id, kind="api", name="App", config={}, actor=ACTOR
        )
        import_taxonomy(session, tenant.id, yaml.safe_load(TAXONOMY_YAML), actor=ACTOR, now=SETUP_AT)
        save_policy(session, tenant.id, POLICY, actor=ACTOR, now=SETUP_AT)
        save_calendar(session, tenant_id=tenant.id, actor=ACTOR, document=CALENDAR, now=SETUP_AT)
        create_queue(session, actor=ACTOR, tenant_id=tenant.id, name="self_service", fields={"is_bot": True})
        for number in (1, 2):
            add_available_agent(uow, tenant.id, f"agent{number}@{slug}.test")
        session.flush()
        info = load_channel_info(session, channel.id)
        uow.commit()
    return TenantUnderTest(tenant.id, info)


def add_available_agent(uow: UnitOfWork, tenant_id: uuid.UUID, email: str) -> None:
    user = create_user(uow.session, tenant_id=tenant_id, email=email, password=PASSWORD, role="agent")
    uow.session.flush()
    profile = update_agent(
        uow.session,
        actor=ACTOR,
        tenant_id=tenant_id,
        user_id=user.id,
        changes={
            "capacity": {"api": MAX_CAPACITY, "voice": MAX_CAPACITY},
            "skills": dict.fromkeys(SKILLS, 5),
        },
    )
    set_presence(uow, actor=ACTOR, by="agent", profile=profile, state="available", reason=None, now=SETUP_AT)


# --- the two roads ---

StoreGroup = Callable[[Container, TenantUnderTest, Group], list[IngestResult]]


def store_one_by_one(container: Container, tenant: TenantUnderTest, group: Group) -> list[IngestResult]:
    """The sequential road: each message in its own transaction, at the group's time."""
    results = []
    for sent in group.messages:
        with container.uow() as uow:
            results.append(ingest_message(uow, tenant.channel, sent.to(tenant.channel), now=group.now))
            uow.commit()
    return results


def store_as_one_group(container: Container, tenant: TenantUnderTest, group: Group) -> list[IngestResult]:
    """The grouped road: the whole group in one transaction."""
    with container.uow() as uow:
        items = [(tenant.channel, sent.to(tenant.channel)) for sent in group.messages]
        results = ingest_batch(uow, items, now=group.now)
        uow.commit()
    return results


class FirstSeen:
    """Names customers, conversations and cases by the first message whose answer named them: that
    message is the same in both tenants, whatever ids were generated. (A customer merged away keeps
    its name too, although it has no identity or message left.)"""

    def __init__(self) -> None:
        self.names: dict[uuid.UUID, str] = {}

    def note(self, messages: Sequence[Sent], results: Sequence[IngestResult]) -> list[uuid.UUID]:
        """Name what `results` name for the first time; returns the customers among them."""
        new_customers = []
        for sent, result in zip(messages, results, strict=True):
            named = (
                ("customer", result.customer_id),
                ("conversation", result.conversation_id),
                ("case", result.case_id),
            )
            for role, value in named:
                if value is not None and value not in self.names:
                    self.names[value] = f"{role} of {sent.external_id}"
                    if role == "customer":
                        new_customers.append(value)
        return new_customers


@dataclass
class Run:
    tenant: TenantUnderTest
    results: list[IngestResult]
    first_seen: FirstSeen


def run_workload(
    container: Container, tenant: TenantUnderTest, groups: list[Group], store: StoreGroup
) -> Run:
    """Store every group; between groups, change the same things a person would, in both tenants alike."""
    first_seen = FirstSeen()
    results: list[IngestResult] = []
    for index, group in enumerate(groups):
        stored = store(container, tenant, group)
        assert len(stored) == len(group.messages)
        results += stored
        new_customers = first_seen.note(group.messages, stored)
        make_some_customers_vip(container, tenant, new_customers, first_seen)
        resolve_some_open_cases(container, tenant, first_seen, index, now=group.now + RESOLVE_AFTER)
    return Run(tenant, results, first_seen)


def run_one_group(container: Container, tenant: TenantUnderTest, group: Group, store: StoreGroup) -> Run:
    first_seen = FirstSeen()
    results = store(container, tenant, group)
    first_seen.note(group.messages, results)
    return Run(tenant, results, first_seen)


def chosen(name: str, salt: object, percent: int) -> bool:
    """A choice made from the name alone (not from ids), so both tenants choose alike."""
    return zlib.crc32(f"{name}|{salt}".encode()) % 100 < percent


def make_some_customers_vip(
    container: Container, tenant: TenantUnderTest, customers: list[uuid.UUID], first_seen: FirstSeen
) -> None:
    vip = [customer for customer in customers if chosen(first_seen.names[customer], "vip", VIP_PERCENT)]
    if not vip:
        return
    with container.uow() as uow:
        uow.session.execute(
            update(Customer)
            .where(Customer.tenant_id == tenant.tenant_id, Customer.id.in_(vip))
            .values(tier="vip")
        )
        uow.commit()


def resolve_some_open_cases(
    container: Container, tenant: TenantUnderTest, first_seen: FirstSeen, index: int, *, now: datetime
) -> None:
    """Resolve about a third of the open cases, so later messages reopen some within the reopen window
    and open new cases after it (and agents keep room for new work)."""
    with container.uow() as uow:
        open_cases = uow.session.scalars(
            select(Case.id).where(Case.tenant_id == tenant.tenant_id, Case.status == "open")
        )
        named = sorted((first_seen.names[case_id], case_id) for case_id in open_cases)
        for name, case_id in named:
            if chosen(name, index, RESOLVED_PERCENT):
                change_case_status(
                    uow, tenant_id=tenant.tenant_id, case_id=case_id, action="resolve", actor=ACTOR, now=now
                )
        uow.commit()


# --- the stored state, named by what things are ---

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
WALL_CLOCK = "<the wall clock>"
UNNAMED = "<an id nothing names>"
# Every column of these tables is compared, in the tenant's rows only; ids become names.
COMPARED: dict[str, type[Base]] = {
    "customers": Customer,
    "identities": Identity,
    "conversations": Conversation,
    "messages": Message,
    "cases": Case,
    "events": TimelineEvent,
    "sla_clocks": SlaClock,
    "tasks": Task,
    "offers": Offer,
    "inbound_receipts": InboundReceipt,
    "customer_merges": CustomerMerge,
}


class Names:
    """Every id of one tenant's rows, named by what it refers to."""

    def __init__(self, first_seen: FirstSeen) -> None:
        self._names: dict[uuid.UUID, str] = dict(first_seen.names)
        self.case_by_number: dict[int, str] = {}

    def add(self, id: uuid.UUID, name: str) -> None:
        self._names[id] = name

    def of(self, id: uuid.UUID | None) -> str | None:
        return None if id is None else self._names.get(id, UNNAMED)

    def in_json(self, value: Any) -> Any:
        """JSON with ids (strings there) replaced by names, and case numbers by the case."""
        if isinstance(value, dict):
            return {
                key: self.case_by_number.get(item, item) if key == "number" else self.in_json(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.in_json(item) for item in value]
        if isinstance(value, str) and _UUID.match(value):
            return self.of(uuid.UUID(value))
        return value


def when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def canonical(column: str, value: Any, names: Names, instants: set[datetime]) -> Any:
    """A column's value as it is compared. `updated_at` is a workload instant when the pipeline or a
    person set it, and the wall clock when the ORM's `onupdate` did (intake's notes of language and
    sentiment, merges): only which of the two it is can be compared, not the wall clock's value."""
    if isinstance(value, uuid.UUID):
        return names.of(value)
    if isinstance(value, datetime):
        return when(value) if column != "updated_at" or value in instants else WALL_CLOCK
    if isinstance(value, dict | list):
        return names.in_json(value)
    return value


def canonical_row(row: RowMapping, names: Names, instants: set[datetime]) -> dict[str, Any]:
    """The row without its tenant, named first."""
    values = {column: canonical(column, value, names, instants) for column, value in row.items()}
    del values["tenant_id"]
    return {"id": values.pop("id"), **values}


def stored_state(container: Container, run: Run, instants: set[datetime]) -> dict[str, list[dict[str, Any]]]:
    """One tenant's rows, table by table, every id replaced by the name of what it refers to. Rows are
    sorted; each customer's timeline by instant, and the order of its messages is compared apart."""
    tenant_id = run.tenant.tenant_id
    names = Names(run.first_seen)
    with container.engine.connect() as connection:
        rows = {table: tenant_rows(connection, model, tenant_id) for table, model in COMPARED.items()}
        name_rows(connection, tenant_id, names, rows)
    state = {
        table: [canonical_row(row, names, instants) for row in table_rows]
        for table, table_rows in rows.items()
    }
    add_identities_to_customers(state)
    rank_case_numbers(state)
    for merge in state["customer_merges"]:  # which rows moved matters, not the order they were found in
        merge["moved"] = {table: sorted(map(str, ids)) for table, ids in merge["moved"].items()}
    compared = {
        table: sorted(table_rows, key=events_key if table == "events" else repr)
        for table, table_rows in state.items()
    }
    compared["messages on each timeline"] = messages_in_timeline_order(state["events"])
    return compared


def events_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """A customer's events by instant; those of one instant as a set. A group stores its messages in
    runs and routes and dispatches once per run, so within one instant a customer's routing events and
    offers may be made (and ordered) after a neighbouring message rather than before it; their messages'
    order is compared on its own (`messages_in_timeline_order`)."""
    return (str(row["customer_id"]), str(row["at"]), repr(row))


def messages_in_timeline_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each customer's messages in the order the timeline shows them (events come in id order)."""
    order: dict[str, list[str]] = defaultdict(list)
    for row in events:
        if row["type"] == "message.received":
            order[str(row["customer_id"])].append(str(row["message_id"]))
    return [{"customer_id": customer, "messages": messages} for customer, messages in sorted(order.items())]


def tenant_rows(connection: Connection, model: type[Base], tenant_id: uuid.UUID) -> Sequence[RowMapping]:
    table = table_of(model)
    query = select(table).where(table.c.tenant_id == tenant_id).order_by(table.c.id)
    return connection.execute(query).mappings().all()


def name_rows(
    connection: Connection, tenant_id: uuid.UUID, names: Names, rows: dict[str, Sequence[RowMapping]]
) -> None:
    """Name what no answer names: by external id, address, topic code, or what a row is for."""
    for row in rows["messages"]:
        names.add(row["id"], f"message {row['external_id']}")
    for row in rows["identities"]:
        names.add(row["id"], f"{row['kind']}:{row['address']}")
    for row in rows["inbound_receipts"]:
        names.add(row["id"], f"receipt of {row['external_id']}")
    for id, code in connection.execute(select(Topic.id, Topic.code).where(Topic.tenant_id == tenant_id)):
        names.add(id, f"topic {code}")
    for (id,) in connection.execute(select(User.id).where(User.tenant_id == tenant_id)):
        names.add(id, "a user")  # which agent was offered work is not compared: only that one was
    for id, name in connection.execute(
        select(Channel.id, Channel.name).where(Channel.tenant_id == tenant_id)
    ):
        names.add(id, f"channel {name}")
    for row in rows["offers"]:
        names.add(row["id"], "an offer")
    names.case_by_number = {row["number"]: names.of(row["id"]) or UNNAMED for row in rows["cases"]}
    name_in_order(names, rows["sla_clocks"], lambda row: f"{row['kind']} clock", "case_id")
    name_tasks(names, rows["tasks"])
    for row in rows["customer_merges"]:
        names.add(row["id"], f"merge of {names.of(row['merged_id'])} into {names.of(row['survivor_id'])}")
    for row in rows["events"]:
        subject = names.of(row["message_id"]) or names.of(row["case_id"]) or names.of(row["customer_id"])
        names.add(row["id"], f"{row['type']} at {when(row['at'])} for {subject}")


def name_in_order(names: Names, rows: Sequence[Any], what: Callable[[Any], str], owner: str) -> None:
    """Name rows by what they are, their owner, and their place among the owner's rows of that kind
    (rows come in id order, which is the order they were made)."""
    counts: dict[tuple[str, str | None], int] = defaultdict(int)
    for row in rows:
        key = (what(row), names.of(row[owner]))
        counts[key] += 1
        names.add(row["id"], f"{key[0]} #{counts[key]} of {key[1]}")


def name_tasks(names: Names, rows: Sequence[Any]) -> None:
    """A callback owed for a call by the message that reported the call; other work by its case (a
    case resolved and reopened gets new work)."""
    owed = [row for row in rows if row["reason"] in CALLBACK_EVENTS]
    for row in owed:
        names.add(row["id"], f"{row['reason']} callback for {names.of(row['message_id'])}")
    routed = [row for row in rows if row["reason"] not in CALLBACK_EVENTS]
    name_in_order(names, routed, lambda row: f"{row['kind']} task", "case_id")


def add_identities_to_customers(state: dict[str, list[dict[str, Any]]]) -> None:
    owned: dict[str, list[str]] = defaultdict(list)
    for identity in state["identities"]:
        owned[identity["customer_id"]].append(identity["id"])
    for customer in state["customers"]:
        customer["identities"] = sorted(owned[customer["id"]])


def rank_case_numbers(state: dict[str, list[dict[str, Any]]]) -> None:
    """Numbers as their rank in the tenant: on PostgreSQL they come from one sequence shared by all
    tenants, so only their order is the tenant's."""
    ranks = {number: rank for rank, number in enumerate(sorted(case["number"] for case in state["cases"]), 1)}
    for case in state["cases"]:
        case["number"] = ranks[case["number"]]


# --- comparing ---


def assert_same_answers(messages: Sequence[Sent], sequential: Run, grouped: Run) -> None:
    """Message by message: the same duplicate flag, and ids that correspond one to one (the first
    time an id of A appears, B's id in that place becomes its partner, and stays so)."""
    partner: dict[uuid.UUID, uuid.UUID] = {}
    partner_of: dict[uuid.UUID, uuid.UUID] = {}
    for sent, one, other in zip(messages, sequential.results, grouped.results, strict=True):
        same_flag = one.duplicate == other.duplicate
        assert same_flag, (
            f"{sent.external_id}: duplicate {one.duplicate} one by one, {other.duplicate} in groups"
        )
        pairs = (
            ("message", one.message_id, other.message_id),
            ("customer", one.customer_id, other.customer_id),
            ("conversation", one.conversation_id, other.conversation_id),
            ("case", one.case_id, other.case_id),
        )
        for role, mine, theirs in pairs:
            consistent = (mine is None and theirs is None) or (
                mine is not None
                and theirs is not None
                and partner.setdefault(mine, theirs) == theirs
                and partner_of.setdefault(theirs, mine) == mine
            )
            assert consistent, (
                f"{sent.external_id}: its {role} is {sequential.first_seen.names.get(mine) if mine else None}"
                f" one by one but {grouped.first_seen.names.get(theirs) if theirs else None} in groups"
            )


def assert_same_tables(
    sequential: dict[str, list[dict[str, Any]]], grouped: dict[str, list[dict[str, Any]]]
) -> None:
    for table, rows in sequential.items():
        if rows != grouped[table]:
            pytest.fail(
                f"{table}: grouped ingestion stored something else\n{difference(rows, grouped[table])}"
            )


def assert_the_workload_took_every_road(run: Run, state: dict[str, list[dict[str, Any]]]) -> None:
    """Guards the test itself: were a change elsewhere to make the workload miss a road, the two runs
    would still agree, without that road being tested."""
    cases, tasks = state["cases"], state["tasks"]
    taken = {
        "retries": sum(result.duplicate for result in run.results),
        "merges": len(state["customer_merges"]),
        "linked addresses": sum(len(customer["identities"]) > 1 for customer in state["customers"]),
        "unverified addresses": sum(not identity["verified"] for identity in state["identities"]),
        "nameless customers": sum(customer["name"] is None for customer in state["customers"]),
        "reopened cases": sum(case["reopen_count"] > 0 for case in cases),
        "cases still open": sum(case["status"] == "open" for case in cases),
        "messages without a case": sum(message["case_id"] is None for message in state["messages"]),
        "threads": sum(conversation["thread_key"] is not None for conversation in state["conversations"]),
        "missed-call callbacks": sum(task["reason"] == "call.missed" for task in tasks),
        "offered tasks": sum(task["status"] == "offered" for task in tasks),
        "open tasks": sum(task["status"] == "open" for task in tasks),
    }
    assert [road for road, count in taken.items() if not count] == []
    deciding_rules = {rule["name"] for rule in POLICY["rules"] if not rule.get("continue")}
    assert {case["routing"].get("rule") for case in cases} >= deciding_rules
    assert {case["language"] for case in cases} >= {"en", "ru", "zh"}


def difference(sequential: list[dict[str, Any]], grouped: list[dict[str, Any]], limit: int = 60) -> str:
    """Row by row and field by field where rows have a unique name; else the differing lines."""
    one = {row["id"]: row for row in sequential}
    other = {row["id"]: row for row in grouped}
    if len(one) < len(sequential) or len(other) < len(grouped):
        lines = difflib.unified_diff(
            list(map(repr, sequential)), list(map(repr, grouped)), "one by one", "in groups", lineterm="", n=1
        )
        return "\n".join(list(lines)[:limit])
    found = []
    for name in sorted(one.keys() | other.keys(), key=str):
        if name not in other:
            found.append(f"only one by one: {one[name]}")
        elif name not in one:
            found.append(f"only in groups: {other[name]}")
        elif one[name] != other[name]:
            fields = [
                f"{field} {value!r} one by one, {other[name].get(field)!r} in groups"
                for field, value in one[name].items()
                if value != other[name].get(field)
            ]
            found.append(f"{name}: " + "; ".join(fields))
    return "\n".join(found[:limit]) + (f"\n… and {len(found) - limit} more" if len(found) > limit else "")


def instants_of(groups: Sequence[Group]) -> set[datetime]:
    """Every moment the workload sets: the groups' `now` and the resolutions after them."""
    return {group.now for group in groups} | {group.now + RESOLVE_AFTER for group in groups}


# --- the tests ---


def test_grouped_ingestion_stores_what_one_by_one_ingestion_stores(container: Container) -> None:
    # given one workload, and two tenants built alike
    groups = Workload(SEED).groups(TARGET_MESSAGES)
    messages = [sent for group in groups for sent in group.messages]

    # when it is stored one message per transaction in one tenant, and in groups in the other
    sequential = run_workload(container, set_up_tenant(container, "one-by-one"), groups, store_one_by_one)
    grouped = run_workload(container, set_up_tenant(container, "grouped"), groups, store_as_one_group)

    # then every answer and every stored row correspond
    assert_same_answers(messages, sequential, grouped)
    expected = stored_state(container, sequential, instants_of(groups))
    assert_the_workload_took_every_road(sequential, expected)
    assert_same_tables(expected, stored_state(container, grouped, instants_of(groups)))


def test_two_first_messages_of_one_new_person_in_a_group_make_one_customer_and_one_case(
    container: Container,
) -> None:
    # given a new person who writes twice in one group, the second time also giving a verified e-mail
    # and a name, and a provider that delivers the first message a second time
    first = Sent("first", (IdentityClaim("phone", "8 (916) 555-01-02"),), "Где мой заказ 12345?", START)
    second = Sent(
        "second",
        (IdentityClaim("phone", "+7 916 555-01-02"), IdentityClaim("email", "Anna@Почта.РФ")),
        "Курьер не приехал!",
        START,
        name="Анна",
    )
    group = Group(START, (first, second, first))

    # when the group is stored one by one in one tenant, and as one group in the other
    sequential = run_one_group(container, set_up_tenant(container, "one-by-one"), group, store_one_by_one)
    grouped = run_one_group(container, set_up_tenant(container, "grouped"), group, store_as_one_group)

    # then the group made one customer with both addresses and the name, one conversation and one case
    state = stored_state(container, grouped, instants_of([group]))
    assert [(row["name"], row["identities"]) for row in state["customers"]] == [
        ("Анна", ["email:anna@xn--80a1acny.xn--p1ai", "phone:+79165550102"])
    ]
    assert [row["id"] for row in state["conversations"]] == ["conversation of first"]
    assert [(row["id"], row["status"], row["reopen_count"]) for row in state["cases"]] == [
        ("case of first", "open", 0)
    ]
    assert [(row["external_id"], row["case_id"]) for row in state["messages"]] == [
        ("first", "case of first"),
        ("second", "case of first"),
    ]
    assert [result.duplicate for result in grouped.results] == [False, False, True]
    # and exactly what one-by-one ingestion stored
    assert_same_answers(group.messages, sequential, grouped)
    assert_same_tables(stored_state(container, sequential, instants_of([group])), state)
