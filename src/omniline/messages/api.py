"""Message files over the API: download one attachment of a message of your tenant."""

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Path
from fastapi.responses import Response

from omniline.kernel.errors import NotFound
from omniline.messages.attachments import stored_attachment
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1/messages", tags=["messages"])

# Types a browser would render or run if it ever showed the file itself: always served as bytes.
ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")


@router.get("/{message_id}/attachments/{index}", response_class=Response)
def download_attachment(
    message_id: uuid.UUID, actor: ActorDep, container: ContainerDep, index: int = Path(ge=0, le=100)
) -> Response:
    """The file, always as a download (`Content-Disposition: attachment`), never rendered inline."""
    with container.uow() as uow:
        attachment = stored_attachment(uow.session, actor.tenant_id, message_id, index)
    assert attachment.storage_key is not None
    try:
        data = container.files.open(attachment.storage_key)
    except (OSError, ValueError):
        raise NotFound("the file is no longer in the file store") from None
    content_type = attachment.content_type
    if content_type.split(";")[0].strip().lower() in ACTIVE_TYPES:
        content_type = "application/octet-stream"
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name as RFC 5987 `filename*`."""
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\;' else "_" for char in filename)
    return f"attachment; filename=\"{fallback or 'attachment'}\"; filename*=UTF-8''{quote(filename, safe='')}"
