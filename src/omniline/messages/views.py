"""The JSON shape of a message, shared by the API, the timeline and the realtime feed (DESIGN §4)."""

from typing import Any

from omniline.messages.models import Message


def message_view(message: Message | Any) -> dict[str, Any]:
    """`message` is a Message or any object with its column attributes (a timeline row's columns)."""
    return {
        "id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "case_id": str(message.case_id) if message.case_id else None,
        "customer_id": str(message.customer_id),
        "channel_id": str(message.channel_id),
        "channel_kind": message.channel_kind,
        "direction": message.direction,
        "sender": {"identity": message.sender_identity, "name": message.sender_name},
        "text": message.text,
        "subject": message.subject,
        "attachments": [
            {"filename": item["filename"], "content_type": item["content_type"], "size": item["size"]}
            for item in message.attachments
        ],
        "external_id": message.external_id,
        "event": message.event,
        "meta": message.meta,
        "sent_at": message.sent_at.isoformat(),
        "created_at": message.created_at.isoformat(),
    }
