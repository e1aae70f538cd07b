"""Opt-out keywords (pure): STOP and its synonyms end messaging to a number, START resumes it.

The keywords are those US carriers and Twilio's Advanced Opt-Out honour, matched like Twilio matches
them: the whole message, trimmed, in any case. Twilio itself blocks sends to a number that texted
STOP, so we record the same fact rather than learn it from a failed send. Russian and Chinese
subscribers write "СТОП" / "退订" (unsubscribe); those are honoured too.
"""

from typing import Literal

OptOutChange = Literal["stop", "start"]

STOP_KEYWORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "стоп", "отписаться", "退订"}
)
START_KEYWORDS = frozenset({"start", "yes", "unstop", "старт"})


def opt_out_change(text: str) -> OptOutChange | None:
    """ "stop" or "start" when the whole message is such a keyword, else None."""
    word = text.strip().casefold()
    if word in STOP_KEYWORDS:
        return "stop"
    if word in START_KEYWORDS:
        return "start"
    return None
