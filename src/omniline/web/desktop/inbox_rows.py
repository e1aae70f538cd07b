"""The inbox's rows as HTML, written here in Python rather than in desktop/_inbox.html.

Why: the column holds up to 500 rows and issue 6 wants the whole request in < 100 ms
(bench/desktop_inbox.py). In Jinja, 500 rows took ~40 ms, the largest part of the request (each of
~20 `{{ }}` a row is an attribute lookup, an escape and a new Markup, plus the lambdas for the clocks);
written here they take ~12 ms. The rest of the column (presence, headings, empty states) stays in
the template, which prints these two fragments as they are.

Escaping contract: every value taken from a row goes through `_text` (markupsafe.escape, the escape
Jinja's autoescape uses, so the bytes are the same as the template wrote) — names, previews, topics
and queues are customer or admin text. Only these are written unescaped: literal markup, labels escaped
once in `row_labels`, numbers formatted here (case number, priority), the countdown texts
(`clock_text`) and ISO timestamps made from datetimes, and the channel icons (macros.html's
ui.channel_icon, chosen from a fixed set of kinds). The markup is the template's, unindented: its boxes
are flex and block, so white space between tags never showed.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from markupsafe import Markup, escape

from omniline.web.desktop.inbox_query import OfferRow, WorkRow
from omniline.web.rendering import templates

CHANNEL_KINDS = ("email", "webchat", "sms", "voice", "telegram", "wechat", "social", "api", "walkin")


@dataclass(frozen=True, slots=True)
class RowLabels:
    """The rows' texts in the page's language, escaped once per render (not once per row)."""

    unnamed: str
    answer_within: str
    queue: str
    priority: str
    callback: str
    accept: str
    reject: str
    last_wrote: str
    statuses: dict[str, str]  # case status → label; an unknown status shows as stored
    due: dict[str, str]  # due kind → the countdown's title


def row_labels(gettext: Callable[[str], str]) -> RowLabels:
    def _(message: str) -> str:
        return _text(gettext(message))

    return RowLabels(
        unnamed=_("Unnamed customer"),
        answer_within=_("Answer within"),
        queue=_("Queue"),
        priority=_("Priority"),
        callback=_("Callback"),
        accept=_("Accept"),
        reject=_("Reject"),
        last_wrote=_("The customer last wrote"),
        statuses={
            "open": _("Open"),
            "pending": _("Pending"),
            "resolved": _("Resolved"),
        },
        due={
            "first_response": _("First response due"),
            "resolution": _("Resolution due"),
            "callback": _("Call back by"),
        },
    )


@cache
def channel_icons() -> dict[str, str]:
    """kind → the icon's markup, from the shared macro (made once: it depends only on the version)."""
    macros = templates.get_template("macros.html").module
    return {kind: str(macros.channel_icon(kind)) for kind in CHANNEL_KINDS}  # type: ignore[attr-defined]


def offer_rows(offers: Sequence[OfferRow], *, now: datetime, labels: RowLabels) -> Markup:
    icons = channel_icons()
    parts = []
    for row in offers:
        name = _text(row.customer_name) if row.customer_name else labels.unnamed
        tier = _tier_badge(row.tier)
        case = f'<span class="inbox-case">C-{row.case_number:d}</span>' if row.case_number else ""
        callback = f"<span>{labels.callback}</span>" if row.kind == "callback" else ""
        topic = f'<span class="inbox-topic">{_text(row.topic)}</span>' if row.topic else ""
        raised = " raised" if row.priority > 0 else ""
        parts.append(
            f'<li class="inbox-offer" data-offer-id="{_text(row.offer_id)}"'
            f' data-conversation-id="{_text(row.conversation_id or "")}"'
            f' data-customer-id="{_text(row.customer_id)}" data-case-id="{_text(row.case_id or "")}"'
            f' data-kind="{_text(row.kind)}">\n'
            f'<div class="inbox-line">{icons.get(row.channel_kind, icons["api"])}'
            f'<strong class="inbox-name">{name}</strong>{tier}'
            f'<span class="inbox-end" title="{labels.answer_within}"><time class="sla-countdown"'
            f' data-deadline="{row.expires_at.isoformat()}" data-kind="offer">'
            f"{clock_text((row.expires_at - now).total_seconds())}</time></span></div>\n"
            f'<div class="inbox-meta">{case}{callback}{topic}'
            f'<span class="inbox-queue" title="{labels.queue}">{_text(row.queue)}</span>'
            f'<span class="inbox-priority{raised}">{labels.priority} {row.priority:d}</span></div>\n'
            f'<div class="inbox-actions"><button type="button" class="primary" data-offer-action="accept">'
            f'{labels.accept}</button><button type="button" data-offer-action="reject">{labels.reject}'
            "</button></div>\n</li>\n"
        )
    return Markup("".join(parts))


