"""WeChat's safe mode: AES-256-CBC of `random(16) + len(xml) as 4-byte big-endian + xml + app_id`.

The key is the base64-decoded EncodingAESKey (32 bytes), the IV its first 16 bytes, and the padding
PKCS#7 to a multiple of 32 bytes (not AES's 16: WeChat's choice, which its servers check). The
ciphertext travels base64-encoded in the XML's `<Encrypt>` element.
"""

import binascii
import os
import struct
from base64 import b64decode, b64encode

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from omniline.kernel.errors import MalformedInput, Unauthenticated

PAD_BLOCK = 32
RANDOM_PREFIX = 16


def encrypt_message(xml: bytes, *, key: bytes, app_id: str, random_prefix: bytes | None = None) -> str:
    """The base64 ciphertext of `xml` for `app_id`; `random_prefix` is fixed only in tests."""
    prefix = os.urandom(RANDOM_PREFIX) if random_prefix is None else random_prefix
    if len(prefix) != RANDOM_PREFIX:
        raise ValueError("the random prefix must be 16 bytes")
    plain = prefix + struct.pack(">I", len(xml)) + xml + app_id.encode()
    padding = PAD_BLOCK - len(plain) % PAD_BLOCK
    encryptor = _cipher(key).encryptor()
    sealed = encryptor.update(plain + bytes([padding]) * padding) + encryptor.finalize()
    return b64encode(sealed).decode("ascii")


def decrypt_message(encrypted: str, *, key: bytes, app_id: str) -> bytes:
    """The XML inside `encrypted`. MalformedInput when it does not decrypt to WeChat's framing,
    Unauthenticated when it was sealed for another app id."""
    try:
        sealed = b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedInput("Encrypt is not base64", code="malformed_xml") from None
    if not sealed or len(sealed) % 16:
        raise MalformedInput("Encrypt is not a whole number of AES blocks", code="malformed_xml")
    decryptor = _cipher(key).decryptor()
    plain = decryptor.update(sealed) + decryptor.finalize()
    padding = plain[-1]
    if not 1 <= padding <= PAD_BLOCK or plain[-padding:] != bytes([padding]) * padding:
        raise MalformedInput("Encrypt does not decrypt with this channel's key", code="malformed_xml")
    body = plain[RANDOM_PREFIX:-padding]
    if len(body) < 4:
        raise MalformedInput("the decrypted message is too short", code="malformed_xml")
    (length,) = struct.unpack(">I", body[:4])
    if length > len(body) - 4:
        raise MalformedInput("the decrypted message length is wrong", code="malformed_xml")
    xml, sender = body[4 : 4 + length], body[4 + length :]
    if sender != app_id.encode():
        raise Unauthenticated("the message was encrypted for another app id", code="bad_signature")
    return xml


def _cipher(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))
