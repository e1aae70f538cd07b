"""Channel use cases: create and list channels, and load one for an adapter."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from omniline.accounts.models import Tenant
from omniline.channels.base import ChannelInfo
from omniline.channels.models import Channel
from omniline.channels.registry import ChannelRegistry
from omniline.channels.signing import new_channel_secret
from omniline.kernel.errors import InvalidInput, NotFound
from omniline.kernel.ids import new_id
from omniline.security.audit import record_audit
from omniline.security.sealing import is_credential


def create_channel(
    session: Session,
    registry: ChannelRegistry,
    *,
    tenant_id: uuid.UUID,
    kind: str,
    name: str,
    config: dict[str, Any],
    actor: str,
) -> Channel:
    """A new channel with a fresh secret; InvalidInput for an unknown kind or unusable config."""
    adapter = registry.get(kind)
    if not name.strip():
        raise InvalidInput("a channel needs a name")
    channel = Channel(
        id=new_id(),
        tenant_id=tenant_id,
        kind=kind,
        name=name.strip(),
        config=adapter.validate_config(config),
        secret=new_channel_secret(),
        is_active=True,
    )
    session.add(channel)
    record_audit(
        session,
        tenant_id=tenant_id,
        actor=actor,
        action="channel.created",
        subject_type="channel",
        subject_id=channel.id,
        data={"kind": kind, "name": channel.name},
    )
    return channel


def list_channels(session: Session, tenant_id: uuid.UUID) -> list[Channel]:
    return list(session.scalars(select(Channel).where(Channel.tenant_id == tenant_id).order_by(Channel.id)))


def get_channel(session: Session, tenant_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.tenant_id != tenant_id:
        raise NotFound(f"channel {channel_id} not found")
    return channel


def load_channel_info(session: Session, channel_id: uuid.UUID) -> ChannelInfo:
    """The channel for a provider callback, in whatever tenant it is; NotFound if none or inactive."""
    row = session.execute(
        select(Channel, Tenant.default_region)
        .join(Tenant, Tenant.id == Channel.tenant_id)
        .where(Channel.id == channel_id, Channel.is_active.is_(True))
    ).first()
    if row is None:
        raise NotFound(f"channel {channel_id} not found")
    channel, region = row
    return channel_info(channel, region)


def channel_info(channel: Channel, region: str) -> ChannelInfo:
    return ChannelInfo(
        id=channel.id,
        tenant_id=channel.tenant_id,
        kind=channel.kind,
        name=channel.name,
        config=dict(channel.config),
        secret=channel.secret,
        phone_region=region,
    )


def masked_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config with credentials replaced by a mask, at any depth (e.g. smtp.password)."""
    masked: dict[str, Any] = {}
    for name, value in config.items():
        if isinstance(value, dict):
            masked[name] = masked_config(value)
        elif value and is_credential(name):
            masked[name] = "********"
        else:
            masked[name] = value
    return masked


def reseal_channels(session: Session) -> int:
    """Write every channel's config and signing secret again, so that its credentials are sealed with
    the current key (those stored before sealing existed, or sealed with a previous key); how many
    channels."""
    channels = list(session.scalars(select(Channel)))
    for channel in channels:
        flag_modified(channel, "config")  # written again, even though nothing changed in Python
        flag_modified(channel, "secret")
    return len(channels)


def channel_view(channel: Channel, *, base_url: str, with_secret: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(channel.id),
        "kind": channel.kind,
        "name": channel.name,
        "config": masked_config(channel.config),
        "webhook_url": f"{base_url}/hooks/{channel.id}",
        "is_active": channel.is_active,
        "created_at": channel.created_at.isoformat(),
    }
    if with_secret:
        view["secret"] = channel.secret
    return view
