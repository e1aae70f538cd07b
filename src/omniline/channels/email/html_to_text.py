"""HTML mail bodies: a sanitised copy to keep and a plain-text rendering to show and search.

`sanitise_html` keeps formatting tags and links (nh3: an allow-list sanitiser; scripts, styles, event
handlers and `javascript:` URLs are dropped; links open with rel="noopener noreferrer nofollow").
`html_to_text` renders the layout as text (inscriptis: block elements become lines, tables keep
their cells apart). Neither raises: broken markup gives what could be read.
"""

import re

import nh3
from inscriptis import get_text  # type: ignore[import-untyped]
from inscriptis.css_profiles import CSS_PROFILES  # type: ignore[import-untyped]
from inscriptis.model.config import ParserConfig  # type: ignore[import-untyped]

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "small",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Inline images arrive as cid: references to parts of the same mail; data: URIs are kept images.
_URL_SCHEMES = {"http", "https", "mailto", "cid", "data", "tel"}
_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=False)
_BLANK_RUNS = re.compile(r"\n[ \t]*(\n[ \t]*){2,}")


def sanitise_html(html: str) -> str:
    try:
        return nh3.clean(
            html,
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            url_schemes=_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
    except BaseException:  # nh3 is a Rust extension: a panic must not take the mail down with it
        return ""


def html_to_text(html: str) -> str:
    if not html.strip():
        return ""
    try:
        text = get_text(html, _CONFIG)
    except Exception:  # lxml refuses some documents outright; fall back to dropping the tags
        text = re.sub(r"<[^>]*>", " ", html)
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