def work_rows(
    work: Sequence[WorkRow], *, now: datetime, open_conversation_id: str | None, labels: RowLabels
) -> Markup:
    """`open_conversation_id`: the conversation the page shows; its (first) row is marked."""
    icons = channel_icons()
    parts = []
    for row in work:
        is_open = open_conversation_id is not None and row.conversation_id == open_conversation_id
        if is_open:
            open_conversation_id = None  # only one row is the page's
        css = ("inbox-work overdue" if row.overdue else "inbox-work") + (" is-open" if is_open else "")
        current = ' aria-current="page"' if is_open else ""
        name = _text(row.customer_name) if row.customer_name else labels.unnamed
        due = ""
        if row.due_at is not None:
            kind = row.due_kind or ""
            due = (
                f'<span class="inbox-end" title="{labels.due.get(kind, "")}"><time class="sla-countdown"'
                f' data-deadline="{row.due_at.isoformat()}" data-kind="{_text(kind)}">'
                f"{clock_text((row.due_at - now).total_seconds())}</time></span>"
            )
        case = f'<span class="inbox-case">C-{row.case_number:d}</span>' if row.case_number else ""
        status = ""
        if row.case_status:
            label = labels.statuses.get(row.case_status) or _text(row.case_status)
            status = f'<span class="inbox-status status-{_text(row.case_status)}">{label}</span>'
        callback = f'<span class="badge">{labels.callback}</span>' if row.kind == "callback" else ""
        ago = ""
        if row.last_customer_message_at is not None:
            since = row.last_customer_message_at
            ago = (
                f'<time class="inbox-ago" data-since="{since.isoformat()}" title="{labels.last_wrote}">'
                f"{clock_text(max(0.0, (now - since).total_seconds()))}</time>"
            )
        preview = f'<span class="inbox-preview">{_text(row.preview)}</span>' if row.preview else ""
        parts.append(
            f'<li class="{css}" data-task-id="{_text(row.task_id)}"'
            f' data-conversation-id="{_text(row.conversation_id or "")}"'
            f' data-case-id="{_text(row.case_id or "")}">\n'
            f'<a class="inbox-link" href="{_text(row.url)}"{current}>\n'
            f'<span class="inbox-line">{icons.get(row.channel_kind, icons["api"])}'
            f'<strong class="inbox-name">{name}</strong>{_tier_badge(row.tier)}{due}</span>\n'
            f'<span class="inbox-meta">{case}{status}{callback}{ago}</span>\n{preview}</a></li>\n'
        )
    return Markup("".join(parts))


def _tier_badge(tier: str) -> str:
    """VIP, GOLD… badges; the standard tier shows none."""
    if tier == "standard":
        return ""
    return f'<span class="badge tier {_text(tier)}">{_text(tier.upper())}</span>'


def _text(value: str) -> str:
    """markupsafe.escape(value) as a plain str: an f-string formats a Markup (a str subclass) about
    three times slower than a str, which counts 10 times a row."""
    return str(escape(value))


def clock_text(seconds: float) -> str:
    """12:30, 1:02:03, or -3:05 once past: the first text of a countdown or a stopwatch, the same
    as omniline.js writes every second after (and all a page without scripts shows)."""
    sign = "-" if seconds < 0 else ""
    minutes, second = divmod(int(abs(seconds)), 60)
    hours, minute = divmod(minutes, 60)
    return f"{sign}{hours}:{minute:02d}:{second:02d}" if hours else f"{sign}{minute}:{second:02d}"
