"""Enabling and disabling a channel. A disabled channel keeps its history; its provider callbacks are
refused (404) and nothing is sent through it, until it is enabled again."""

from sqlalchemy.orm import Session

from omniline.channels.models import Channel
from omniline.security.access import Actor
from omniline.security.audit import record_audit


def set_channel_active(session: Session, *, actor: Actor, channel: Channel, active: bool) -> bool:
    """Enable or disable `channel` (already checked to be the actor's); returns whether it changed.
    Other processes notice within the channel cache's few seconds."""
    if channel.is_active == active:
        return False
    channel.is_active = active
    record_audit(
        session,
        tenant_id=channel.tenant_id,
        actor=actor.ref,
        action="channel.enabled" if active else "channel.disabled",
        subject_type="channel",
        subject_id=channel.id,
    )
    session.flush()
    return True
