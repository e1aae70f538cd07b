"""Registering the channel's hook with Telegram (setWebhook / deleteWebhook) and making deep links.

Telegram only calls HTTPS URLs on ports 443, 80, 88 or 8443, so `OMNILINE_PUBLIC_URL` must be such
an address for a real bot; setWebhook answers with Telegram's own reason otherwise.
"""

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session

from omniline.channels.base import ChannelInfo
from omniline.channels.service import load_channel_info
from omniline.channels.telegram.client import call
from omniline.channels.telegram.config import read_config
from omniline.channels.telegram.deep_links import deep_link_url, make_deep_link_token
from omniline.customers.service import get_customer
from omniline.kernel.errors import InvalidInput

# Only what the adapter reads: Telegram then does not send (and wait on) anything else.
ALLOWED_UPDATES = ("message", "edited_message")


def load_telegram_channel(session: Session, channel_id: str) -> ChannelInfo:
    """The active telegram channel `channel_id`; InvalidInput or NotFound otherwise."""
    try:
        parsed = uuid.UUID(channel_id)
    except ValueError:
        raise InvalidInput(f"{channel_id!r} is not a channel id") from None
    channel = load_channel_info(session, parsed)
    if channel.kind != "telegram":
        raise InvalidInput(f"channel {channel_id} is a {channel.kind} channel, not a telegram one")
    return channel


def hook_url(channel: ChannelInfo, base_url: str) -> str:
    return f"{base_url}/hooks/{channel.id}"


def set_webhook(http: httpx.Client, channel: ChannelInfo, *, base_url: str) -> str:
    """Point the bot's webhook at this channel's hook, with its secret token; the URL set.
    Raises BotApiError with Telegram's reason when it refuses."""
    config = read_config(channel.config)
    url = hook_url(channel, base_url)
    call(
        http,
        config,
        "setWebhook",
        {"url": url, "secret_token": config.secret_token, "allowed_updates": list(ALLOWED_UPDATES)},
    )
    return url


def delete_webhook(http: httpx.Client, channel: ChannelInfo) -> None:
    """Stop Telegram calling the hook (updates then wait on Telegram's side for 24 hours)."""
    call(http, read_config(channel.config), "deleteWebhook", {})


def make_customer_deep_link(
    session: Session,
    http: httpx.Client,
    channel: ChannelInfo,
    customer_id: uuid.UUID,
    *,
    now: datetime,
    valid_for: timedelta,
    bot_username: str | None = None,
) -> str:
    """`https://t.me/<bot>?start=<token>` for a customer of the channel's tenant (NotFound if not);
    the bot's username is asked of Telegram (getMe) when not given."""
    get_customer(session, channel.tenant_id, customer_id)
    token = make_deep_link_token(channel.secret, customer_id, now=now, valid_for=valid_for)
    if bot_username is None:
        me = call(http, read_config(channel.config), "getMe", {})
        bot_username = str(me.get("username", "")) if isinstance(me, dict) else ""
        if not bot_username:
            raise InvalidInput("getMe did not give the bot's username; pass --bot-username")
    return deep_link_url(bot_username, token)
