"""`ingest_batch`: a group of inbound messages stored with a few statements for all of them.

`ingest_message` costs 9 to 25 statements per message, and each statement costs more than the work it
does (a round trip on PostgreSQL, SQLAlchemy's bookkeeping everywhere). The group commit
(pipeline/group_commit.py) already hands the pipeline whole groups. Here a group is stored in **runs**
of messages that cannot affect one another: one tenant, and within a run no address, no (channel,
external id) and no customer twice. A run takes one statement per step for all its messages: the
receipts, the known identities, the customers and identities to create, the candidate conversations
and cases, the conversations, cases, messages and events to write, and routing
(routing/intake_run.py). The decisions are made by the same pure functions as one at a time
(`plan_match`, `choose_conversation`, `decide_case`, the routing policy).

Order: each person's messages are stored in the order they came; a message that depends on one
already in the run (or on one that waits) waits for the next run. Within a run, dispatch offers
waiting work once, after all its messages are routed. Messages with more to decide take the
one-at-a-time road (`ingest_message`) in their place: call events and callbacks, and auto-replies
(they may not open a case). A message that merges customers stays in its run: the run's merges are
made together (customers/merging.py).
tests/flows/test_grouped_ingest_equivalence.py compares a batch with the same messages one at a time,
table by table.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from omniline.cases.service import AttachedCase, CaseRequest, attach_to_cases
from omniline.cases.views import fresh_case
from omniline.channels.base import ChannelInfo
from omniline.channels.inbox import Receipt, claim_receipts
from omniline.conversations.service import (
    ConversationWrite,
    ThreadedConversation,
    ThreadRequest,
    store_conversations,
    thread_messages,
)
from omniline.customers.identities import IdentityClaim
from omniline.customers.repository import find_known_identities
from omniline.customers.service import SenderPlan, plan_senders, plans_from_found, store_senders
from omniline.db.unit_of_work import UnitOfWork
from omniline.db.write_behind import write_behind
from omniline.kernel.ids import new_id
from omniline.messages.normalized import InboundMessage
from omniline.messages.repository import MessageRow, insert_messages
from omniline.pipeline.address_locks import (
    LockName,
    customer_locks,
    find_taking_free_locks,
    wait_for_locks,
)
from omniline.pipeline.ingest import (
    PIPELINE_ACTOR,
    IngestResult,
    announce,
    arrival_events,
    case_subject,
    duplicate_result,
    inbound_context,
    ingest_message,
    message_row,
    normalise_claims,
)
from omniline.routing.intake_run import route_run
from omniline.timeline.service import insert_events

_R = TypeVar("_R")

MAX_RUN = 64  # messages per run: bounds the size of each statement's parameter list


@dataclass(frozen=True, slots=True)
class _Item:
    index: int  # position in the batch
    channel: ChannelInfo
    inbound: InboundMessage
    claims: list[IdentityClaim]

    @property
    def keys(self) -> set[str]:
        return {claim.key for claim in self.claims}

    @property
    def external_id(self) -> tuple[uuid.UUID, str]:
        return (self.channel.id, self.inbound.external_id)

    @property
    def alone(self) -> bool:
        """Call events and auto-replies have more to decide: they take the one-at-a-time road."""
        return self.inbound.event is not None or self.inbound.auto_generated


def ingest_batch(
    uow: UnitOfWork, items: list[tuple[ChannelInfo, InboundMessage]], *, now: datetime
) -> list[IngestResult]:
    """Store every message as `ingest_message` would, one after the other in this order, in the
    caller's unit of work. Results are in the order of `items`.

    Raises InvalidInput for identities that cannot be normalised (before anything is written).
    """
    pending = _items(items)
    wait_for_locks(uow.session, _addresses(pending))
    _lock_their_customers(uow, pending)
    results = _ingest(uow, pending, None, now=now)
    return [results[index] for index in range(len(items))]


def ingest_unhindered(
    uow: UnitOfWork, items: list[tuple[ChannelInfo, InboundMessage]], *, now: datetime
) -> list[IngestResult | None]:
    """`ingest_batch` for the messages no concurrent transaction holds up: a message with an address or
    a customer whose lock another transaction holds (PostgreSQL; see pipeline/address_locks.py) is set
    aside (None in its place), with every later message that depends on it, so that this transaction
    never waits for another at a lock. The caller commits and stores the ones set aside in a
    transaction of their own, with `ingest_batch`.

    Two writers whose groups share a person used to take turns for whole groups (the second waited at
    the locks until the first committed); now each stores what it can at once.
    """
    pending = _items(items)
    results = _ingest(uow, pending, _Busy(untried=_addresses(pending)), now=now)
    return [results.get(index) for index in range(len(items))]


def fill_in(partial: Iterable[_R | None], stored: Iterable[_R]) -> list[_R]:
    """`partial`'s results with each gap (None) filled, in order, from `stored`: the results of a
    later transaction for the messages an earlier one set aside."""
    later = iter(stored)
    return [result if result is not None else next(later) for result in partial]


def _items(items: list[tuple[ChannelInfo, InboundMessage]]) -> list["_Item"]:
    return [
        _Item(index, channel, inbound, normalise_claims(inbound.identities, region=channel.phone_region))
        for index, (channel, inbound) in enumerate(items)
    ]


def _addresses(pending: list["_Item"]) -> set[LockName]:
    """The messages' addresses as lock names: (tenant, "KIND:ADDRESS")."""
    return {(item.channel.tenant_id, key) for item in pending for key in item.keys}


