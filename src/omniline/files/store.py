"""A content-addressed file store on the local disk (a folder under `var/` by default).

Bytes are stored once per SHA-256; the content type is sniffed from the bytes (`filetype`), not
trusted from the sender, and falls back to the declared type only for formats without a signature
(plain text, CSV). Files above the size limit are refused.
"""

import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path

import filetype

from omniline.kernel.errors import PayloadTooLarge
from omniline.messages.normalized import Attachment

DEFAULT_MAX_FILE_BYTES = 25 * 1024 * 1024


class FileStore:
    def __init__(self, root: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.root = root
        self.max_file_bytes = max_file_bytes

    def save(self, data: bytes, *, filename: str, declared_type: str | None = None) -> Attachment:
        """Store `data` and describe it; PayloadTooLarge above the limit."""
        if len(data) > self.max_file_bytes:
            raise PayloadTooLarge(f"{filename!r} is larger than {self.max_file_bytes} bytes")
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest[2:4]}/{digest}"
        path = self.root / key
        try:
            os.utime(path)  # stored already: renewed, so the sweep (files/sweep.py) sees it as young
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a reader never sees half a file.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
                temporary.write(data)
            os.replace(temporary.name, path)
        return Attachment(
            filename=_safe_name(filename),
            content_type=sniff_content_type(data, filename=filename, declared=declared_type),
            size=len(data),
            storage_key=key,
        )

    def open(self, storage_key: str) -> bytes:
        path = (self.root / storage_key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("storage key escapes the file store")
        return path.read_bytes()


def sniff_content_type(data: bytes, *, filename: str, declared: str | None) -> str:
    kind = filetype.guess(data)
    if kind is not None:
        return str(kind.mime)
    guessed = mimetypes.guess_type(filename)[0]
    if declared and declared.startswith("text/"):
        return declared
    if guessed and guessed.startswith("text/"):
        return guessed
    return "application/octet-stream"


def _safe_name(filename: str) -> str:
    """The name without folders or control characters; something when nothing is left."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:255] or "attachment"
