"""Helpers for the customer pages' tests: channels of several kinds and messages fed to the pipeline
as each channel's adapter would hand them over (the adapters have their own tests)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from omniline.accounts.models import User
from omniline.bootstrap import Container
from omniline.channels.models import Channel
from omniline.channels.service import load_channel_info
from omniline.customers.identities import IdentityClaim
from omniline.kernel.ids import new_id
from omniline.messages.normalized import Attachment, InboundMessage
from omniline.pipeline.ingest import IngestResult
from omniline.pipeline.transaction import ingest_and_commit
from tests.support import ApiWorld

SENT_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def add_channel(container: Container, tenant_id: uuid.UUID, kind: str, name: str, **config: Any) -> uuid.UUID:
    """A channel row written directly: these tests feed the pipeline, not the provider."""
    with container.uow() as uow:
        channel = Channel(
            id=new_id(),
            tenant_id=tenant_id,
            kind=kind,
            name=name,
            config=config,
            secret=f"{kind}-secret",
            is_active=True,
        )
        uow.session.add(channel)
        uow.commit()
        return channel.id


def receive(
    container: Container,
    channel_id: uuid.UUID,
    identities: list[str],
    text: str,
    *,
    external_id: str | None = None,
    name: str | None = None,
    subject: str | None = None,
    event: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    sent_at: datetime = SENT_AT,
) -> IngestResult:
    with container.uow() as uow:
        channel = load_channel_info(uow.session, channel_id)
    claims = tuple(IdentityClaim(*identity.split(":", 1)) for identity in identities)
    message = InboundMessage(
        channel_id=channel_id,
        external_id=external_id or str(new_id()),
        identities=claims,
        text=text,
        sent_at=sent_at,
        sender_name=name,
        subject=subject,
        event=event,
        attachments=attachments,
    )
    (result,) = ingest_and_commit(container, channel, [message])
    return result


def user_email(container: Container, world: ApiWorld, role: str = "agent") -> str:
    with container.uow() as uow:
        email = uow.session.scalar(
            select(User.email).where(User.tenant_id == world.tenant_id, User.role == role)
        )
    assert email is not None
    return email