def _lock_their_customers(uow: UnitOfWork, pending: list["_Item"]) -> None:
    """PostgreSQL: wait for the locks of the customers the messages' addresses belong to now (the
    addresses' locks are held, so no other transaction changes that meanwhile)."""
    session = uow.session
    if session.get_bind().dialect.name != "postgresql":
        return
    customers = set()
    for tenant_id in {item.channel.tenant_id for item in pending}:
        claims = [claim for item in pending if item.channel.tenant_id == tenant_id for claim in item.claims]
        found = find_known_identities(session, tenant_id, claims)
        customers |= customer_locks(tenant_id, (known.customer_id for known, _ in found))
    wait_for_locks(session, customers)


@dataclass
class _Busy:
    """Storing unhindered: the locks another transaction holds (`names`), and the addresses whose
    locks are still to be tried; the first lookup of senders tries them, in its own statement."""

    untried: set[LockName]
    names: set[LockName] = field(default_factory=set)

    def plan_senders(
        self, session: Session, tenant_id: uuid.UUID, claim_lists: list[list[IdentityClaim]]
    ) -> list[SenderPlan]:
        """`plan_senders`, trying on the way the locks still untried and those of the customers found."""
        claims = [claim for claims in claim_lists for claim in claims]
        found, busy = find_taking_free_locks(session, tenant_id, claims, self.untried)
        self.untried = set()
        self.names |= busy
        return plans_from_found(claim_lists, found)


def _ingest(
    uow: UnitOfWork, pending: list["_Item"], busy: _Busy | None, *, now: datetime
) -> dict[int, IngestResult]:
    """Store the messages; results by position. With `busy` (storing unhindered), set aside the
    messages whose address or customer lock another transaction holds."""
    with write_behind(uow.session.connection()):
        return _ingest_in_runs(uow, pending, busy, now=now)


def _ingest_in_runs(
    uow: UnitOfWork, pending: list["_Item"], busy: _Busy | None, *, now: datetime
) -> dict[int, IngestResult]:
    results: dict[int, IngestResult] = {}
    aside = _Claimed()  # the messages set aside, and what depends on them
    while pending:
        run, set_aside = _next_run(uow, pending, busy, aside)
        if run:
            stored = _store_run(uow, run, now=now)
        elif set_aside:
            stored = {}
        else:  # the first message waiting goes alone
            item = pending[0]
            stored = {item.index: ingest_message(uow, item.channel, item.inbound, now=now)}
        results |= stored
        gone = stored.keys() | {item.index for item in set_aside}
        pending = [item for item in pending if item.index not in gone]
    return results


@dataclass(slots=True)
class _Arrival:
    """One message of a run on its way to the tables."""

    item: _Item
    sender: SenderPlan
    message_id: uuid.UUID
    receipt_id: uuid.UUID


