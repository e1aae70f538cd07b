"""Bytes → text for whatever charset a mail declares, including the ones mail clients mislabel.

Contract: `decode_bytes` never raises. It tries the declared charset (through the alias table: a
"gb2312" label is decoded as its superset gb18030, as every real client does), then UTF-8, then
windows-1252; the last resort replaces undecodable bytes.
"""

import codecs
import email.header
import re

# Labels seen in real mail → the Python codec that reads what senders actually put under them.
_ALIASES = {
    "gb2312": "gb18030",
    "iso-gb2312": "gb18030",
    "x-gbk": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "utf8": "utf-8",
    "us-ascii": "utf-8",  # 8-bit bytes under an ascii label are nearly always UTF-8 in practice
    "ascii": "utf-8",
    "iso-8859-1": "windows-1252",  # the superset: 0x80-0x9f are curly quotes, not control codes
    "latin1": "windows-1252",
    "x-user-defined": "windows-1252",
    "koi8r": "koi8-r",
    "win-1251": "windows-1251",
    "cp-1251": "windows-1251",
}
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?]*\?=")  # spaces inside: invalid but common


def codec_for(charset: str | None) -> str | None:
    """The Python codec name for a declared charset, or None when it is unknown or absent."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix
    name = _ALIASES.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# When bytes do not fit their label, the sender's client most likely used this relative instead.
_RELATIVES = {
    "iso2022_jp_ext": ["cp932", "euc_jp"],
    "cp932": ["euc_jp"],
    "gb18030": ["big5hkscs"],
    "big5hkscs": ["gb18030"],
}


_SINGLE_BYTE_LATIN = {"cp1252", "iso8859-15", "cp1250", "iso8859-2", "utf-8"}


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    codec = codec_for(charset)
    candidates = [codec, *_RELATIVES.get(codec, [])] if codec else []
    if codec in _SINGLE_BYTE_LATIN or codec is None:
        # Valid UTF-8 with 8-bit bytes is almost never really Latin-1: it is mislabelled UTF-8.
        candidates.insert(0, "utf-8")
    candidates += ["utf-8", "windows-1252"]
    if b"\x1b$" in data:  # ISO-2022-JP, perhaps with Microsoft's extra characters (①, ㈱)
        candidates.insert(0 if codec is None or codec.startswith("iso2022") else 1, "iso2022-ms")
    for name in candidates:
        try:
            if name == "iso2022-ms":
                return _decode_iso2022_jp_ms(data)
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(codec or "utf-8", errors="replace")


def _decode_iso2022_jp_ms(data: bytes) -> str:
    """ISO-2022-JP as Windows writes it (CP50220): NEC row 13 (①, ㈱) lies outside JIS X 0208 but
    inside JIS X 0213, so the JIS X 0208 escapes are read as JIS X 0213 ones."""
    return data.replace(b"\x1b$B", b"\x1b$(Q").replace(b"\x1b$@", b"\x1b$(Q").decode("iso2022_jp_2004")


def decode_raw_header(value: str, fallback_charset: str | None = None) -> str:
    """A header as the parser stored it (8-bit bytes surrogate-escaped) with RFC 2047 words resolved."""
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = decode_bytes(value.encode("ascii", "surrogateescape"), fallback_charset)
    value = re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", "")
    if "=?" not in value or not _ENCODED_WORD.search(value):
        return value.strip()
    try:
        chunks = email.header.decode_header(value)
    except (ValueError, AssertionError, LookupError):
        return value.strip()
    parts: list[str] = []
    for chunk, chunk_charset in chunks:
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, chunk_charset))
        else:
            parts.append(chunk)
    return "".join(parts).strip()
