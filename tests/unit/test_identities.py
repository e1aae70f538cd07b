"""Identity normalisation: one spelling per address, in English, Russian and Chinese."""

import pytest

from omniline.customers.identities import (
    IDENTITY_KINDS,
    MAX_ADDRESS_LENGTH,
    IdentityClaim,
    normalise_email,
    normalise_phone,
    parse_identity,
)
from omniline.kernel.errors import InvalidInput

# --- phones -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("8 (916) 123-45-67", "RU", "+79161234567"),
        ("89161234567", "RU", "+79161234567"),
        ("+7 916 123 45 67", "RU", "+79161234567"),
        ("8-800-555-35-35", "RU", "+78005553535"),
        ("+86 138 0013 8000", "CN", "+8613800138000"),
        ("138 0013 8000", "CN", "+8613800138000"),
        ("(212) 555-0100", "US", "+12125550100"),
        # An international number ignores the default region.
        ("+1 212-555-0100", "RU", "+12125550100"),
        ("+86 138 0013 8000", "US", "+8613800138000"),
        ("+7 916 123 45 67", "CN", "+79161234567"),
        # The region code is case-insensitive.
        ("8 (916) 123-45-67", "ru", "+79161234567"),
    ],
)
def test_normalise_phone_gives_e164(raw: str, region: str, expected: str) -> None:
    assert normalise_phone(raw, region=region) == expected


def test_the_same_phone_written_differently_normalises_to_one_spelling() -> None:
    spellings = ["8 (916) 123-45-67", "+7 916 123-45-67", "89161234567", "+7(916)1234567"]

    assert {normalise_phone(raw, region="RU") for raw in spellings} == {"+79161234567"}


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("", "RU"),
        ("abc", "US"),
        ("12", "RU"),
        ("телефон", "RU"),
        ("电话号码", "CN"),
        ("not a number at all", "US"),
    ],
)
def test_normalise_phone_refuses_garbage(raw: str, region: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(raw, region=region)


# --- e-mail -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ivan.Petrov@Example.COM", "ivan.petrov@example.com"),
        ("  anna@example.com  ", "anna@example.com"),
        ("anna@example.com.", "anna@example.com"),
        # Russian local part and a Cyrillic domain (.рф); the local part keeps its letters, lower-cased.
        ("Анна@Почта.РФ", "анна@xn--80a1acny.xn--p1ai"),
        ("иван@пример.рф", "иван@xn--e1afmkfd.xn--p1ai"),
        # Chinese domains.
        ("user@例子.中国", "user@xn--fsqu00a.xn--fiqs8s"),
        ("Li.Wei@例子.公司", "li.wei@xn--fsqu00a.xn--55qx5d"),
        ("王伟@例子.中国", "王伟@xn--fsqu00a.xn--fiqs8s"),
    ],
)
def test_normalise_email_lower_cases_and_idna_encodes_the_domain(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


def test_normalise_email_is_idempotent() -> None:
    once = normalise_email("Анна@Почта.РФ")

    assert normalise_email(once) == once


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "no-at-sign",
        "@example.com",
        "anna@",
        "an na@example.com",
        "anna@exa mple.com",
        "anna@ex..com",
        "anna@-bad.com",
        "анна@почта..рф",
        "a@" + "b" * 70 + ".com",  # a DNS label is at most 63 characters
    ],
)
def test_normalise_email_refuses_non_addresses(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_email(raw)


# --- parse_identity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("phone:8 (916) 123-45-67", IdentityClaim("phone", "+79161234567")),
        ("phone:+86 138 0013 8000", IdentityClaim("phone", "+8613800138000")),
        ("email:Ivan.Petrov@Example.COM", IdentityClaim("email", "ivan.petrov@example.com")),
        (" Email : Анна@Почта.РФ ", IdentityClaim("email", "анна@xn--80a1acny.xn--p1ai")),
        ("EMAIL:user@例子.中国", IdentityClaim("email", "user@xn--fsqu00a.xn--fiqs8s")),
        # Channel user ids are kept as given, only trimmed: case and inner punctuation survive.
        ("telegram:  123456789  ", IdentityClaim("telegram", "123456789")),
        ("app: User-42 ", IdentityClaim("app", "User-42")),
        ("wechat: wxid_AbC ", IdentityClaim("wechat", "wxid_AbC")),
        ("app:Клиент-7", IdentityClaim("app", "Клиент-7")),
        ("app:用户-7", IdentityClaim("app", "用户-7")),
        # Only the first colon separates the kind.
        ("app:tenant:42", IdentityClaim("app", "tenant:42")),
    ],
)
def test_parse_identity(text: str, expected: IdentityClaim) -> None:
    assert parse_identity(text, region="RU") == expected


def test_parse_identity_uses_the_region_for_national_phones() -> None:
    # Given a Chinese national mobile number, when parsed with region CN, then it gets +86.
    assert parse_identity("phone:138 0013 8000", region="CN") == IdentityClaim("phone", "+8613800138000")


def test_parse_identity_carries_verified_flag() -> None:
    claim = parse_identity("app:42", region="RU", verified=False)

    assert claim == IdentityClaim("app", "42", verified=False)
    assert parse_identity("app:42", region="RU").verified is True


def test_claim_key_is_kind_colon_address() -> None:
    assert parse_identity("phone:8 (916) 123-45-67", region="RU").key == "phone:+79161234567"
    assert IdentityClaim("email", "анна@xn--80a1acny.xn--p1ai").key == "email:анна@xn--80a1acny.xn--p1ai"


@pytest.mark.parametrize(
    "text",
    [
        "",  # empty
        "anna@example.com",  # missing colon
        "89161234567",  # missing colon
        "fax:123",  # unknown kind
        "почта:анна@почта.рф",  # unknown kind (Russian)
        "电话:13800138000",  # unknown kind (Chinese)
        ":",  # empty kind
        ":anna@example.com",  # empty kind
        "email:",  # empty address
        "phone:   ",  # blank address
        "phone:garbage",  # kind-specific validation
        "email:not-an-address",  # kind-specific validation
    ],
)
def test_parse_identity_refuses_bad_text(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_identity(text, region="RU")


def test_every_known_kind_parses() -> None:
    samples = {"email": "a@example.com", "phone": "+79161234567"}
    for kind in sorted(IDENTITY_KINDS):
        claim = parse_identity(f"{kind}:{samples.get(kind, 'id-1')}", region="RU")
        assert claim.kind == kind


def test_address_length_limit() -> None:
    # Given an address exactly at the limit, it is accepted; one character more is refused.
    at_limit = "x" * MAX_ADDRESS_LENGTH

    assert parse_identity(f"app:{at_limit}", region="RU").address == at_limit
    with pytest.raises(InvalidInput):
        parse_identity(f"app:{at_limit}x", region="RU")
