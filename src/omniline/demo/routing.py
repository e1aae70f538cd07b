"""The demo tenant's routing: taxonomy, queues, teams, agents' skills, business hours, a VIP customer,
and training examples for the classifier from the generated set — all loaded before the demo
messages arrive, so the demo history is classified (by the taxonomy's keyword rules) and routed like
live traffic. The model itself is trained by `omniline classify train --tenant demo` (it takes a few
seconds, which `demo load` should not). Safe to load again: it only adds what is missing, and never
overwrites a taxonomy an admin has since edited.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniline.accounts.models import User
from omniline.agents.models import AgentProfile, Team
from omniline.customers.identities import IdentityClaim, normalise_address
from omniline.customers.models import Customer
from omniline.customers.service import resolve_customer
from omniline.routing.models import BusinessCalendar, Queue
from omniline.taxonomy.dataset import generate_examples
from omniline.taxonomy.examples import record_example
from omniline.taxonomy.models import Topic, TopicExample
from omniline.taxonomy.service import load_demo_taxonomy

DEMO_ACTOR = "demo"

# name, priority, skills, is_bot, overflow after seconds, overflow to, drop skills on overflow
DEMO_QUEUES: tuple[tuple[str, int, tuple[str, ...], bool, int | None, str | None, bool], ...] = (
    ("self_service", 0, (), True, None, None, False),
    # The top queue does not overflow: moving a VIP's case down to "general" would lose its place.
    ("priority", 20, (), False, None, None, False),
    ("complaints", 10, ("complaints",), False, 300, "priority", False),
    ("billing", 5, ("billing",), False, 180, None, True),
    ("technical", 0, ("technical",), False, 600, "general", False),
    ("general", 0, (), False, None, None, False),
    ("callbacks", 0, (), False, None, None, False),
)
DEMO_TEAMS = ("Москва / Moscow", "上海 / Shanghai")

# email → team, skills, languages, capacity per channel kind
DEMO_AGENTS: dict[str, tuple[str, dict[str, int], list[str], dict[str, int]]] = {
    "agent1@demo.omniline.local": (
        DEMO_TEAMS[0],
        {"billing": 4, "complaints": 3, "orders": 3, "delivery": 3, "returns": 2},
        ["ru", "en"],
        {"voice": 1, "webchat": 3, "telegram": 3, "api": 3, "email": 5, "sms": 5, "social": 3, "walkin": 1},
    ),
    "agent2@demo.omniline.local": (
        DEMO_TEAMS[1],
        {"technical": 4, "orders": 3, "delivery": 2, "billing": 2, "account": 3},
        ["zh", "en"],
        {"voice": 1, "webchat": 3, "wechat": 3, "api": 3, "email": 5, "social": 3},
    ),
}

DEMO_CALENDAR: dict[str, Any] = {
    "timezone": "Europe/Moscow",
    "hours": {
        "mon": [["09:00", "21:00"]],
        "tue": [["09:00", "21:00"]],
        "wed": [["09:00", "21:00"]],
        "thu": [["09:00", "21:00"]],
        "fri": [["09:00", "21:00"]],
        "sat": [["10:00", "18:00"]],
    },
    "holidays": ["2026-12-31", "2027-01-01", "2027-01-02", "2027-01-07", "2027-03-08", "2027-05-01"],
}

# A customer who matters: known before they write, so routing sees the tier on their first message.
DEMO_VIPS = ((("email", "john.smith@example.com"), ("app", "1003")), "John Smith", "vip", 125_000.0)
# Examples per topic and language for the demo classifier: enough to learn, quick to train at load.
DEMO_EXAMPLES_PER_TOPIC_LANGUAGE = 15


def load_routing_demo(session: Session, tenant_id: uuid.UUID, *, region: str, now: datetime) -> None:
    if session.scalar(select(Topic.id).where(Topic.tenant_id == tenant_id).limit(1)) is None:
        load_demo_taxonomy(session, tenant_id, now=now)
    _queues(session, tenant_id, now=now)
    teams = _teams(session, tenant_id, now=now)
    _agents(session, tenant_id, teams, now=now)
    if session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.tenant_id == tenant_id)) is None:
        session.add(BusinessCalendar(tenant_id=tenant_id, updated_at=now, **DEMO_CALENDAR))
    _vip(session, tenant_id, region=region, now=now)
    session.flush()
    _training_examples(session, tenant_id, now=now)


def _queues(session: Session, tenant_id: uuid.UUID, *, now: datetime) -> None:
    existing = set(session.scalars(select(Queue.name).where(Queue.tenant_id == tenant_id)))
    for name, priority, skills, is_bot, overflow_after, overflow_to, drop in DEMO_QUEUES:
        if name not in existing:
            session.add(
                Queue(
                    tenant_id=tenant_id,
                    name=name,
                    priority=priority,
                    skills=list(skills),
                    is_bot=is_bot,
                    overflow_after_seconds=overflow_after,
                    overflow_to=overflow_to,
                    overflow_drop_skills=drop,
                    created_at=now,
                )
            )


def _teams(session: Session, tenant_id: uuid.UUID, *, now: datetime) -> dict[str, uuid.UUID]:
    teams = {team.name: team.id for team in session.scalars(select(Team).where(Team.tenant_id == tenant_id))}
    for name in DEMO_TEAMS:
        if name not in teams:
            team = Team(tenant_id=tenant_id, name=name, created_at=now)
            session.add(team)
            session.flush()
            teams[name] = team.id
    return teams


def _agents(session: Session, tenant_id: uuid.UUID, teams: dict[str, uuid.UUID], *, now: datetime) -> None:
    for email, (team, skills, languages, capacity) in DEMO_AGENTS.items():
        user_id = session.scalar(select(User.id).where(User.email == email))
        if user_id is None or session.scalar(select(AgentProfile.id).where(AgentProfile.user_id == user_id)):
            continue
        session.add(
            AgentProfile(
                tenant_id=tenant_id,
                user_id=user_id,
                team_id=teams[team],
                skills=skills,
                languages=languages,
                capacity=capacity,
                presence="offline",
                presence_since=now,
                updated_at=now,
            )
        )


def _vip(session: Session, tenant_id: uuid.UUID, *, region: str, now: datetime) -> None:
    identities, name, tier, value = DEMO_VIPS
    claims = [
        IdentityClaim(kind, normalise_address(kind, address, region=region), True)
        for kind, address in identities
    ]
    resolved = resolve_customer(
        session, tenant_id=tenant_id, claims=claims, name=name, now=now, actor=DEMO_ACTOR
    )
    customer = session.get_one(Customer, resolved.customer_id)
    customer.tier = tier
    customer.value = value


def _training_examples(session: Session, tenant_id: uuid.UUID, *, now: datetime) -> None:
    """Seed examples from the generated set (marked `imported`), so a model can be trained before
    agents have confirmed real topics."""
    has_examples = session.scalar(
        select(func.count(TopicExample.id)).where(TopicExample.tenant_id == tenant_id)
    )
    if not has_examples:
        topics = {
            topic.code: topic.id
            for topic in session.scalars(select(Topic).where(Topic.tenant_id == tenant_id, Topic.is_active))
        }
        for example in generate_examples(per_topic_per_language=DEMO_EXAMPLES_PER_TOPIC_LANGUAGE, seed=7):
            if example.topic_code in topics:
                record_example(
                    session,
                    tenant_id=tenant_id,
                    topic_id=topics[example.topic_code],
                    case_id=None,
                    text=example.text,
                    language=example.language,
                    source="imported",
                    actor=DEMO_ACTOR,
                    now=now,
                )
        session.flush()
