"""Bot API updates → InboundMessages (pure: no network, no database).

- `message` → external id `<update_id>`; `edited_message` → `edit-<chat id>-<message id>-<edit date>`,
  a new timeline entry per edit with meta `{"edited": true, "original_message_id": …}`;
- the sender is `telegram:<from.id>`; a contact the user shares from their own account
  (`contact.user_id == from.id`) adds their phone as a verified identity;
- `/start <payload>` is stored as `/start` (the payload is a credential, see deep_links.py) and,
  being a press of the bot's Start button rather than a problem, never opens a case;
- files (the largest photo size, documents, audio, video, voice and video notes, animations) are
  returned as references for the adapter to download.

Only private chats are served: replies go to the user's own chat (chat id == user id), so a group
conversation could not be answered where it happened. Updates from groups and channels, and
updates of other kinds (my_chat_member, callback_query, …), are acknowledged and not stored.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from omniline.channels.telegram.updates import File, Message, Update
from omniline.customers.identities import IdentityClaim, normalise_phone
from omniline.kernel.errors import InvalidInput
from omniline.messages.normalized import InboundMessage

_START = re.compile(r"^/start(?:@\w+)?(?:\s+(?P<payload>\S+))?\s*$")


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file the message carries, to be fetched with getFile."""

    file_id: str
    filename: str
    mime_type: str | None
    size: int | None


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    message: InboundMessage  # without attachments yet
    files: tuple[FileRef, ...]
    start_payload: str | None  # the `/start` parameter, unverified


def parse_update(channel_id: uuid.UUID, update: Update, *, phone_region: str) -> ParsedUpdate | None:
    """The message an update carries, or None when there is nothing for the contact center."""
    edited = update.message is None and update.edited_message is not None
    source = update.message or update.edited_message
    if source is None or source.from_ is None or source.chat.type != "private":
        return None
    sender = source.from_
    identities = [IdentityClaim("telegram", str(sender.id), verified=True)]
    meta: dict[str, Any] = {"message_id": source.message_id}
    if edited:
        external_id = f"edit-{source.chat.id}-{source.message_id}-{source.edit_date or source.date}"
        meta = {"edited": True, "original_message_id": source.message_id}
    else:
        external_id = str(update.update_id)
    text = source.text if source.text is not None else (source.caption or "")
    start_payload: str | None = None
    start = _START.match(source.text or "")
    if start is not None and not edited:
        start_payload = start.group("payload")
        text = "/start"
        meta["command"] = "start"
    if source.contact is not None:
        phone, own = _contact_phone(source, phone_region)
        if phone is not None and own:
            identities.append(IdentityClaim("phone", phone, verified=True))
        contact_name = " ".join(
            part for part in (source.contact.first_name, source.contact.last_name) if part
        )
        shown = phone or source.contact.phone_number
        text = text or f"{contact_name} {shown}".strip()
        meta["contact"] = {"phone_number": shown, "name": contact_name, "own": own}
    if source.location is not None:
        text = text or f"{source.location.latitude}, {source.location.longitude}"
        meta["location"] = {"latitude": source.location.latitude, "longitude": source.location.longitude}
    if source.sticker is not None:
        text = text or (source.sticker.emoji or "")
        meta["sticker"] = source.sticker.emoji
    files = _files(source)
    if not text and not files and "contact" not in meta and "location" not in meta:
        meta["unsupported"] = True  # a poll, a dice, a game…: shown as such rather than as nothing
    sent = source.edit_date if edited and source.edit_date else source.date
    message = InboundMessage(
        channel_id=channel_id,
        external_id=external_id,
        identities=tuple(identities),
        text=text,
        sent_at=datetime.fromtimestamp(sent, UTC),
        sender_name=sender.display_name,
        thread_key=str(source.chat.id),
        meta=meta,
        auto_generated=start is not None and not edited,
    )
    return ParsedUpdate(message, files, start_payload)


def _contact_phone(source: Message, region: str) -> tuple[str | None, bool]:
    """The contact's phone in E.164 (None if it is not a phone number) and whether it is the
    sender's own: Telegram fills `user_id` only for Telegram users, and a user can share anyone's."""
    assert source.contact is not None and source.from_ is not None
    raw = source.contact.phone_number.strip()
    # Telegram writes phone numbers in international form without the plus: "79161234567".
    if raw and not raw.startswith("+"):
        raw = "+" + raw
    try:
        phone: str | None = normalise_phone(raw, region=region)
    except InvalidInput:
        phone = None
    return phone, source.contact.user_id == source.from_.id


def _files(source: Message) -> tuple[FileRef, ...]:
    refs: list[FileRef] = []
    if source.photo:
        # Telegram sends every size it made; the last (largest) one is the photo itself.
        largest = max(source.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        name = f"photo-{source.message_id}.jpg"
        refs.append(FileRef(largest.file_id, name, "image/jpeg", largest.file_size))
    candidates: list[tuple[str, File | None]] = [
        ("animation", source.animation),
        ("document", source.document),  # an animation repeats itself here for older clients
        ("audio", source.audio),
        ("video", source.video),
        ("voice", source.voice),
        ("video_note", source.video_note),
    ]
    for kind, item in candidates:
        if item is None or any(ref.file_id == item.file_id for ref in refs):
            continue
        name = item.file_name or f"{kind}-{source.message_id}"
        refs.append(FileRef(item.file_id, name, item.mime_type, item.file_size))
    return tuple(refs)
