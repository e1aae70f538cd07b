"""MIME → ParsedMail: the one place that reads a raw RFC 5322 message.

Contract: `parse_mail` never raises. A broken mail still gives a ParsedMail with what could be read
(the headers that parsed, the parts that decoded, `defects` saying what did not).

Body: the text of every inline text part in order (for multipart/alternative the text/plain
rendering, else the HTML rendered as text); `html` is the sanitised HTML when the mail had any.
Parts with a file name, non-text parts and forwarded messages become `attachments` (bytes and the
declared type; the file store sniffs the real one). Delivery reports (RFC 3464) fill `report`.
"""

import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message

from omniline.channels.email.charsets import codec_for, decode_bytes, decode_raw_header
from omniline.channels.email.headers import addresses, header_text, message_ids, raw_header, sender, sent_at
from omniline.channels.email.html_to_text import html_to_text, sanitise_html
from omniline.channels.email.reports import DeliveryReport, read_delivery_status, read_original_headers

MAX_PARTS = 500  # a mail bomb of nested parts is cut here, not walked to the end
# compat32 keeps headers as the raw strings we decode ourselves (headers.py); policy.default would
# also run every header through its full RFC 5322 grammar on access, which was 60% of parse time.
PARSE_POLICY = email.policy.compat32


@dataclass(frozen=True, slots=True)
class MailPart:
    filename: str
    content_type: str  # as declared; the file store sniffs the bytes
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(slots=True)
class ParsedMail:
    message_id: str | None = None  # "<id@host>", brackets kept
    from_email: str = ""
    from_display_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    subject: str = ""
    sent_at: datetime | None = None
    text: str = ""
    html: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[MailPart] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case name → decoded first value
    report: DeliveryReport | None = None
    forwarded: list[dict[str, str]] = field(default_factory=list)  # {"from", "subject"} of attached mails
    defects: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Walk:
    segments: list[tuple[str | None, str | None]] = field(default_factory=list)  # (plain, html)
    parts: int = 0


def parse_mail(raw: bytes) -> ParsedMail:
    mail = ParsedMail()
    try:
        message = email.message_from_bytes(repair_header_block(raw), policy=PARSE_POLICY)
    except Exception as error:  # the stdlib parser is lenient; this is for what it still cannot take
        mail.defects.append(f"unparseable: {error}")
        mail.text = decode_bytes(raw)
        return mail
    try:
        _read_headers(message, mail)
    except Exception as error:
        mail.defects.append(f"headers: {error}")
    walk = _Walk()
    try:
        _walk(message, mail, walk)
    except Exception as error:
        mail.defects.append(f"body: {error}")
    _assemble_body(mail, walk)
    return mail


_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")


def repair_header_block(raw: bytes) -> bytes:
    """Mend what stops the stdlib parser reading headers at all: leading lines that are not headers
    (an mbox "From " line, a pasted "---- Original message ----") are dropped, and unindented
    continuation lines (broken folding) are indented, instead of ending the headers there."""
    end = raw.find(b"\n\n")
    end_crlf = raw.find(b"\r\n\r\n")
    if end_crlf != -1 and (end == -1 or end_crlf < end):
        end = end_crlf
    if end == -1:
        end = len(raw)
    lines = raw[:end].split(b"\n")
    start = 0
    while start < len(lines) and not _HEADER_LINE.match(lines[start]):
        start += 1
    if start == len(lines):
        return raw  # no header at all: let the parser treat it as a body
    mended = lines[start:]
    changed = start > 0
    for index in range(1, len(mended)):
        line = mended[index]
        if line.strip(b"\r") and not line[:1].isspace() and not _HEADER_LINE.match(line):
            mended[index] = b" " + line
            changed = True
    return b"\n".join(mended) + raw[end:] if changed else raw


def _read_headers(message: Message, mail: ParsedMail) -> None:
    fallback = _header_charset(message)
    mail.headers = {
        key.lower(): decode_raw_header(str(value), fallback)
        for key, value in reversed(list(message.raw_items()))
    }
    mail.from_display_name, mail.from_email = sender(message, fallback)
    mail.to = [address for _, address in addresses(raw_header(message, "to"), fallback) if address]
    mail.cc = [address for _, address in addresses(raw_header(message, "cc"), fallback) if address]
    mail.reply_to = [
        address for _, address in addresses(raw_header(message, "reply-to"), fallback) if address
    ]
    mail.subject = header_text(message, "subject", fallback)
    ids = message_ids(raw_header(message, "message-id"))
    mail.message_id = ids[0] if ids else None
    mail.in_reply_to = message_ids(raw_header(message, "in-reply-to"))
    mail.references = message_ids(raw_header(message, "references"))
    mail.sent_at = sent_at(raw_header(message, "date"))


_MULTIBYTE = ("gb18030", "big5hkscs", "cp932", "euc_jp", "iso2022_jp_ext", "cp949", "utf_8")


