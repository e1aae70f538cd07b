"""HMAC-SHA256 body signatures (`X-Omniline-Signature: sha256=<hex>`)."""

import pytest

from omniline.channels.signing import SIGNATURE_HEADER, new_channel_secret, sign_body, signature_matches

SECRET = "s3cr3t"
BODY = '{"text":"Привет, 你好"}'.encode()


def test_header_name() -> None:
    assert SIGNATURE_HEADER == "X-Omniline-Signature"


def test_sign_body_matches_the_well_known_example_vector() -> None:
    # The well-known HMAC-SHA256 example: key "key", "The quick brown fox jumps over the lazy dog".
    assert (
        sign_body("key", b"The quick brown fox jumps over the lazy dog")
        == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


@pytest.mark.parametrize(
    ("secret", "body", "expected"),
    [
        (
            SECRET,
            b'{"text":"hello"}',
            "sha256=c3e49c78b9af89e0aa76f0df6e1560ff4741af7a8fe3167a9ebe1278d82794ed",
        ),
        (SECRET, BODY, "sha256=26c92e7c279427935adbeed7e1ac2b5b1226119a0ceaf1e1895cc64db5107b56"),
        ("секрет-密钥", b"", "sha256=3ec2e5f7f761595293edec4ed26908c2de416bdbbfba286ec4515a315e696536"),
    ],
)
def test_sign_body_exact_values(secret: str, body: bytes, expected: str) -> None:
    assert sign_body(secret, body) == expected


def test_the_right_signature_matches() -> None:
    assert signature_matches(SECRET, BODY, sign_body(SECRET, BODY)) is True


def test_surrounding_whitespace_in_the_header_is_tolerated() -> None:
    assert signature_matches(SECRET, BODY, f"  {sign_body(SECRET, BODY)} ") is True


def test_a_signature_made_with_another_secret_does_not_match() -> None:
    assert signature_matches(SECRET, BODY, sign_body("другой-секрет", BODY)) is False


def test_a_tampered_body_does_not_match() -> None:
    header = sign_body(SECRET, BODY)
    tampered = '{"text":"Привет, 你好!"}'.encode()

    assert signature_matches(SECRET, tampered, header) is False


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_missing_header_never_matches(header: str | None) -> None:
    assert signature_matches(SECRET, BODY, header) is False


def test_a_header_without_the_sha256_prefix_does_not_match() -> None:
    bare_hex = sign_body(SECRET, BODY).removeprefix("sha256=")

    assert signature_matches(SECRET, BODY, bare_hex) is False


@pytest.mark.parametrize(
    "header",
    [
        "sha1=" + "0" * 40,
        "sha256=",
        "sha256=not-hex-at-all",
        "SHA256=26c92e7c279427935adbeed7e1ac2b5b1226119a0ceaf1e1895cc64db5107b56",
        "sha256=26c92e7c279427935adbeed7e1ac2b5b1226119a0ceaf1e1895cc64db5107b5",  # one digit short
    ],
)
def test_malformed_headers_do_not_match(header: str) -> None:
    assert signature_matches(SECRET, BODY, header) is False


def test_new_channel_secrets_are_long_and_distinct() -> None:
    secrets = {new_channel_secret() for _ in range(100)}

    assert len(secrets) == 100
    assert all(len(secret) >= 43 for secret in secrets)  # 32 random bytes, URL-safe base64
