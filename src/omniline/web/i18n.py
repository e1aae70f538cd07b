"""The pages' languages: gettext catalogs in en (the source), ru and zh.

Catalogs are the `.po` files under `web/locale/<lang>/LC_MESSAGES/`; every `.po` file of a language is
read (one per area of the pages: common, desktop, wallboard, admin) and compiled in memory once per
process, so there is no compiled `.mo` file to forget. `make messages` extracts new strings.
"""

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"en": "English", "ru": "Русский", "zh": "中文"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "omniline_lang"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The merged catalog of one language; English (and anything unknown) translates to itself."""
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    merged = Catalog(locale=language)
    folder = resources.files("omniline.web") / "locale" / language / "LC_MESSAGES"
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if message.id and message.string:
                merged.add(message.id, message.string, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick_language(chosen: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The user's own choice, then the language cookie (the login page), then the browser's
    Accept-Language, then English."""
    for candidate in (chosen, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
