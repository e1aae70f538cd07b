"""X-Twilio-Signature, computed as Twilio computes it."""

import pytest

from omniline.channels.sms.signature import compute_twilio_signature, twilio_signature_matches, url_spellings

# The example in twilio-python's request-validator tests.
EXAMPLE_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
EXAMPLE_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+12349013030"),
    ("Digits", "1234"),
    ("From", "+12349013030"),
    ("To", "+18005551212"),
]
EXAMPLE_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilios_published_example_signature_is_reproduced() -> None:
    assert compute_twilio_signature("12345", EXAMPLE_URL, EXAMPLE_PARAMS) == EXAMPLE_SIGNATURE
    assert twilio_signature_matches("12345", EXAMPLE_URL, EXAMPLE_PARAMS, EXAMPLE_SIGNATURE)


def test_parameter_order_does_not_matter_but_every_value_does() -> None:
    shuffled = list(reversed(EXAMPLE_PARAMS))
    assert twilio_signature_matches("12345", EXAMPLE_URL, shuffled, EXAMPLE_SIGNATURE)
    changed = [*EXAMPLE_PARAMS[:-1], ("To", "+18005551213")]
    assert not twilio_signature_matches("12345", EXAMPLE_URL, changed, EXAMPLE_SIGNATURE)
    assert not twilio_signature_matches(
        "12345", EXAMPLE_URL, [*EXAMPLE_PARAMS, ("Body", "")], EXAMPLE_SIGNATURE
    )


def test_names_are_sorted_case_sensitively_and_values_are_utf8() -> None:
    # "B" sorts before "a" (Unix byte order); Cyrillic values are hashed as UTF-8.
    signature = compute_twilio_signature("t", "https://x.test/h", [("a", "Привет"), ("B", "你好")])
    assert signature == compute_twilio_signature("t", "https://x.test/hB你好aПривет", [])


@pytest.mark.parametrize(
    "header",
    [None, "", EXAMPLE_SIGNATURE[:-1], EXAMPLE_SIGNATURE.lower(), "sha256=" + EXAMPLE_SIGNATURE],
)
def test_missing_or_wrong_headers_never_match(header: str | None) -> None:
    assert not twilio_signature_matches("12345", EXAMPLE_URL, EXAMPLE_PARAMS, header)


def test_another_token_or_url_does_not_match() -> None:
    assert not twilio_signature_matches("54321", EXAMPLE_URL, EXAMPLE_PARAMS, EXAMPLE_SIGNATURE)
    other_url = EXAMPLE_URL.replace("https:", "http:")
    assert not twilio_signature_matches("12345", other_url, EXAMPLE_PARAMS, EXAMPLE_SIGNATURE)


def test_the_default_port_may_or_may_not_be_in_the_signed_url() -> None:
    with_port = compute_twilio_signature(
        "12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", EXAMPLE_PARAMS
    )
    assert twilio_signature_matches("12345", EXAMPLE_URL, EXAMPLE_PARAMS, with_port)
    assert twilio_signature_matches(
        "12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", EXAMPLE_PARAMS, EXAMPLE_SIGNATURE
    )


def test_url_spellings() -> None:
    assert url_spellings("https://a.test/h?x=1") == ["https://a.test/h?x=1", "https://a.test:443/h?x=1"]
    assert url_spellings("http://a.test:80/h") == ["http://a.test:80/h", "http://a.test/h"]
    assert url_spellings("http://127.0.0.1:8000/h") == ["http://127.0.0.1:8000/h"]
