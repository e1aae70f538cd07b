"""STOP/START bookkeeping: `channel_opt_outs` holds the numbers that asked not to be texted, and
replies to them are refused before anything is stored (the adapter's `prepare_reply`).

Runs in the hook's transaction after the messages are ingested. A provider's retry of an old STOP or
START (a duplicate) changes nothing, so a retried STOP can never undo a later START.
"""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from omniline.channels.base import ChannelInfo
from omniline.channels.models import ChannelOptOut
from omniline.customers.identities import normalise_phone
from omniline.kernel.ids import new_id
from omniline.messages.normalized import InboundMessage


def is_opted_out(session: Session, channel: ChannelInfo, address: str) -> bool:
    opt_out = select(ChannelOptOut.id).where(
        ChannelOptOut.channel_id == channel.id, ChannelOptOut.address == address
    )
    return session.scalar(opt_out) is not None


def apply_opt_out(session: Session, channel: ChannelInfo, message: InboundMessage, *, now: datetime) -> None:
    change = message.meta.get("opt_out")
    if change is None:
        return
    # The same spelling as the customer's phone identity, which is what replies are addressed to.
    address = normalise_phone(message.identities[0].address, region=channel.phone_region)
    if change == "start":
        session.execute(
            delete(ChannelOptOut).where(
                ChannelOptOut.channel_id == channel.id, ChannelOptOut.address == address
            )
        )
        return
    known = session.scalar(
        select(ChannelOptOut.id).where(
            ChannelOptOut.channel_id == channel.id, ChannelOptOut.address == address
        )
    )
    if known is None:
        session.add(
            ChannelOptOut(
                id=new_id(),
                tenant_id=channel.tenant_id,
                channel_id=channel.id,
                address=address,
                opted_out_at=now,
            )
        )
