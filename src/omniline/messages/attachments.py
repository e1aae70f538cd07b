"""Files on messages: an agent's uploads into the file store, and one stored file back for download.

The bytes live in the content-addressed file store (`files/store.py`, which sniffs the type and
refuses files above `max_file_bytes`); the message keeps the `Attachment` description with its
storage key, which `message_view` never shows.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from omniline.files.store import FileStore
from omniline.kernel.errors import InvalidInput, NotFound, PayloadTooLarge
from omniline.messages.models import Message
from omniline.messages.normalized import Attachment

MAX_ATTACHMENTS = 10  # per message: more is a mistake (a folder dropped), not a reply


@dataclass(frozen=True, slots=True)
class Upload:
    """One file as the client sent it: its name, its declared type (a hint only), its bytes."""

    filename: str
    declared_type: str | None
    data: bytes


def check_uploads(files: FileStore, uploads: list[Upload]) -> None:
    """InvalidInput for too many or empty files, PayloadTooLarge for one above the limit."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {MAX_ATTACHMENTS} files per message")
    for upload in uploads:
        if not upload.data:
            raise InvalidInput(f"the file {upload.filename!r} is empty")
        if len(upload.data) > files.max_file_bytes:
            raise PayloadTooLarge(f"the file {upload.filename!r} is larger than {files.max_file_bytes} bytes")


def store_uploads(files: FileStore, uploads: list[Upload]) -> tuple[Attachment, ...]:
    """Store every upload (all checked first, so a refused request leaves no file behind)."""
    check_uploads(files, uploads)
    return tuple(
        files.save(upload.data, filename=upload.filename or "attachment", declared_type=upload.declared_type)
        for upload in uploads
    )


def stored_attachment(
    session: Session, tenant_id: uuid.UUID, message_id: uuid.UUID, index: int
) -> Attachment:
    """The `index`-th file of a message of the tenant; NotFound for another tenant's message, an index
    out of range, or a file that was described but never stored (some providers' media)."""
    message = session.get(Message, message_id)
    if message is None or message.tenant_id != tenant_id:
        raise NotFound(f"message {message_id} not found")
    items: list[Any] = message.attachments or []
    if not 0 <= index < len(items):
        raise NotFound(f"message {message_id} has no attachment {index}")
    item = items[index]
    if not item.get("storage_key"):
        raise NotFound("this attachment was not stored by omniline; the channel only described it")
    return Attachment(
        filename=str(item["filename"]),
        content_type=str(item["content_type"]),
        size=int(item["size"]),
        storage_key=str(item["storage_key"]),
    )