def _next_run(
    uow: UnitOfWork, pending: list[_Item], busy: _Busy | None, aside: "_Claimed"
) -> tuple[list[_Arrival], list[_Item]]:
    """The messages that can be stored together next, and those set aside for good: with `busy` (the
    locks another transaction holds), a message whose address or customer is busy, and every later one
    that depends on it (`aside` gathers what they claim). The customers' locks that are free are
    taken here, and the busy ones added to `busy`.

    The run: of the waiting messages, from the first, all of one tenant and up to the first that goes
    alone (a call event, an auto-reply), those that depend on no earlier one (share an address, an
    external id or a customer, or a customer it merges). Empty when the first goes alone.

    A message that depends on an earlier one waits for a later run, and so does every message after
    it that depends on it: each person's messages are stored in the order they came. Independent
    messages of one group arrived together (concurrent requests), so which of them is stored first
    means nothing; passing a waiting message by keeps runs long, and a run's statements serve all its
    messages."""
    session = uow.session
    # Objects a message that went alone left in the session are written and forgotten: what follows
    # reads and writes with statements, which the objects would not see.
    session.flush()
    session.expire_all()
    first = pending[0]
    tenant_id = first.channel.tenant_id
    if first.alone and busy is not None:  # it goes alone, holding its customers' locks like a run
        customers = _customers_of(busy.plan_senders(session, tenant_id, [first.claims])[0])
        if aside.overlaps(first, customers) or _waits_for(first, customers, busy.names):
            aside.add(first, customers)
            return [], [first]
    window: list[_Item] = []
    for item in pending[:MAX_RUN]:  # a run takes at most MAX_RUN: plan no more than that
        if item.alone or item.channel.tenant_id != tenant_id:
            break
        window.append(item)
    if not window:
        return [], []
    claim_lists = [item.claims for item in window]
    plans = (
        plan_senders(session, tenant_id, claim_lists)
        if busy is None
        else busy.plan_senders(session, tenant_id, claim_lists)
    )
    customers_of = [_customers_of(plan) for plan in plans]
    run: list[_Arrival] = []
    set_aside: list[_Item] = []
    taken, waiting = _Claimed(), _Claimed()
    for item, plan, customers in zip(window, plans, customers_of, strict=True):
        if busy is not None and (_waits_for(item, customers, busy.names) or aside.overlaps(item, customers)):
            aside.add(item, customers)
            set_aside.append(item)
        elif taken.overlaps(item, customers) or waiting.overlaps(item, customers):
            waiting.add(item, customers)  # it waits for a later run, and so does whatever depends on it
        else:
            taken.add(item, customers)
            run.append(_Arrival(item, plan, new_id(), new_id()))
    return run, set_aside


def _customers_of(plan: SenderPlan) -> set[uuid.UUID]:
    """The customers a message's sender plan touches: its customer and those it merges."""
    return {customer for customer in (plan.customer_id, *plan.match.merge) if customer is not None}


def _waits_for(item: _Item, customers: set[uuid.UUID], busy: set[LockName]) -> bool:
    tenant_id = item.channel.tenant_id
    return not busy.isdisjoint((tenant_id, key) for key in item.keys) or not busy.isdisjoint(
        customer_locks(tenant_id, customers)
    )


@dataclass
class _Claimed:
    """The addresses, external ids and customers of a set of messages."""

    addresses: set[str] = field(default_factory=set)
    external_ids: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    customers: set[uuid.UUID] = field(default_factory=set)

    def overlaps(self, item: _Item, customers: set[uuid.UUID]) -> bool:
        return (
            not self.addresses.isdisjoint(item.keys)
            or item.external_id in self.external_ids
            or not self.customers.isdisjoint(customers)
        )

    def add(self, item: _Item, customers: set[uuid.UUID]) -> None:
        self.addresses |= item.keys
        self.external_ids.add(item.external_id)
        self.customers |= customers


