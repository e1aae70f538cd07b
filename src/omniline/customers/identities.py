"""Identity normalisation (pure): one spelling per address, so the same person is found again.

An identity is written `KIND:ADDRESS`. Phones become E.164 (`phonenumbers`, with the tenant's default
region for national numbers), e-mail addresses are lower-cased with an IDNA (punycode) domain, and
channel user ids are kept as given (trimmed).
"""

from dataclasses import dataclass
from functools import lru_cache

import idna
import phonenumbers

from omniline.kernel.errors import InvalidInput

IDENTITY_KINDS = frozenset(
    {"email", "phone", "app", "telegram", "wechat", "webchat", "social", "document", "visitor"}
)
MAX_ADDRESS_LENGTH = 320


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """An identity a message says its sender has. `verified` claims may link and merge customers."""

    kind: str
    address: str
    verified: bool = True

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.address}"


def parse_identity(text: str, *, region: str, verified: bool = True) -> IdentityClaim:
    """`"phone:8 (916) 123-45-67"` → `IdentityClaim("phone", "+79161234567")`; InvalidInput if bad."""
    kind, separator, address = text.partition(":")
    if not separator:
        raise InvalidInput(f"identity {text!r} must look like KIND:ADDRESS, e.g. email:anna@example.com")
    return IdentityClaim(kind.strip().lower(), normalise_address(kind, address, region=region), verified)


@lru_cache(maxsize=65536)  # pure, and returning customers write from the same addresses again and again
def normalise_address(kind: str, address: str, *, region: str) -> str:
    kind = kind.strip().lower()
    if kind not in IDENTITY_KINDS:
        raise InvalidInput(
            f"unknown identity kind {kind!r}; known kinds: {', '.join(sorted(IDENTITY_KINDS))}"
        )
    address = address.strip()
    if not address:
        raise InvalidInput(f"the {kind} identity is empty")
    if kind == "phone":
        address = normalise_phone(address, region=region)
    elif kind == "email":
        address = normalise_email(address)
    if len(address) > MAX_ADDRESS_LENGTH:
        raise InvalidInput(f"the {kind} identity is longer than {MAX_ADDRESS_LENGTH} characters")
    return address


def normalise_phone(raw: str, *, region: str) -> str:
    """E.164 for a phone number written in any common way; national numbers take `region`."""
    try:
        number = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException as error:
        raise InvalidInput(f"{raw!r} is not a phone number: {error}") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"{raw!r} is not a possible phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_email(raw: str) -> str:
    """Lower-case, with the domain in IDNA form: `Анна@Почта.РФ` → `анна@xn--80a1acny.xn--p1ai`."""
    local, at, domain = raw.strip().rpartition("@")
    if not at or not local or not domain or " " in raw.strip():
        raise InvalidInput(f"{raw!r} is not an e-mail address")
    try:
        ascii_domain = idna.encode(domain.lower().rstrip("."), uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise InvalidInput(f"{raw!r} has an invalid domain: {error}") from None
    return f"{local.lower()}@{ascii_domain}"
