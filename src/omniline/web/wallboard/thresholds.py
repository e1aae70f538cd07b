"""When a wallboard figure turns amber or red. One place, so the tiles, the chart and the JSON agree."""

SERVICE_LEVEL_TARGET = 0.80  # below: amber (the usual contact-center target, drawn on the chart)
SERVICE_LEVEL_CRITICAL = 0.60  # below: red

OK, WARN, BAD, NONE = "ok", "warn", "bad", "none"


def level_tone(level: float | None) -> str:
    """The tone of a service level: none (nothing decided yet), ok, warn (< 80%) or bad (< 60%)."""
    if level is None:
        return NONE
    if level < SERVICE_LEVEL_CRITICAL:
        return BAD
    if level < SERVICE_LEVEL_TARGET:
        return WARN
    return OK


def worst(*tones: str) -> str:
    order = (NONE, OK, WARN, BAD)
    return max(tones, key=order.index, default=NONE)
