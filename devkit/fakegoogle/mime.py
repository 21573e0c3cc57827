"""RFC 822 parsing: Gmail payload trees, snippets, search fields, multipart splitting."""

from __future__ import annotations

import base64
import codecs
import email
import email.errors
import email.header
import email.message
import email.policy
import email.utils
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from typing import Any

CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "gb2312": "gbk",
    "x-sjis": "shift_jis",
    "unicode-1-1-utf-7": "utf-7",
}
SNIPPET_CHARS = 100

_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_RAW_TEXT_RE = re.compile(r"<(script|style)\b", re.I)
_WS_RE = re.compile(r"\s+")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64decode_any(text: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not (proto3 JSON bytes rules)."""
    cleaned = re.sub(r"\s+", "", text).replace("-", "+").replace("_", "/")
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", cleaned):
        raise ValueError("not base64")
    cleaned = cleaned.rstrip("=")
    if len(cleaned) % 4 == 1:
        raise ValueError("bad base64 length")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


def codec_for(charset: str | None) -> str:
    name = (charset or "us-ascii").strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "latin-1"


def decode_text(data: bytes, charset: str | None) -> str:
    return data.decode(codec_for(charset), errors="replace")


def raw_header_value(value: str) -> str:
    """Unfold a compat32 header value and restore raw 8-bit bytes as UTF-8 text."""
    value = _FOLD_RE.sub("", value)
    try:
        raw = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return raw.decode("utf-8", errors="replace")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (no-op on plain text)."""
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return value


def html_to_text(markup: str) -> str:
    """Tags and script/style blocks become spaces. With find() rather than one regex: the
    regex rescans to the end of the text for every unclosed "<" (hostile mail has many)."""
    out: list[str] = []
    position = 0
    lower = markup.lower()
    unclosed: set[str] = set()  # raw-text elements with no closing tag left: never search again
    while (start := markup.find("<", position)) >= 0:
        raw = _RAW_TEXT_RE.match(markup, start)
        close = -1
        if raw and (name := raw.group(1).lower()) not in unclosed:
            close = lower.find(f"</{name}>", start)
            if close < 0:
                unclosed.add(name)
        end = markup.find(">", close if close >= 0 else start)
        if end < 0:
            break  # an unclosed "<" is text
        out.append(markup[position:start])
        out.append(" ")
        position = end + 1
    out.append(markup[position:])
    return html.unescape("".join(out))


def gmail_escape(text: str) -> str:
    """Escape like Gmail snippets: ``'`` becomes ``&#39;``."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


@dataclass
class Part:
    part_id: str
    mime_type: str
    filename: str
    headers: list[tuple[str, str]]
    data: bytes = b""
    charset: str | None = None
    is_attachment: bool = False
    children: list[Part] = field(default_factory=list)

    @property
    def is_multipart(self) -> bool:
        return self.mime_type.startswith("multipart/")

    def walk(self) -> Iterable[Part]:
        yield self
        for child in self.children:
            yield from child.walk()


def _filename(msg: email.message.Message) -> str:
    name = msg.get_filename() or ""
    return decode_words(name) if name else ""


def _leaf_bytes(msg: email.message.Message) -> bytes:
    if msg.get_content_type() == "message/rfc822" or msg.is_multipart():
        inner = msg.get_payload()
        if isinstance(inner, list) and inner:
            return inner[0].as_bytes()
    data = msg.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _build(msg: email.message.Message, part_id: str) -> Part:
    headers = [(k, raw_header_value(v)) for k, v in msg.items()]
    mime_type = msg.get_content_type()
    filename = _filename(msg)
    part = Part(part_id, mime_type, filename, headers)
    if mime_type.startswith("multipart/") and isinstance(msg.get_payload(), list):
        prefix = f"{part_id}." if part_id else ""
        for i, sub in enumerate(msg.get_payload()):
            part.children.append(_build(sub, f"{prefix}{i}"))
        return part
    part.data = _leaf_bytes(msg)
    part.charset = msg.get_content_charset()
    disposition = (msg.get_content_disposition() or "").lower()
    part.is_attachment = (
        bool(filename) or disposition == "attachment" or (mime_type == "message/rfc822")
    )
    return part


@dataclass
class ParsedMessage:
    """A stored message, parsed once and cached."""

    raw: bytes
    root: Part
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def all_headers(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def decoded(self, name: str) -> str:
        return decode_words(self.header(name) or "")

    def addresses(self, *names: str) -> list[tuple[str, str]]:
        values = [decode_words(v) for n in names for v in self.all_headers(n)]
        try:
            pairs = email.utils.getaddresses(values)
        except RecursionError:  # nested comments in hostile mail: Gmail indexes it anyway
            return []
        return [(n, a) for n, a in pairs if a or n]

    def text_bodies(self) -> tuple[str, str]:
        """(plain, html) text of the non-attachment text parts."""
        plain: list[str] = []
        markup: list[str] = []
        for part in self.root.walk():
            if part.is_multipart or part.is_attachment:
                continue
            if part.mime_type == "text/plain":
                plain.append(decode_text(part.data, part.charset))
            elif part.mime_type == "text/html":
                markup.append(decode_text(part.data, part.charset))
        return "\n".join(plain), "\n".join(markup)

    def has_attachment(self) -> bool:
        return any(p.is_attachment and p.filename for p in self.root.walk())

    def attachment_names(self) -> list[str]:
        return [p.filename for p in self.root.walk() if p.is_attachment and p.filename]

    def snippet(self) -> str:
        plain, markup = self.text_bodies()
        plain, markup = plain[:100_000], markup[:100_000]  # the snippet is the start of it
        text = plain if plain.strip() else html_to_text(markup)
        text = _WS_RE.sub(" ", text).strip()[:SNIPPET_CHARS].rstrip()
        return gmail_escape(text)

    def message_ids(self, name: str) -> list[str]:
        return re.findall(r"<[^<>\s]+>", " ".join(self.all_headers(name)))

    def date_ms(self) -> int | None:
        value = self.header("Date")
        if not value:
            return None
        try:
            return int(email.utils.parsedate_to_datetime(value).timestamp() * 1000)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None

    def find_part(self, part_id: str) -> Part | None:
        for part in self.root.walk():
            if part.part_id == part_id:
                return part
        return None


def parse_message(raw: bytes) -> ParsedMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    root = _build(msg, "")
    return ParsedMessage(raw, root, root.headers)


def leaf_data(part: Part, reencode_text_to_utf8: bool) -> bytes:
    if reencode_text_to_utf8 and part.mime_type.startswith("text/") and not part.is_attachment:
        return decode_text(part.data, part.charset).encode("utf-8")
    return part.data


def _header_json(headers: list[tuple[str, str]], decode: bool) -> list[dict[str, str]]:
    return [{"name": k, "value": decode_words(v) if decode else v} for k, v in headers]


def payload_json(
    part: Part,
    *,
    reencode_text_to_utf8: bool,
    attachment_id: Callable[[Part], str],
    decode_headers: bool = False,
    detach_above: int | None = None,
) -> dict[str, Any]:
    """Gmail's ``MessagePart`` for ``format=full``; ``decode_headers``: RFC 2047 words decoded.
    ``detach_above``: a body part of more bytes comes as ``attachmentId`` without ``data``,
    as Gmail sends large ones ("the body data is sent as a separate attachment")."""
    out: dict[str, Any] = {
        "partId": part.part_id,
        "mimeType": part.mime_type,
        "filename": part.filename,
        "headers": _header_json(part.headers, decode_headers),
    }
    if part.is_multipart:
        out["body"] = {"size": 0}
        out["parts"] = [
            payload_json(
                c,
                reencode_text_to_utf8=reencode_text_to_utf8,
                attachment_id=attachment_id,
                decode_headers=decode_headers,
                detach_above=detach_above,
            )
            for c in part.children
        ]
        return out
    data = leaf_data(part, reencode_text_to_utf8)
    if part.is_attachment or (detach_above is not None and len(data) > detach_above):
        out["body"] = {"attachmentId": attachment_id(part), "size": len(data)}
    elif data:
        out["body"] = {"size": len(data), "data": b64url(data)}
    else:
        out["body"] = {"size": 0}
    return out


def metadata_payload(
    parsed: ParsedMessage, wanted: list[str] | None, *, decode_headers: bool = False
) -> dict[str, Any]:
    """Gmail's payload for ``format=metadata``: headers only."""
    names = {w.lower() for w in wanted} if wanted else None
    kept = [(k, v) for k, v in parsed.headers if names is None or k.lower() in names]
    return {"mimeType": parsed.root.mime_type, "headers": _header_json(kept, decode_headers)}


# --- multipart splitting for uploads (byte-exact, unlike email's re-serialisation) ---


def content_type_params(content_type: str) -> tuple[str, dict[str, str]]:
    msg = email.message.Message()
    msg["Content-Type"] = content_type
    params = {k.lower(): str(v) for k, v in msg.get_params(header="content-type")[1:]}
    return msg.get_content_type(), params


def split_multipart(body: bytes, boundary: str) -> list[tuple[email.message.Message, bytes]]:
    """Split a multipart body into (headers, bytes) per RFC 2046, keeping bodies byte-exact.

    ``email`` would re-serialise an embedded ``message/rfc822`` part, so upload bodies are
    split here on the delimiter lines the boundary defines.
    """
    delim = re.escape(b"--" + boundary.encode("ascii"))
    pieces = re.split(rb"\r?\n" + delim, b"\r\n" + body)
    parts: list[tuple[email.message.Message, bytes]] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        newline = piece.find(b"\n")
        if newline < 0:
            continue
        content = piece[newline + 1 :]
        match = re.search(rb"\r?\n\r?\n", content)
        if content.startswith((b"\r\n", b"\n")):
            head, rest = b"", content.split(b"\n", 1)[1]
        elif match:
            head, rest = content[: match.start()], content[match.end() :]
        else:
            head, rest = content, b""
        parts.append((BytesHeaderParser().parsebytes(head + b"\r\n\r\n"), rest))
    return parts
