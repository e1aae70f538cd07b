"""Imports every model so that `Base.metadata` is complete (for Alembic and for tests)."""

from omniline.accounts.models import Tenant, User
from omniline.cases.models import Case
from omniline.channels.models import Channel, ChannelOptOut, Delivery, InboundReceipt
from omniline.conversations.models import Conversation
from omniline.customers.models import Customer, CustomerMerge, Identity, IdentityVerification
from omniline.db.base import Base
from omniline.messages.models import Message
from omniline.routing.models import Task
from omniline.security.models import AuditEntry
from omniline.taxonomy.models import Topic
from omniline.timeline.models import TimelineEvent

__all__ = [
    "AuditEntry",
    "Base",
    "Case",
    "Channel",
    "ChannelOptOut",
    "Conversation",
    "Customer",
    "CustomerMerge",
    "Delivery",
    "Identity",
    "IdentityVerification",
    "InboundReceipt",
    "Message",
    "Task",
    "Tenant",
    "TimelineEvent",
    "Topic",
    "User",
]
