"""An agent's profile as form fields and back: skills as "billing:3, refunds:2", languages as
"ru, en", one capacity box per channel kind (empty: does not take that kind), a team or none. The
agents service checks the values themselves (levels, language codes, limits)."""

import re
from typing import Any

from omniline.channels.registry import CHANNEL_KINDS
from omniline.kernel.errors import InvalidInput
from omniline.web.rendering import Page

_SEPARATORS = re.compile(r"[,;\s]+")


def profile_form(agent: dict[str, Any]) -> dict[str, str]:
    """The form's values for a profile as `read_agent` shows it."""
    form = {
        "skills": ", ".join(f"{name}:{level}" for name, level in sorted(agent["skills"].items())),
        "languages": ", ".join(agent["languages"]),
        "team": agent["team"] or "",
    }
    for kind in CHANNEL_KINDS:
        count = agent["capacity"].get(kind)
        form[f"capacity_{kind}"] = "" if count is None else str(count)
    return form


def profile_changes(page: Page, form: dict[str, str]) -> dict[str, Any]:
    """The PATCH-style changes for `update_agent`; InvalidInput in the page's language for what does
    not even parse (a level or capacity that is not a number)."""
    skills: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in form.get("skills", "").split(","))):
        name, separator, level = item.partition(":")
        if not separator or not level.strip().isdigit():
            raise InvalidInput(
                page.gettext("Write skills as name:level, separated by commas (e.g. billing:3, refunds:2).")
            )
        skills[name.strip()] = int(level)
    capacity: dict[str, Any] = {}
    for kind in CHANNEL_KINDS:
        value = form.get(f"capacity_{kind}", "").strip()
        if not value:
            continue
        if not value.isdigit():
            raise InvalidInput(page.gettext("Capacity is a whole number of contacts at once, or empty."))
        capacity[kind] = int(value)
    return {
        "skills": skills,
        "languages": [code for code in _SEPARATORS.split(form.get("languages", "")) if code],
        "capacity": capacity,
        "team": form.get("team") or None,
    }
