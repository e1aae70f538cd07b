"""Per-channel demo content: each channel kind adds one loader here (a channel and a history).

A loader must be idempotent: find its channel by name before creating it, and send its history
through the pipeline with fixed external ids, so loading again changes nothing.
"""

from collections.abc import Callable

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container

# (container, demo tenant) → number of new messages stored
ChannelDemo = Callable[[Container, Tenant], int]

CHANNEL_DEMOS: list[ChannelDemo] = []
