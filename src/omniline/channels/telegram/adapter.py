"""The `telegram` channel adapter: Telegram's Bot API webhook in, `sendMessage` out.

Inbound, at `/hooks/{channel_id}` (registered with `omniline telegram set-webhook`): one JSON
`Update` per POST, authenticated by `X-Telegram-Bot-Api-Secret-Token`, which Telegram repeats from
setWebhook's `secret_token` (the channel's `secret_token` setting). What becomes of an update is in
parsing.py; files are fetched through getFile into the file store before anything is stored, and a
file that cannot be fetched stays listed on the message (without bytes) under meta
`attachments_missing`: Telegram delivers a bot's updates in order, so refusing one update would hold
up every later one. The answer is an empty 200 whatever the update held (Telegram only needs a 2xx).

Outbound: `sendMessage` to the recipient's private chat (`telegram:<user id>`: in a private chat the
chat id is the user id), texts longer than Telegram's 4096 characters in several messages; 429
waits Telegram's `retry_after`, 5xx and network errors retry, other errors (a user who blocked the
bot: 403) fail at once.
"""

import hmac
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from omniline.channels.base import (
    AdapterContext,
    BaseAdapter,
    ChannelInfo,
    HookRequest,
    HookResponse,
    InboundBatch,
    SendResult,
)
from omniline.channels.telegram.client import BotApiError, download_file, send_message
from omniline.channels.telegram.config import TelegramConfig, read_config
from omniline.channels.telegram.deep_links import verify_deep_link_token
from omniline.channels.telegram.linking import link_telegram_customer
from omniline.channels.telegram.outbound import chat_id_for, split_text
from omniline.channels.telegram.parsing import FileRef, parse_update
from omniline.channels.telegram.updates import Update
from omniline.kernel.errors import InvalidInput, MalformedInput, PayloadTooLarge, Unauthenticated
from omniline.messages.normalized import Attachment, InboundMessage, OutboundMessage

if TYPE_CHECKING:
    from omniline.pipeline.ingest import IngestResult

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ACKNOWLEDGED = HookResponse(200, b"")


@dataclass(frozen=True, slots=True)
class TelegramBatch(InboundBatch):
    """An InboundBatch that also carries the verified deep links for `after_ingest`."""

    # (index into `messages`, the customer the message's /start token names)
    deep_links: tuple[tuple[int, uuid.UUID], ...] = ()
    received_at: datetime | None = None


class TelegramChannelAdapter(BaseAdapter):
    kind = "telegram"

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return read_config(config).model_dump()

    def parse_hook(self, channel: ChannelInfo, request: HookRequest, context: AdapterContext) -> InboundBatch:
        config = read_config(channel.config)
        given = request.headers.get(SECRET_HEADER.lower(), "")
        if not hmac.compare_digest(given.encode(), config.secret_token.encode()):
            raise Unauthenticated(f"missing or wrong {SECRET_HEADER}", code="bad_signature")
        if request.method != "POST" or request.subpath:
            raise InvalidInput("a telegram channel accepts POST /hooks/{channel_id} only")
        try:
            update = Update.model_validate_json(request.body)
        except ValidationError as error:
            raise _invalid(error) from None
        parsed = parse_update(channel.id, update, phone_region=channel.phone_region)
        if parsed is None:
            return TelegramBatch(response=ACKNOWLEDGED)
        message = parsed.message
        if parsed.files:
            message = _with_files(message, parsed.files, config, context)
        now = context.clock()
        deep_links: tuple[tuple[int, uuid.UUID], ...] = ()
        if parsed.start_payload is not None:
            customer_id = verify_deep_link_token(channel.secret, parsed.start_payload, now=now)
            outcome = "verified" if customer_id is not None else "rejected"
            message = replace(message, meta=message.meta | {"deep_link": outcome})
            if customer_id is not None:
                deep_links = ((0, customer_id),)
        return TelegramBatch([message], response=ACKNOWLEDGED, deep_links=deep_links, received_at=now)

    def after_ingest(
        self, session: Session, channel: ChannelInfo, batch: InboundBatch, results: "list[IngestResult]"
    ) -> None:
        if not isinstance(batch, TelegramBatch) or batch.received_at is None:
            return
        for index, customer_id in batch.deep_links:
            result = results[index]
            if result.duplicate:  # Telegram redelivered the update: it was linked the first time
                continue
            link_telegram_customer(
                session,
                tenant_id=channel.tenant_id,
                telegram_customer_id=result.customer_id,
                target_customer_id=customer_id,
                now=batch.received_at,
            )

    def send(self, channel: ChannelInfo, message: OutboundMessage, context: AdapterContext) -> SendResult:
        try:
            config = read_config(channel.config)
        except InvalidInput as error:
            return SendResult(ok=False, error=error.message)
        chat_id = chat_id_for(message)
        if chat_id is None:
            return SendResult(ok=False, error=f"a telegram channel cannot send to {message.recipient!r}")
        first_id: str | None = None
        for part in split_text(message.text):
            result = send_message(context.http, config, chat_id, part)
            if not result.ok:
                return result
            first_id = first_id or result.provider_message_id
        return SendResult(ok=True, provider_message_id=first_id)


def _with_files(
    message: InboundMessage, files: tuple[FileRef, ...], config: TelegramConfig, context: AdapterContext
) -> InboundMessage:
    attachments: list[Attachment] = []
    missing: list[str] = []
    for ref in files:
        try:
            data, file_path = download_file(
                context.http, config, ref.file_id, max_bytes=context.files.max_file_bytes
            )
            name = ref.filename
            if not PurePosixPath(name).suffix:  # voice notes and photos have no name: borrow Telegram's
                name += PurePosixPath(file_path).suffix
            attachments.append(context.files.save(data, filename=name, declared_type=ref.mime_type))
        except (BotApiError, PayloadTooLarge) as error:
            attachments.append(
                Attachment(ref.filename, ref.mime_type or "application/octet-stream", ref.size or 0)
            )
            missing.append(f"{ref.filename}: {error}")
    meta = message.meta | ({"attachments_missing": missing} if missing else {})
    return replace(message, attachments=tuple(attachments), meta=meta)


def _invalid(error: ValidationError) -> InvalidInput:
    if any(item["type"] == "json_invalid" for item in error.errors()):
        return MalformedInput("the body is not a JSON Telegram update")
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}" for item in error.errors()
    )
    return InvalidInput(f"not a Telegram update: {problems}")
