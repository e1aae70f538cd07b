"""Provider credentials sealed at rest: the bot tokens, auth tokens, app secrets and mailbox passwords
in a channel's config are stored encrypted, so that a copy of the database (a backup, a replica, a
support engineer's dump) does not hand out the company's accounts with its providers.

A config value is a credential when its name says so (`SECRET_CONFIG_WORDS`, at any depth: the
same test that masks them in API answers). It is stored as `sealed:v1:<Fernet token>`: AES-128-CBC
and HMAC-SHA256 (the `cryptography` package's Fernet) under a key derived from OMNILINE_SECRET_KEY
with HKDF-SHA256. Values written before sealing existed are read as they are and sealed on the
channel's next write.

Changing OMNILINE_SECRET_KEY: put the old key in OMNILINE_PREVIOUS_SECRET_KEYS (a JSON list). What
an earlier key sealed still opens, and is sealed again with the new key when the channel is next
written. A credential no key opens is an error that names the way out, not a silent failure.

A channel's own signing secret (`Channel.secret`, the HMAC key of its hooks) is sealed the same way,
whole (`SealedString`).

The key lives in the process (`use_sealer`, called by bootstrap) because the column types that seal
and open are shared by every session of the process.
"""

import base64
import threading
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Dialect, String, TypeDecorator

from omniline.db.base import PortableJSON

SEALED_PREFIX = "sealed:v1:"
# Config values people should not read back, nor find in a copy of the database.
SECRET_CONFIG_WORDS = ("secret", "token", "password", "key", "auth")
_HKDF_INFO = b"omniline channel credentials v1"


class SealBroken(RuntimeError):
    """A sealed credential that no configured key opens (the secret key was changed): the server's
    configuration is wrong, not the client's request."""


def is_credential(name: str) -> bool:
    return any(word in name.lower() for word in SECRET_CONFIG_WORDS)


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class Sealer:
    """Seals with `secret_key`; opens what it or any of `previous_keys` sealed."""

    def __init__(self, secret_key: str, previous_keys: Sequence[str] = ()) -> None:
        self._current = _fernet(secret_key)
        self._any = MultiFernet([self._current, *(_fernet(key) for key in previous_keys)])

    def seal(self, value: str) -> str:
        """`value` sealed with the current key; a value an earlier key sealed is opened first."""
        return SEALED_PREFIX + self._current.encrypt(self.open(value).encode()).decode()

    def open(self, stored: str) -> str:
        """The credential `stored` holds: opened when sealed, as it is otherwise (written before)."""
        if not stored.startswith(SEALED_PREFIX):
            return stored
        try:
            return self._any.decrypt(stored[len(SEALED_PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SealBroken(
                "a channel credential cannot be opened with OMNILINE_SECRET_KEY: if the key was "
                "changed, list the old one in OMNILINE_PREVIOUS_SECRET_KEYS"
            ) from None

    def seal_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """`config` with every credential sealed (at any depth); other values as they are."""
        return {name: self._sealed(name, value) for name, value in config.items()}

    def open_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return {name: self._opened(value) for name, value in config.items()}

    def _sealed(self, name: str, value: Any) -> Any:
        if isinstance(value, dict):
            return self.seal_config(value)
        if isinstance(value, str) and value and is_credential(name):
            return self.seal(value)
        return value

    def _opened(self, value: Any) -> Any:
        if isinstance(value, dict):
            return self.open_config(value)
        if isinstance(value, str):
            return self.open(value)
        return value


_lock = threading.Lock()
_sealer: Sealer | None = None


def use_sealer(sealer: Sealer) -> None:
    """The process's sealer (bootstrap sets it from the settings)."""
    global _sealer
    with _lock:
        _sealer = sealer


def process_sealer() -> Sealer:
    """The sealer `use_sealer` set (bootstrap does); RuntimeError when none was."""
    sealer = _sealer
    if sealer is None:
        raise RuntimeError("channel credentials need the secret key: bootstrap() sets it")
    return sealer


class SealedString(TypeDecorator[str]):
    """A credential kept whole in its own column (a channel's signing secret): sealed in the database,
    open in Python. A sealed 43-character secret takes about 150 characters."""

    impl = String(300)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else process_sealer().seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else process_sealer().open(value)


class SealedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object whose credentials are sealed in the database and open in Python."""

    impl = PortableJSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else process_sealer().seal_config(value)

    def process_result_value(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else process_sealer().open_config(value)
