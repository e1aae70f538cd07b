"""Which page strings lack a translation: the texts marked with `_()`/`gettext` in the templates and
in the web package's Python, checked against each language's catalogs. `make messages` prints them;
a test keeps the list empty."""

from collections.abc import Iterator
from importlib import resources

from babel.messages.extract import extract_from_dir

from omniline.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, translations

_TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def page_messages() -> dict[str, str]:
    """Every message id of the pages, with the first file that uses it."""
    folder = str(resources.files("omniline.web"))
    found: dict[str, str] = {}
    extracted: Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]] = extract_from_dir(
        folder,
        method_map=[("**/templates/**.html", "jinja2"), ("**.py", "python")],
        options_map={"**/templates/**.html": _TEMPLATE_OPTIONS},
    )
    for filename, _line, message, _comments, _context in extracted:
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, filename)
    return found


def missing_translations() -> dict[str, list[str]]:
    """language → the message ids its catalogs do not translate."""
    messages = page_messages()
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        catalog = translations(language)
        absent = [message for message in messages if catalog.gettext(message) == message]
        if absent:
            missing[language] = absent
    return missing


if __name__ == "__main__":
    for language, absent in missing_translations().items():
        print(f"# {language}: {len(absent)} untranslated")
        for message in absent:
            print(f'msgid "{message}"\nmsgstr ""\n')
