"""MMS pictures: fetched from the provider into the file store while the webhook is answered.

Twilio keeps media behind the account's credentials (when "HTTP Basic Auth for media" is on) and
redirects to a storage host; the credentials are only ever sent to the channel's own `api_base_url`
origin, so a URL elsewhere is recorded, not fetched. A picture that cannot be fetched does not lose
the message: its URL and the reason stay in the message's meta.
"""

import mimetypes
from typing import Any
from urllib.parse import urlsplit

import httpx

from omniline.channels.base import AdapterContext, ChannelInfo
from omniline.channels.sms.parsing import MediaItem
from omniline.kernel.errors import PayloadTooLarge
from omniline.messages.normalized import Attachment


def fetch_media(
    channel: ChannelInfo, message_sid: str, items: list[MediaItem], context: AdapterContext
) -> tuple[tuple[Attachment, ...], list[dict[str, Any]]]:
    """The attachments that could be fetched, and a meta entry per item (url, content_type[, error])."""
    attachments: list[Attachment] = []
    meta: list[dict[str, Any]] = []
    auth = (channel.config["account_sid"], channel.config["auth_token"])
    for index, item in enumerate(items):
        entry: dict[str, Any] = {"url": item.url, "content_type": item.content_type}
        meta.append(entry)
        if not _same_origin(item.url, channel.config["api_base_url"]):
            entry["error"] = "not fetched: the URL is not on the provider's API host"
            continue
        try:
            data = _download(context, item.url, auth, context.files.max_file_bytes)
            extension = mimetypes.guess_extension(item.content_type) or ""
            attachments.append(
                context.files.save(
                    data, filename=f"{message_sid}-{index}{extension}", declared_type=item.content_type
                )
            )
        except (httpx.HTTPError, PayloadTooLarge) as error:
            entry["error"] = f"not fetched: {type(error).__name__}: {error}"[:300]
    return tuple(attachments), meta


def _download(context: AdapterContext, url: str, auth: tuple[str, str], limit: int) -> bytes:
    # httpx drops the Authorization header when a redirect leaves the origin.
    with context.http.stream("GET", url, auth=auth, follow_redirects=True) as response:
        response.raise_for_status()
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the media file is larger than {limit} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def _same_origin(url: str, base_url: str) -> bool:
    given, base = urlsplit(url), urlsplit(base_url)
    return (given.scheme, given.netloc.lower()) == (base.scheme, base.netloc.lower())
