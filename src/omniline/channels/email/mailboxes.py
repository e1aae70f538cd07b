"""Which active email channels own an address (case-insensitive); what the listener and IMAP
polling load before receiving mail."""

import time
from collections.abc import Callable
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.accounts.models import Tenant
from omniline.channels.base import ChannelInfo
from omniline.channels.models import Channel
from omniline.channels.service import channel_info


def active_email_channels(session: Session) -> list[ChannelInfo]:
    rows = session.execute(
        select(Channel, Tenant.default_region)
        .join(Tenant, Tenant.id == Channel.tenant_id)
        .where(Channel.kind == "email", Channel.is_active.is_(True))
    ).all()
    return [channel_info(channel, region) for channel, region in rows]


LoadChannels = Callable[[], list[ChannelInfo]]


class MailboxDirectory:
    """Address → channels, reloaded at most every `ttl` seconds for hits, at once for a miss: a new
    channel is served immediately, a deactivated one is refused within `ttl`."""

    def __init__(self, load: LoadChannels, ttl: float = 2.0) -> None:
        self._load = load
        self._ttl = ttl
        self._lock = Lock()
        self._by_address: dict[str, list[ChannelInfo]] = {}
        self._loaded_at = float("-inf")

    def channels_for(self, address: str) -> list[ChannelInfo]:
        key = address.strip().strip("<>").lower()
        with self._lock:
            fresh = time.monotonic() - self._loaded_at < self._ttl
            if not fresh or key not in self._by_address:
                self._reload()
            return list(self._by_address.get(key, []))

    def _reload(self) -> None:
        by_address: dict[str, list[ChannelInfo]] = {}
        for channel in self._load():
            by_address.setdefault(str(channel.config.get("address", "")).lower(), []).append(channel)
        self._by_address = by_address
        self._loaded_at = time.monotonic()
