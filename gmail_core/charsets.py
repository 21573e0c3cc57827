"""Turn the bytes and header values Gmail hands us into text, without ever raising.

Hand written on purpose: no maintained library knows Gmail's quirk of re-encoding a text
part to UTF-8 while its ``charset=`` parameter still names the original legacy charset.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

# Labels seen in real mail mapped to the codec that actually decodes what senders put under
# them (WHATWG Encoding Standard choices: supersets win, Latin-1 means windows-1252).
_ALIASES: dict[str, str] = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "windows-949": "cp949",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "windows-936": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}

# Python codecs that are not charsets: they reinterpret backslashes, punycode, etc.
_NOT_CHARSETS = frozenset(
    {"unicode_escape", "raw_unicode_escape", "punycode", "idna", "undefined", "unicode_internal"}
)

# Charsets whose pure-ASCII bytes are not ASCII text (escape sequences, wide units).
_WIDE = ("utf-16", "utf-32")


def codec_for(label: str | None) -> str | None:
    """Python codec name for a MIME charset label, or None if unknown or not a charset."""
    if not label:
        return None
    name = label.strip().strip("\"'").strip().lower()
    if not name:
        return None
    name = _ALIASES.get(name, name)
    candidates = [name]
    if name.startswith("x-"):  # x-mac-cyrillic, x-gbk, x-sjis ...
        candidates.append(_ALIASES.get(name[2:], name[2:]))
    for candidate in candidates:
        try:
            info = codecs.lookup(candidate)
        except (LookupError, ValueError):  # ValueError: a label with a NUL in it
            continue
        if info.name.replace("-", "_") in _NOT_CHARSETS or not getattr(
            info, "_is_text_encoding", True
        ):
            return None
        return info.name
    return None


def _try_decode(data: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError, ValueError):
        return None


def decode_text(data: bytes, declared_charset: str | None) -> str:
    """Decode a text part's bytes; see facts-google.md "Charsets" for why this order."""
    codec = codec_for(declared_charset)
    if codec is not None and codec.startswith(_WIDE) and b"\x00" not in data:
        # Genuine UTF-16/32 always has NUL bytes; Gmail's UTF-8 re-encoding never does.
        codec = None
    if data.isascii():
        # ISO-2022-JP, UTF-7, HZ are 7-bit: only the declared charset reads their escapes.
        return _try_decode(data, codec) or data.decode("ascii")
    text = _try_decode(data, "utf-8-sig")
    if text is None:
        text = _try_decode(data, codec)
    if text is None:
        # Unknown or lying label: windows-1252 maps nearly every byte to something readable.
        text = data.decode(codec or "cp1252", errors="replace")
    return text


# RFC 2047 encoded-word. The encoded text can hold neither "?" nor whitespace, so this
# pattern is linear and cannot run across two words.
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_STRAY_BREAKS = re.compile(r"[\r\n]+")


def _decode_word_bytes(encoding: str, encoded: str) -> bytes | None:
    raw = encoded.encode("utf-8")
    if encoding in "bB":
        raw += b"=" * (-len(raw) % 4)
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            return None
    return _Q_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"_", b" "))


def unfold(value: str) -> str:
    """RFC 5322 unfolding: a line break followed by whitespace is not part of the value."""
    if "\n" not in value and "\r" not in value:
        return value  # most values: two regex passes cost more than these two scans
    return _STRAY_BREAKS.sub(" ", _FOLD.sub("", value))


# RFC 2047 words decoded per header value. A Subject or a To of a few hundred recipients
# holds far fewer; each word may cost a codec lookup, so hostile values stop here.
MAX_ENCODED_WORDS = 2_000


def decode_header_value(value: str) -> str:
    """Decode RFC 2047 encoded-words defensively; plain or already-decoded text is unchanged.

    Not ``email.header.decode_header``: it raises on a bad word, and it cannot apply
    ``decode_text``'s rule to words Gmail re-encoded. Malformed words are kept as written.
    A value with more than ``MAX_ENCODED_WORDS`` words is cut there and ends with "[…]".
    """
    text, cut = decode_header_words(value)
    return f"{text} […]" if cut else text


def decode_header_words(value: str, max_words: int = MAX_ENCODED_WORDS) -> tuple[str, bool]:
    """``decode_header_value`` and whether the value was cut after ``max_words`` words."""
    if not isinstance(value, str):
        return "", False
    value = unfold(value)
    if "=?" not in value:
        return value, False
    out: list[str] = []
    # Bytes of adjacent words in one charset (a character may span two words); a list, not
    # bytes +=, which would copy the run once per word.
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset is not None:
            out.append(decode_text(b"".join(pending), pending_charset))
        pending.clear()
        pending_charset = None

    for count, match in enumerate(_ENCODED_WORD.finditer(value)):
        if count >= max_words:
            flush()
            return "".join(out), True
        between = value[position : match.start()]
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 adds "*language"
        decoded = _decode_word_bytes(match.group(2), match.group(3))
        if decoded is None:
            flush()
            out.append(between + match.group(0))
        else:
            # Whitespace between two encoded-words is folding, not content (RFC 2047 §6.2).
            if between and not (between.isspace() and pending_charset is not None):
                flush()
                out.append(between)
            if pending_charset is not None and pending_charset.lower() != charset.lower():
                flush()
            pending.append(decoded)
            pending_charset = charset
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out), False