def _header_charset(message: Message) -> str | None:
    """The charset for raw 8-bit headers, which have no label of their own: the first multi-byte
    (CJK) charset the mail declares anywhere, else the first declared one that is not plain ASCII."""
    declared = [charset for part in message.walk() if (charset := _charset_of(part))]
    codecs = [(charset, codec_for(charset)) for charset in declared]
    for charset, codec in codecs:
        if codec in _MULTIBYTE and codec != "utf_8":
            return charset
    return next((charset for charset, _ in codecs if charset.lower() not in ("us-ascii", "ascii")), None)


def _charset_of(part: Message) -> str | None:
    try:
        charset = part.get_param("charset")
    except Exception:
        return None
    return charset if isinstance(charset, str) else None


def _walk(part: Message, mail: ParsedMail, walk: _Walk) -> None:
    walk.parts += 1
    if walk.parts > MAX_PARTS:
        mail.defects.append(f"more than {MAX_PARTS} parts; the rest was not read")
        return
    content_type = _content_type(part)
    if content_type == "multipart/alternative":
        _walk_alternative(part, mail, walk)
    elif content_type.startswith("multipart/"):
        for child in _children(part):
            _walk(child, mail, walk)
    elif content_type == "message/delivery-status":
        mail.report = read_delivery_status(_delivery_status(part), mail.report)
    elif content_type in ("message/rfc822", "text/rfc822-headers"):
        _read_attached_message(part, content_type, mail)
    elif content_type in ("text/plain", "text/html") and not _is_attachment(part):
        text = decode_bytes(_payload(part), _charset_of(part))
        walk.segments.append((text, None) if content_type == "text/plain" else (None, text))
    else:
        _add_attachment(part, content_type, mail)


def _delivery_status(part: Message) -> bytes:
    """The report's field blocks: the stdlib parses them into sub-messages of header lines."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return _payload(part)
    blocks = [
        "\n".join(f"{name}: {value}" for name, value in block.raw_items())
        for block in payload
        if isinstance(block, Message)
    ]
    return "\n\n".join(blocks).encode("utf-8", "surrogateescape")


def _walk_alternative(part: Message, mail: ParsedMail, walk: _Walk) -> None:
    inner = _Walk(parts=walk.parts)
    for child in _children(part):
        _walk(child, mail, inner)
    walk.parts = inner.parts
    plain = next((text for text, _ in inner.segments if text is not None), None)
    html = next((html for _, html in inner.segments if html is not None), None)
    if plain is not None or html is not None:
        walk.segments.append((plain, html))


def _read_attached_message(part: Message, content_type: str, mail: ParsedMail) -> None:
    """A forwarded mail, or the returned original inside a bounce: kept as an .eml attachment."""
    if content_type == "text/rfc822-headers":
        data = _payload(part)
    else:
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        data = first.as_bytes() if isinstance(first, Message) else _payload(part)
    original = read_original_headers(data)
    if mail.report is not None or content_type == "text/rfc822-headers":
        report = mail.report or DeliveryReport()
        report.original_message_ids += [
            item for item in original.message_ids if item not in report.original_message_ids
        ]
        mail.report = report
    else:
        mail.forwarded.append({"from": original.sender, "subject": original.subject})
    name = _filename(part) or (
        f"{original.subject or 'message'}.eml" if content_type == "message/rfc822" else "headers.txt"
    )
    mail.attachments.append(MailPart(name, content_type, data))


def _add_attachment(part: Message, content_type: str, mail: ParsedMail) -> None:
    data = _payload(part)
    if not data:
        return
    content_id = raw_header(part, "content-id")
    disposition = (raw_header(part, "content-disposition") or "").strip().lower()
    name = _filename(part) or f"file-{len(mail.attachments) + 1}"
    mail.attachments.append(
        MailPart(
            filename=name,
            content_type=content_type,
            data=data,
            content_id=message_ids(content_id)[0] if content_id and message_ids(content_id) else None,
            inline=disposition.startswith("inline") or (bool(content_id) and not disposition),
        )
    )


def _assemble_body(mail: ParsedMail, walk: _Walk) -> None:
    texts: list[str] = []
    htmls: list[str] = []
    for plain, html in walk.segments:
        if plain is not None:
            texts.append(plain.replace("\r\n", "\n").strip("\n"))
        elif html is not None:
            texts.append(html_to_text(html))
        if html is not None:
            htmls.append(html)
    mail.text = "\n\n".join(text for text in texts if text.strip())
    if htmls:
        mail.html = sanitise_html("\n".join(htmls))


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _is_attachment(part: Message) -> bool:
    disposition = (raw_header(part, "content-disposition") or "").strip().lower()
    return disposition.startswith("attachment") or (
        bool(_filename(part)) and not disposition.startswith("inline")
    )


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            name = part.get_param("name")  # type: ignore[assignment]
        except Exception:
            name = None
    if not isinstance(name, str):
        return ""
    return decode_raw_header(name)
