"""Channel administration beyond create and list (routes.py): a test send through the outbox, and
enabling or disabling a channel. Admins only; the channel must be in the admin's tenant (else 404).

POST  /api/v1/channels/{id}/test  {"to", "text"} → 201 the delivery (pending; watch it at
                                  GET /api/v1/deliveries/{id}); 409 for a disabled or inbound-only channel
PATCH /api/v1/channels/{id}       {"is_active"} → the channel
"""

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omniline.accounts.models import Tenant
from omniline.channels.activation import set_channel_active
from omniline.channels.outbox import delivery_view
from omniline.channels.service import channel_view, get_channel
from omniline.channels.test_send import MAX_TEST_TEXT, queue_test_message
from omniline.kernel.events import DomainEvent
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1", tags=["channels"])


class SendTestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=320)
    text: str = Field(min_length=1, max_length=MAX_TEST_TEXT)


class ChannelChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_active: bool


@router.post("/channels/{channel_id}/test", status_code=201)
def send_test(
    channel_id: uuid.UUID, body: SendTestRequest, actor: ActorDep, container: ContainerDep
) -> dict[str, object]:
    actor.require("admin")
    with container.uow() as uow:
        channel = get_channel(uow.session, actor.tenant_id, channel_id)
        region = uow.session.get_one(Tenant, actor.tenant_id).default_region
        delivery = queue_test_message(
            uow.session,
            actor=actor,
            channel=channel,
            to=body.to,
            text=body.text,
            region=region,
            now=container.clock(),
        )
        uow.emit(DomainEvent("delivery.queued", actor.tenant_id, {"delivery_id": str(delivery.id)}))
        uow.commit()
        return delivery_view(delivery)


@router.patch("/channels/{channel_id}")
def change_channel(
    channel_id: uuid.UUID, body: ChannelChanges, actor: ActorDep, container: ContainerDep
) -> dict[str, Any]:
    actor.require("admin")
    with container.uow() as uow:
        channel = get_channel(uow.session, actor.tenant_id, channel_id)
        set_channel_active(uow.session, actor=actor, channel=channel, active=body.is_active)
        uow.commit()
    container.channel_cache.forget(channel_id)
    return channel_view(channel, base_url=container.settings.base_url)
