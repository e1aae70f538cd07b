"""Where a reply goes on Telegram and how a long one is cut (pure)."""

from omniline.messages.normalized import OutboundMessage

MAX_TEXT_LENGTH = 4096  # sendMessage refuses longer texts


def chat_id_for(message: OutboundMessage) -> int | None:
    """The chat to send to: the reply context's `chat_id` when the reply service gives one, else the
    recipient `telegram:<user id>` (a private chat's id is its user's id). None if neither works."""
    for candidate in (message.reply_context.get("chat_id"), _telegram_address(message.recipient)):
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return candidate
        if isinstance(candidate, str) and candidate.lstrip("-").isdigit():
            return int(candidate)
    return None


def _telegram_address(recipient: str) -> str | None:
    kind, separator, address = recipient.partition(":")
    return address.strip() if separator and kind == "telegram" else None


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut after a line break or a space when one is
    in the second half of the piece (so words stay whole), else hard."""
    parts: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n"), window.rfind(" ")) + 1
        if cut <= limit // 2:
            cut = limit
        parts.append(text[:cut])
        text = text[cut:]
    parts.append(text)
    return parts
