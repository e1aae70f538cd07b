"""Safe mode's AES and signatures, checked against WeChat's own published vectors and round trips."""

import base64

import pytest

from omniline.channels.wechat.config import decode_aes_key
from omniline.channels.wechat.crypto import decrypt_message, encrypt_message
from omniline.channels.wechat.parsing import parse_fields
from omniline.channels.wechat.signature import signature_matches, wechat_signature
from omniline.kernel.errors import MalformedInput, Unauthenticated
from tests.channels.wechat.support import APP_ID, ENCODING_AES_KEY, fixture

SDK_KEY = decode_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")


def test_encryption_matches_the_official_sdk_vector() -> None:
    # given the inputs of the test shipped with WeChat's Java SDK sample, random prefix fixed
    sealed = encrypt_message(
        "我是中文abcd123".encode(),
        key=SDK_KEY,
        app_id="wxb11529c136998cb6",
        random_prefix=b"aaaabbbbccccdddd",
    )

    # then the ciphertext is byte for byte the published one
    assert (
        sealed == "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    )


def test_the_official_sdk_sample_message_verifies_and_decrypts() -> None:
    # given WeChat's published safe-mode sample and its query
    encrypted = parse_fields(fixture("safe_mode_sdk_sample.xml"))["Encrypt"]

    # then its msg_signature is sha1 of the sorted token, timestamp, nonce and Encrypt
    assert wechat_signature("spamtest", "1409735669", "1320562132", encrypted) == (
        "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    )
    # and it decrypts to the follower's message, sealed for the sample's app id
    xml = decrypt_message(encrypted, key=SDK_KEY, app_id="wx2c2769f8efd9abc2")
    assert parse_fields(xml) == {
        "ToUserName": "gh_10f6c3c3ac5a",
        "FromUserName": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "CreateTime": "1409735668",
        "MsgType": "text",
        "Content": "abcdteT",
        "MsgId": "6054768590064713728",
    }


@pytest.mark.parametrize("size", [0, 1, 11, 12, 13, 44, 1000])
def test_round_trip_pads_to_a_multiple_of_32_bytes(size: int) -> None:
    key = decode_aes_key(ENCODING_AES_KEY)
    xml = ("<xml>" + "微" * size + "</xml>").encode()

    sealed = encrypt_message(xml, key=key, app_id=APP_ID)

    raw = base64.b64decode(sealed)
    plain_length = 16 + 4 + len(xml) + len(APP_ID)
    assert len(raw) % 32 == 0
    assert len(raw) == plain_length + (32 - plain_length % 32)  # a full block of padding when aligned
    assert decrypt_message(sealed, key=key, app_id=APP_ID) == xml


def test_a_message_sealed_for_another_app_id_is_refused() -> None:
    key = decode_aes_key(ENCODING_AES_KEY)
    sealed = encrypt_message(b"<xml/>", key=key, app_id="wx0000000000000000")

    with pytest.raises(Unauthenticated):
        decrypt_message(sealed, key=key, app_id=APP_ID)


@pytest.mark.parametrize(
    "encrypted",
    [
        "not base64 at all!",
        base64.b64encode(b"short").decode(),
        encrypt_message(b"<xml/>", key=SDK_KEY, app_id=APP_ID),  # another key: garbage padding
    ],
    ids=["not base64", "not whole blocks", "wrong key"],
)
def test_what_does_not_decrypt_is_malformed(encrypted: str) -> None:
    with pytest.raises(MalformedInput):
        decrypt_message(encrypted, key=decode_aes_key(ENCODING_AES_KEY), app_id=APP_ID)


def test_signature_comparison_refuses_missing_and_wrong_values() -> None:
    right = wechat_signature("token", "1", "2")
    assert signature_matches(right, "token", "1", "2")
    assert signature_matches(right.upper(), "2", "token", "1")  # order and hex case do not matter
    assert not signature_matches(None, "token", "1", "2")
    assert not signature_matches("", "token", "1", "2")
    assert not signature_matches(right, "token", "1", "3")
    assert not signature_matches("签名", "token", "1", "2")
