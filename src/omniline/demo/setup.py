"""What the demo loaders share: finding or creating their channel."""

from typing import Any

from sqlalchemy import select

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.channels.base import ChannelInfo
from omniline.channels.models import Channel
from omniline.channels.service import channel_info, create_channel


def ensure_demo_channel(
    container: Container, tenant: Tenant, *, kind: str, name: str, config: dict[str, Any]
) -> ChannelInfo:
    """The tenant's channel called `name`, created with `config` the first time."""
    with container.uow() as uow:
        channel = uow.session.scalar(
            select(Channel).where(Channel.tenant_id == tenant.id, Channel.name == name)
        )
        if channel is None:
            channel = create_channel(
                uow.session,
                container.channels,
                tenant_id=tenant.id,
                kind=kind,
                name=name,
                config=config,
                actor="demo",
            )
            uow.session.flush()
        info = channel_info(channel, tenant.default_region)
        uow.commit()
    return info
