"""Imports every model so that `Base.metadata` is complete (for Alembic and for tests)."""

from omniline.accounts.models import Tenant, User
from omniline.agents.models import AgentProfile, Team
from omniline.cases.models import Case
from omniline.channels.models import Channel, ChannelOptOut, Delivery, InboundReceipt
from omniline.conversations.models import Conversation
from omniline.customers.models import Customer, CustomerMerge, Identity, IdentityVerification
from omniline.db.base import Base
from omniline.messages.models import Message
from omniline.routing.models import BusinessCalendar, Offer, Queue, RoutingPolicy, SlaClock, Task
from omniline.security.models import AuditEntry, SignInFailure, WebSession
from omniline.taxonomy.models import ClassifierModel, Topic, TopicExample
from omniline.timeline.models import TimelineEvent

__all__ = [
    "AgentProfile",
    "AuditEntry",
    "Base",
    "BusinessCalendar",
    "Case",
    "Channel",
    "ChannelOptOut",
    "ClassifierModel",
    "Conversation",
    "Customer",
    "CustomerMerge",
    "Delivery",
    "Identity",
    "IdentityVerification",
    "InboundReceipt",
    "Message",
    "Offer",
    "Queue",
    "RoutingPolicy",
    "SignInFailure",
    "SlaClock",
    "Task",
    "Team",
    "Tenant",
    "TimelineEvent",
    "Topic",
    "TopicExample",
    "User",
    "WebSession",
]
