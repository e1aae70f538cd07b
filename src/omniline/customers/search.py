"""What a search box's text means (pure): an identity, or part of a name or an address.

`email:Anna@Example.com`, `phone:8 916 123-45-67` and other `KIND:ADDRESS` texts, and bare e-mail
addresses and phone numbers, are normalised and looked up exactly. Anything else matches names and
addresses by substring, ignoring case.
"""

import re
from dataclasses import dataclass

from omniline.customers.identities import IDENTITY_KINDS, IdentityClaim, normalise_address
from omniline.kernel.errors import InvalidInput

MAX_QUERY = 200
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{5,}$")


@dataclass(frozen=True, slots=True)
class SearchTerms:
    exact: IdentityClaim | None  # an identity the text names exactly
    fragments: tuple[str, ...]  # case spellings of the text, for substring matches on names and addresses


def parse_search(text: str, *, region: str) -> SearchTerms:
    """InvalidInput for text longer than MAX_QUERY; an empty text searches for nothing."""
    text = " ".join(text.split())
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"search for at most {MAX_QUERY} characters")
    if not text:
        return SearchTerms(None, ())
    kind, separator, address = text.partition(":")
    if separator and kind.strip().lower() in IDENTITY_KINDS:
        fragment = address.strip()  # "phone:916…": the address part, whatever its kind
    elif _PHONE_LIKE.match(text):
        fragment = re.sub(r"\D", "", text)  # stored phones are digits after a "+"
    else:
        fragment = text
    return SearchTerms(_exact_identity(text, region), case_spellings(fragment) if fragment else ())


def case_spellings(text: str) -> tuple[str, ...]:
    """The text as typed and in the usual case forms. SQLite's LIKE and lower() fold only ASCII, and
    PostgreSQL's fold by the database's locale, so "анна" would not find "Анна" with either alone;
    matching these few spellings finds names as people write them, on both databases."""
    forms = (text, text.lower(), text.upper(), text.title(), text.capitalize())
    return tuple(dict.fromkeys(forms))


def _exact_identity(text: str, region: str) -> IdentityClaim | None:
    kind, separator, address = text.partition(":")
    try:
        if separator and kind.strip().lower() in IDENTITY_KINDS:
            kind = kind.strip().lower()
        elif "@" in text and " " not in text:
            kind, address = "email", text
        elif _PHONE_LIKE.match(text):
            kind, address = "phone", text
        else:
            return None
        return IdentityClaim(kind, normalise_address(kind, address, region=region))
    except InvalidInput:
        return None  # not a valid address after all: still worth a substring search
