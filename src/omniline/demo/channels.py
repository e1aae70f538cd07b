"""Per-channel demo content: each channel kind adds one loader here (a channel and a history).

A loader must be idempotent: find its channel by name before creating it, and send its history
through the pipeline with fixed external ids, so loading again changes nothing.
"""

from collections.abc import Callable

from omniline.accounts.models import Tenant
from omniline.bootstrap import Container
from omniline.demo.email import load_email_demo
from omniline.demo.sms import load_sms_demo
from omniline.demo.social import load_social_demo
from omniline.demo.telegram import load_telegram_demo
from omniline.demo.voice import load_voice_demo
from omniline.demo.webchat import load_webchat_demo
from omniline.demo.wechat import load_wechat_demo

# (container, demo tenant) → number of new messages stored
ChannelDemo = Callable[[Container, Tenant], int]

CHANNEL_DEMOS: list[ChannelDemo] = [load_wechat_demo, load_telegram_demo, load_social_demo, load_webchat_demo]
CHANNEL_DEMOS += [load_sms_demo, load_voice_demo]
CHANNEL_DEMOS += [load_email_demo]
