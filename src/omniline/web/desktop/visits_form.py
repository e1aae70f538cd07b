"""The "record a visit" form: what it offers (offices, topics, the chosen customer) and how its fields
become a `Visit` for the walk-in service, with a message per bad field in the page's language."""

import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.channels.models import Channel
from omniline.channels.walkin.service import Visit
from omniline.customers import repository
from omniline.customers.identities import normalise_address
from omniline.customers.models import Customer, Identity
from omniline.kernel.errors import InvalidInput
from omniline.taxonomy.service import list_topics
from omniline.web.rendering import Page

FIELDS = ("channel_id", "customer_id", "name", "phone", "email", "topic", "notes", "outcome", "visit_id")
OUTCOMES = ("resolved", "follow_up")
MAX_NOTES = 5000
MAX_NAME = 200
_VISIT_ID = re.compile(r"^[0-9a-f]{32}$")
# The address a chosen customer's visit is filed under: one staff can reach them on again.
PREFERRED_KINDS = ("phone", "email", "document")


@dataclass
class VisitChoices:
    offices: list[Channel]
    topics: list[tuple[str, str]]  # (code, "Parent › Leaf" in the page language)
    customer: Customer | None = None
    identities: list[Identity] = field(default_factory=list)


def load_choices(session: Session, page: Page, customer_id: str | None) -> VisitChoices:
    offices = list(
        session.scalars(
            select(Channel)
            .where(Channel.tenant_id == page.actor.tenant_id, Channel.kind == "walkin", Channel.is_active)
            .order_by(Channel.name)
        )
    )
    choices = VisitChoices(offices, leaf_topics(session, page))
    chosen = _uuid(customer_id)
    if chosen is not None:
        customer = session.get(Customer, chosen)
        if customer is not None and customer.tenant_id == page.actor.tenant_id:
            if customer.merged_into_id is not None:  # staff picked an old duplicate: file it on the survivor
                customer = session.get_one(Customer, customer.merged_into_id)
            choices.customer = customer
            choices.identities = repository.list_identities(session, customer.id)
    return choices


def leaf_topics(session: Session, page: Page) -> list[tuple[str, str]]:
    """The tenant's active topics that have no active children, named in the page's language."""
    topics = list_topics(session, page.actor.tenant_id)
    parents = {topic.parent_id for topic in topics}
    by_id = {topic.id: topic for topic in topics}

    def name(topic_id: uuid.UUID) -> str:
        topic = by_id[topic_id]
        own = topic.names.get(page.language) or topic.name
        return f"{name(topic.parent_id)} › {own}" if topic.parent_id in by_id and topic.parent_id else own

    return [(topic.code, name(topic.id)) for topic in topics if topic.id not in parents]


def check_visit_form(
    session: Session, page: Page, values: dict[str, str], choices: VisitChoices
) -> tuple[Visit | None, dict[str, str]]:
    """The visit, or the errors by field name (translated). Reads; writes nothing."""
    _ = page.gettext
    errors: dict[str, str] = {}
    offices = {str(office.id): office for office in choices.offices}
    if values["channel_id"] not in offices:
        errors["channel_id"] = _("Choose the office.")
    identities: list[str] = []
    if values["customer_id"]:
        if choices.customer is None:
            errors["customer"] = _("That customer was not found; search again.")
        elif not choices.identities:
            errors["customer"] = _("This customer has no address to file the visit under; add one first.")
        else:
            preferred = sorted(
                choices.identities,
                key=lambda item: PREFERRED_KINDS.index(item.kind) if item.kind in PREFERRED_KINDS else 99,
            )[0]
            identities.append(f"{preferred.kind}:{preferred.address}")
    else:
        region = session.get_one(Tenant, page.actor.tenant_id).default_region
        for kind, message in (
            ("phone", _("This is not a phone number.")),
            ("email", _("This is not an e-mail address.")),
        ):
            if values[kind]:
                try:
                    identities.append(f"{kind}:{normalise_address(kind, values[kind], region=region)}")
                except InvalidInput:
                    errors[kind] = message
        if not identities and "phone" not in errors and "email" not in errors:
            errors["customer"] = _("Find the customer, or give a phone number or an e-mail address.")
        if len(values["name"]) > MAX_NAME:
            errors["name"] = _("The name is too long.")
    topics = dict(choices.topics)
    if values["topic"] and values["topic"] not in topics:
        errors["topic"] = _("Choose a topic from the list.")
    if not values["notes"].strip():
        errors["notes"] = _("Write what the customer wanted and what was done.")
    elif len(values["notes"]) > MAX_NOTES:
        errors["notes"] = _("At most 5000 characters.")
    if values["outcome"] not in OUTCOMES:
        errors["outcome"] = _("Say whether it was resolved on the spot.")
    if errors:
        return None, errors
    visit = Visit(
        channel_id=offices[values["channel_id"]].id,
        identities=tuple(identities),
        name=None if values["customer_id"] else (values["name"].strip() or None),
        summary=values["notes"].strip(),
        outcome="resolved" if values["outcome"] == "resolved" else "follow_up",
        topic_code=values["topic"] or None,
        visit_id=f"desk-{values['visit_id']}" if _VISIT_ID.match(values["visit_id"]) else None,
    )
    return visit, {}


def form_values(fields: dict[str, str]) -> dict[str, str]:
    """Every field of the form, trimmed; missing ones empty."""
    return {name: (fields.get(name) or "").strip() for name in FIELDS} | {"notes": fields.get("notes") or ""}


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None