def _store_run(uow: UnitOfWork, run: list[_Arrival], *, now: datetime) -> dict[int, IngestResult]:
    """Store the run's messages; their results by position in the batch."""
    session = uow.session
    tenant_id = run[0].item.channel.tenant_id
    fresh = claim_receipts(
        session,
        [
            Receipt(
                arrival.receipt_id,
                tenant_id,
                arrival.item.channel.id,
                arrival.item.inbound.external_id,
                arrival.message_id,
            )
            for arrival in run
        ],
        now=now,
    )
    new = [arrival for arrival in run if arrival.receipt_id in fresh]
    stored = _store_new(uow, tenant_id, new, now=now) if new else {}
    return {
        arrival.item.index: stored[arrival.message_id]
        if arrival.receipt_id in fresh
        else duplicate_result(uow, arrival.item.channel, arrival.item.inbound.external_id)
        for arrival in run
    }


def _store_new(
    uow: UnitOfWork, tenant_id: uuid.UUID, arrivals: list[_Arrival], *, now: datetime
) -> dict[uuid.UUID, IngestResult]:
    session = uow.session
    senders = store_senders(
        session,
        tenant_id,
        [(arrival.sender, arrival.item.inbound.sender_name) for arrival in arrivals],
        now=now,
        actor=PIPELINE_ACTOR,
    )
    conversations = thread_messages(
        session,
        [
            ThreadRequest(
                arrival.item.channel.id, sender.customer_id, arrival.item.inbound.thread_key, sender.created
            )
            for arrival, sender in zip(arrivals, senders, strict=True)
        ],
        now=now,
    )
    cases = attach_to_cases(
        session,
        tenant_id,
        [
            CaseRequest(
                sender.customer_id,
                conversation.case_id,
                case_subject(arrival.item.inbound),
                new_customer=sender.created,
            )
            for arrival, sender, conversation in zip(arrivals, senders, conversations, strict=True)
        ],
        now=now,
    )
    store_conversations(
        session,
        [
            _conversation_write(arrival, sender.customer_id, sender.identity_id, conversation, case)
            for arrival, sender, conversation, case in zip(
                arrivals, senders, conversations, cases, strict=True
            )
        ],
        now=now,
    )
    messages = [
        message_row(
            arrival.item.channel,
            arrival.item.inbound,
            arrival.item.claims,
            arrival.message_id,
            conversation.id,
            case,
            sender.customer_id,
            now=now,
        )
        for arrival, sender, conversation, case in zip(arrivals, senders, conversations, cases, strict=True)
    ]
    insert_messages(session, messages)
    events = [
        event
        for arrival, message, case in zip(arrivals, messages, cases, strict=True)
        for event in arrival_events(arrival.item.channel, message, case)
    ]
    new_customers = {sender.customer_id for sender in senders if sender.created}
    routed = _route(uow, arrivals, messages, cases, new_customers, events, now=now)
    results = {}
    for arrival, message, conversation, case in zip(arrivals, messages, conversations, cases, strict=True):
        announce(
            uow,
            arrival.item.channel,
            message,
            case,
            started=conversation.is_new,
            routed_case=routed.get(case.id) if case else None,
        )
        results[message.id] = IngestResult(
            message.id, conversation.id, case.id if case else None, message.customer_id
        )
    return results


def _conversation_write(
    arrival: _Arrival,
    customer_id: uuid.UUID,
    identity_id: uuid.UUID,
    conversation: ThreadedConversation,
    case: AttachedCase | None,
) -> ConversationWrite:
    inbound = arrival.item.inbound
    return ConversationWrite(
        conversation,
        arrival.item.channel.tenant_id,
        arrival.item.channel.id,
        customer_id,
        identity_id,
        inbound.thread_key,
        inbound.subject,
        case.id if case else conversation.case_id,
    )


def _route(
    uow: UnitOfWork,
    arrivals: list[_Arrival],
    messages: list[MessageRow],
    cases: list[AttachedCase | None],
    new_customers: set[uuid.UUID],
    events: list[dict[str, Any]],
    *,
    now: datetime,
) -> dict[uuid.UUID, object]:
    """Route the run; the messages' timeline rows are written with routing's (one statement)."""
    if uow.settings is None:
        insert_events(uow.session, events)
        return {}
    contexts = [
        inbound_context(arrival.item.channel, message, case)
        for arrival, message, case in zip(arrivals, messages, cases, strict=True)
        if case is not None
    ]
    opened = {case.id: fresh_case(case.row) for case in cases if case is not None and case.row is not None}
    return route_run(
        uow, contexts, uow.settings, now=now, opened=opened, new_customers=new_customers, events=events
    )
