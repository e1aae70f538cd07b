"""Quoted-reply stripping, for display only: the message text shows what the customer wrote now;
the whole original stays in the message's meta as "full_text" (set only when something was cut).

Cut at the first reply header ("On … wrote:", "Am … schrieb …:", "-----Original Message-----",
"-----Исходное сообщение-----", "在 … 写道：", an Outlook "From:/От:/发件人:" block) that is followed
by more text, or at a trailing run of ">" lines. When cutting would leave nothing, nothing is cut.
"""

import re

_REPLY_HEADERS = [
    re.compile(
        r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|исходное сообщение|原始邮件)\s*-{2,}",
        re.I,
    ),
    re.compile(r"^\s*(on|am|le|el|il)\s.{4,200}\s(wrote|schrieb|a écrit|escribió|ha scritto)\s*:?\s*$", re.I),
    re.compile(r"^\s*\S.{2,200}\s(wrote|schrieb|написал|написала|пишет)\s*:\s*$", re.I),
    re.compile(r"^\s*在.{2,200}(写道|寫道)\s*[:：]\s*$"),
    re.compile(r"^\s*(from|von|от|发件人|寄件者)\s*[:：]\s*\S.*$", re.I),
]
_OUTLOOK_FIELDS = re.compile(
    r"^\s*(sent|gesendet|отправлено|发送时间|to|an|кому|收件人|subject|betreff|тема|主题)\s*[:：]", re.I
)


def strip_quoted(text: str) -> str:
    lines = text.split("\n")
    cut = _reply_header_at(lines)
    if cut is None:
        cut = _trailing_quote_at(lines)
    if cut is None:
        return text
    kept = "\n".join(lines[:cut]).rstrip()
    return kept if kept.strip() else text


def _reply_header_at(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if index == 0 or not line.strip():
            continue
        for pattern_number, pattern in enumerate(_REPLY_HEADERS):
            if not pattern.match(line):
                continue
            if pattern_number == len(_REPLY_HEADERS) - 1 and not _is_outlook_block(
                lines[index + 1 : index + 5]
            ):
                continue  # a "From:" line alone is just text, not the start of a quoted mail
            if any(rest.strip() for rest in lines[index + 1 :]):
                return index
    return None


def _is_outlook_block(following: list[str]) -> bool:
    return sum(1 for line in following if _OUTLOOK_FIELDS.match(line)) >= 2


def _trailing_quote_at(lines: list[str]) -> int | None:
    end = len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > 0 and (lines[start - 1].lstrip().startswith(">") or not lines[start - 1].strip()):
        start -= 1
    if start == end or not any(line.lstrip().startswith(">") for line in lines[start:end]):
        return None
    return start
