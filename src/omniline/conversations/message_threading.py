"""Threading (pure): does a new inbound message continue a conversation or start one?

- A provider thread key (an e-mail thread, an app's thread id) continues that thread on that channel.
- Without one, the customer's latest open conversation on the same channel continues if its last
  message is younger than the channel's idle timeout; otherwise a new conversation starts.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_IDLE_TIMEOUT = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: uuid.UUID
    customer_id: uuid.UUID
    thread_key: str | None
    status: str
    last_message_at: datetime


def choose_conversation(
    candidates: list[ConversationSummary],
    *,
    thread_key: str | None,
    now: datetime,
    idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT,
) -> uuid.UUID | None:
    """The conversation to continue, or None to start a new one.

    `candidates` are the sending customer's conversations on this channel.
    """
    if thread_key is not None:
        threaded = [item for item in candidates if item.thread_key == thread_key]
        if threaded:
            return max(threaded, key=_recency).id
        return None
    live = [
        item
        for item in candidates
        if item.status == "open" and item.thread_key is None and now - item.last_message_at <= idle_timeout
    ]
    if not live:
        return None
    return max(live, key=_recency).id


def _recency(item: ConversationSummary) -> tuple[datetime, uuid.UUID]:
    """The last message's time, then the id (time-ordered: the later conversation) when two had their
    last messages at the same moment (one group commit stores its messages at one `now`): the choice
    must not depend on the order the database returns rows in."""
    return (item.last_message_at, item.id)
