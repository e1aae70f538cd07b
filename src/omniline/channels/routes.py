"""Channel administration and the outbox over the API (`api.py` is taken by the api-kind adapter)."""

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from omniline.channels.models import Delivery
from omniline.channels.outbox import delivery_view
from omniline.channels.service import channel_view, create_channel, list_channels
from omniline.kernel.errors import Conflict, NotFound
from omniline.kernel.events import DomainEvent
from omniline.security.audit import record_audit
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1", tags=["channels"])


class ChannelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)


@router.post("/channels", status_code=201)
def add_channel(body: ChannelRequest, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Create a channel. The response carries its `secret`: it is shown this once."""
    actor.require("admin")
    with container.uow() as uow:
        channel = create_channel(
            uow.session,
            container.channels,
            tenant_id=actor.tenant_id,
            kind=body.kind,
            name=body.name,
            config=body.config,
            actor=actor.ref,
        )
        uow.commit()
        return channel_view(channel, base_url=container.settings.base_url, with_secret=True)


@router.get("/channels")
def get_channels(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    actor.require("supervisor")
    with container.uow() as uow:
        channels = list_channels(uow.session, actor.tenant_id)
        return {"items": [channel_view(item, base_url=container.settings.base_url) for item in channels]}


@router.get("/deliveries")
def get_deliveries(
    actor: ActorDep,
    container: ContainerDep,
    status: Literal["pending", "sending", "sent", "failed"] | None = None,
    limit: int = Query(default=50, ge=1, le=500),
) -> dict[str, Any]:
    """The outbox, newest first; `?status=failed` lists what could not be delivered."""
    with container.uow() as uow:
        query = select(Delivery).where(Delivery.tenant_id == actor.tenant_id)
        if status is not None:
            query = query.where(Delivery.status == status)
        rows = uow.session.scalars(query.order_by(Delivery.id.desc()).limit(limit)).all()
        return {"items": [delivery_view(row) for row in rows]}


@router.get("/deliveries/{delivery_id}")
def get_delivery(delivery_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    with container.uow() as uow:
        return delivery_view(_owned_delivery(uow.session, actor.tenant_id, delivery_id))


@router.post("/deliveries/{delivery_id}/retry")
def retry_delivery(delivery_id: uuid.UUID, actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Send a failed delivery again (after the receiver was fixed), with a fresh set of attempts."""
    with container.uow() as uow:
        delivery = _owned_delivery(uow.session, actor.tenant_id, delivery_id)
        if delivery.status != "failed":
            raise Conflict(f"only a failed delivery can be retried; this one is {delivery.status}")
        now = container.clock()
        delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
        record_audit(
            uow.session,
            tenant_id=actor.tenant_id,
            actor=actor.ref,
            action="delivery.retried",
            subject_type="delivery",
            subject_id=delivery.id,
        )
        uow.emit(DomainEvent("delivery.queued", actor.tenant_id, {"delivery_id": str(delivery.id)}))
        uow.commit()
        return delivery_view(delivery)


def _owned_delivery(session: Any, tenant_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.tenant_id != tenant_id:
        raise NotFound(f"delivery {delivery_id} not found")
    assert isinstance(delivery, Delivery)
    return delivery
