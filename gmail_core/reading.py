"""Gmail API message resources to ``Message`` values, and the text views tools return.

Pure functions: no HTTP. Input is whatever ``users.messages.get`` returned (``format=full``
or ``format=metadata``), and it is treated as hostile: missing keys, wrong types, absurd
nesting, huge or pathological headers and undecodable bytes degrade to less text and a note
in ``Message.notes``, never to an exception, and every step is linear in its input or capped
by one of the limits below (``tests/reliability/test_pathological.py`` holds them).
"""

from __future__ import annotations

import base64
import binascii
import html
import mimetypes
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.errors import MessageError
from email.message import Message as EmailMessage
from email.policy import compat32
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any, NamedTuple

from gmail_core import quotes
from gmail_core.addresses import split_received
from gmail_core.charsets import MAX_ENCODED_WORDS, decode_header_words, decode_text, unfold
from gmail_core.errors import InvalidInputError
from gmail_core.html import (
    MAX_HTML_TAGS,
    converted_length,
    html_to_markdown,
    html_to_text,
    html_without_history,
)
from gmail_core.message import Attachment, Message

# -- Limits. Real mail stays far below each; hostile mail stops there, with a note. ------
# MIME tree: nesting depth and parts walked.
MAX_DEPTH = 60
MAX_PARTS = 5_000
# Forwarded messages (message/rfc822) shown inline: nesting depth and how many in total.
MAX_FORWARD_DEPTH = 10
MAX_FORWARDS = 50
# Headers looked at per part (real mail has ~20-150, Received lines included).
MAX_HEADERS = 1_000
# Characters of one header value read: a To of 2,000 recipients fits.
MAX_HEADER_CHARS = 100_000
# Content-Type / Content-Disposition read: the stdlib's parameter splitter is quadratic in
# quoted semicolons, and a 255-character RFC 2231 filename fits many times over.
MAX_PARAMETER_HEADER_CHARS = 4_096
# Addresses kept per address header (Gmail sends to at most 2,000 recipients per message).
MAX_ADDRESSES = 2_000
# Characters of plain text kept per message (get_message shows at most 1,000,000).
MAX_TEXT_CHARS = 1_000_000
# Characters of a text/calendar part read for its one-line summary.
MAX_CALENDAR_CHARS = 1_000_000
# Characters of an attachment's name read.
MAX_FILENAME_CHARS = 255

BODY_FORMATS = ("markdown", "text", "html")
# How the notes begin that concern only converting the HTML for display: the message's HTML
# itself (``Message.html_body``) is whole. Every other note means something was not read.
CONVERSION_NOTES = ("Its HTML is ",)
_STUB_MAX_CHARS = 300
_STUB_PHRASES = re.compile(
    r"view (?:this|the) (?:e-?mail|message|newsletter) (?:in|on) (?:your|a|the) (?:web )?browser"
    r"|(?:your|this) (?:e-?mail )?(?:client|program|reader) (?:does not|doesn't|cannot|can't)"
    r"|this is an? (?:html|multi-?part)"
    r"|to view this (?:e-?mail|message)"
    r"|(?:html|multipart) (?:e-?mail|message)s? (?:is|are) not supported"
    r"|enable html",
    re.IGNORECASE,
)
_FORWARD_RULE = "---------- Forwarded message ----------"
_ADDRESS_HEADERS = (("from", "From"), ("to", "To"), ("cc", "Cc"), ("bcc", "Bcc"))


class _Notes:
    """What could not be read, or was cut, in one message: short lines for the user."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        if line not in self.lines:
            self.lines.append(line)


# ---------------------------------------------------------------------------------------
# Small accessors for untrusted JSON


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: object) -> Mapping[str, Any]:
    if type(value) is dict:  # what JSON gives: skips the Mapping ABC's slow isinstance
        return value
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def _int(value: object) -> int:
    try:
        return int(value) if isinstance(value, int | str) and len(str(value)) <= 20 else 0
    except ValueError:
        return 0


class _Headers:
    """Case-insensitive view of Gmail's ``[{name, value}]`` list; the first value wins."""

    __slots__ = ("_email", "_parameters", "_values")

    def __init__(self, raw: object) -> None:
        values: dict[str, str] = {}
        items = _list(raw)
        for item in items[:MAX_HEADERS] if len(items) > MAX_HEADERS else items:
            if type(item) is not dict:  # JSON gives dicts: the checks below are for junk
                item = _dict(item)
            name = item.get("name")
            name = name.lower() if isinstance(name, str) else ""
            if name and name not in values:
                value = item.get("value")
                values[name] = value if isinstance(value, str) else ""
        self._values = values
        self._email: EmailMessage | None = None
        self._parameters: str | None = None  # has_parameter's text, lowered once

    def get(self, name: str) -> str:
        return self._values.get(name, "")  # names are asked for in lower case

    def email_message(self) -> EmailMessage:
        """The MIME headers as a stdlib message, to reuse its parameter and RFC 2231 parsing
        (built once per part: the filename and the charset both read it)."""
        if self._email is None:
            message = EmailMessage()
            for name in ("content-type", "content-disposition"):
                if name in self._values:
                    message[name] = unfold(self._values[name][:MAX_PARAMETER_HEADER_CHARS])
            self._email = message
        return self._email

    def has_parameter(self, fragment: str) -> bool:
        """Whether Content-Type or Content-Disposition may carry a parameter whose name
        holds ``fragment`` (lower case): when neither even contains it, parsing them for that
        parameter would find nothing (RFC 2231 names like ``filename*0*`` contain it too)."""
        if self._parameters is None:
            get = self._values.get
            # "\n" between them: a fragment (a parameter name) never spans the two.
            self._parameters = f"{get('content-type', '')}\n{get('content-disposition', '')}"
            self._parameters = self._parameters.lower()
        return fragment in self._parameters


def decode_base64url(data: object) -> bytes | None:
    """Gmail's ``body.data``: base64url, padding optional. None when it is not valid base64."""
    if not isinstance(data, str):
        return None
    compact = "".join(data.split()).translate(str.maketrans("-_", "+/"))
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


# ---------------------------------------------------------------------------------------
# Headers


def _needs_quotes(name: str) -> bool:
    return any(char in name for char in '()<>[]:;@\\,."')


def _cut_header(value: str, label: str, notes: _Notes) -> tuple[str, bool]:
    if len(value) <= MAX_HEADER_CHARS:
        return value, False
    notes.add(
        f"The {label} header is {len(value):,} characters long: only the first "
        f"{MAX_HEADER_CHARS:,} were read."
    )
    return value[:MAX_HEADER_CHARS], True


def _header_text(value: str, label: str, notes: _Notes) -> str:
    """A header's text with RFC 2047 words decoded, within the header limits."""
    value, _ = _cut_header(value, label, notes)
    text, cut = decode_header_words(value)
    if cut:
        notes.add(
            f"The {label} header has more than {MAX_ENCODED_WORDS:,} encoded words: "
            "the rest is not shown."
        )
        text += " […]"
    return text


def _decoded_mailbox(entry: str) -> str:
    """One address entry with its display name decoded (re-quoted if it now needs quotes)."""
    if "=?" not in entry:
        return entry
    angle = entry.rfind("<")
    if angle < 0 or not entry.endswith(">") or ":" in entry[:angle]:
        return decode_header_words(entry)[0]  # bare address, comment form, group: as text
    name, address = entry[:angle].strip(), entry[angle:]
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    name = " ".join(decode_header_words(name)[0].split())
    if not name:
        return address.strip("<>")
    if _needs_quotes(name):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}" {address}'
    return f"{name} {address}"


def _address_header(value: str, label: str, notes: _Notes) -> str:
    """An address header with display names decoded one address at a time.

    Decoding the whole value would turn ``=?utf-8?q?Doe=2C_J?= <j@x>`` into two addresses.
    Split by a linear tokenizer, not ``email.utils.getaddresses``: that one recurses once
    per nested comment and fails on a few thousand of them.
    """
    if not value:
        return ""  # most messages have no Cc, Bcc or Reply-To
    value, cut = _cut_header(value, label, notes)
    value = unfold(value).strip()
    if "=?" not in value and not cut and value.count(",") < MAX_ADDRESSES:
        return value
    entries = split_received(value)
    if cut and entries:
        entries.pop()  # the cut may have split the last address
    if len(entries) > MAX_ADDRESSES:
        notes.add(
            f"The {label} header lists {len(entries):,} addresses: only the first "
            f"{MAX_ADDRESSES:,} are shown."
        )
        entries = entries[:MAX_ADDRESSES]
    words = 0
    out: list[str] = []
    for entry in entries:
        words += entry.count("=?")
        if words > MAX_ENCODED_WORDS and "=?" in entry:
            notes.add(
                f"The {label} header has more than {MAX_ENCODED_WORDS:,} encoded words: "
                "names after them are not shown, only the addresses."
            )
            out.append(_address_only(entry))
            continue
        out.append(_decoded_mailbox(entry))
    return ", ".join(out)


def _address_only(entry: str) -> str:
    """The address of an entry whose name is not decoded (``[…]`` when it has no <addr>):
    a reply needs it, and finding it costs one scan."""
    entry = entry.strip()
    angle = entry.rfind("<")
    address = entry[angle + 1 : -1].strip() if angle >= 0 and entry.endswith(">") else ""
    return address or "[…]"


def _iso_date(date_header: str, internal_date: int) -> str:
    if date_header.strip():
        try:
            parsed = parsedate_to_datetime(date_header[:1_000])
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:  # "-0000": the sender's zone is unknown, time is UTC
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.isoformat(timespec="seconds")
    if internal_date > 0:
        try:
            return datetime.fromtimestamp(internal_date / 1000, UTC).isoformat(timespec="seconds")
        except (OverflowError, OSError, ValueError):
            return ""
    return ""


def _message_ids(value: str, label: str, notes: _Notes) -> str:
    return " ".join(_cut_header(value, label, notes)[0].split())


# ---------------------------------------------------------------------------------------
# The MIME walk


@dataclass
class _Scope:
    """The text found in one message: the top level, or one forwarded message/rfc822."""

    headers: _Headers
    forward_depth: int = 0
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    calendar: list[str] = field(default_factory=list)
    html_text: str | None = None  # the HTML as text, once converted (``_choose``)


class _Visit(NamedTuple):  # one per MIME part walked: a tuple costs least to build
    part: Mapping[str, Any]
    depth: int
    in_related: bool
    scope: _Scope


def _walk(
    payload: Mapping[str, Any], root: _Scope, forwarded: list[_Scope], notes: _Notes
) -> Iterator[_Visit]:
    """Every part in document order, with an explicit stack and hard bounds.

    Each message/rfc822 part opens a new scope, appended to ``forwarded`` in document order.
    """
    stack = [_Visit(payload, 0, False, root)]
    seen = 0
    while stack:
        if seen >= MAX_PARTS:
            notes.add(f"It has more than {MAX_PARTS:,} MIME parts: only the first were read.")
            return
        visit = stack.pop()
        seen += 1
        yield visit
        children = visit.part.get("parts")
        if not children:  # a leaf: most parts
            continue
        children = [_dict(child) for child in _list(children)[:MAX_PARTS]]
        if not children:
            continue
        if visit.depth >= MAX_DEPTH:
            notes.add(f"Parts nested more than {MAX_DEPTH} levels deep were not read.")
            continue
        mime_type = _str(visit.part.get("mimeType")).lower()
        scope = visit.scope
        if mime_type == "message/rfc822":
            if scope.forward_depth >= MAX_FORWARD_DEPTH or len(forwarded) >= MAX_FORWARDS:
                notes.add(
                    f"Forwarded messages nested more than {MAX_FORWARD_DEPTH} deep, or after "
                    f"the first {MAX_FORWARDS}, are not shown."
                )
                continue
            # Gmail nests the forwarded message's root part, with its own headers, as the child.
            scope = _Scope(_Headers(children[0].get("headers")), scope.forward_depth + 1)
            forwarded.append(scope)
        in_related = visit.in_related or mime_type == "multipart/related"
        stack.extend(
            _Visit(child, visit.depth + 1, in_related, scope) for child in reversed(children)
        )


# What stdlib header parsing may raise on hostile values; they only cost us the parameter.
_HEADER_ERRORS = (ValueError, LookupError, UnicodeError, TypeError, AttributeError, MessageError)


_PATH_SEPARATORS = re.compile(r"[\\/]")


def _filename(part: Mapping[str, Any], headers: _Headers) -> str:
    # Gmail fills ``filename`` already decoded; the headers are the fallback for when it is not.
    name = _str(part.get("filename"))[:MAX_HEADER_CHARS].strip()
    if not name and headers.has_parameter("name"):  # filename= or name=
        try:
            raw = headers.email_message().get_filename() or ""
        except _HEADER_ERRORS:
            raw = ""
        name = decode_header_words(str(raw)[:MAX_PARAMETER_HEADER_CHARS])[0]
    return _label(name)


def _label(name: str) -> str:
    """A file name as a label, not a path: its last component, without control characters."""
    if not name:
        return ""
    name = _PATH_SEPARATORS.split(name)[-1][-MAX_FILENAME_CHARS:]
    if name.isprintable():
        return name.strip()
    return "".join(char for char in name if char.isprintable()).strip()


def _disposition(headers: _Headers) -> str:
    return headers.get("content-disposition")[:256].split(";", 1)[0].strip().lower()


def _charset(headers: _Headers) -> str | None:
    if not headers.has_parameter("charset"):
        return None
    try:
        return headers.email_message().get_content_charset()
    except _HEADER_ERRORS:
        return None


def _is_inline_image(visit: _Visit, headers: _Headers, disposition: str) -> bool:
    return (
        visit.in_related
        and bool(headers.get("content-id").strip())
        and disposition in ("", "inline")
    )


def _attachment(visit: _Visit, mime_type: str, name: str) -> Attachment:
    part_id = _str(visit.part.get("partId"))[:64]
    body = _dict(visit.part.get("body"))
    if not name:
        extension = mimetypes.guess_extension(mime_type) or ".bin"
        name = f"attachment-{part_id or 'root'}{extension}"
    return Attachment(
        filename=name,
        mime_type=mime_type or "application/octet-stream",
        size=_int(body.get("size")),
        part_id=part_id,
        attachment_id=_str(body.get("attachmentId")) or None,
        data=decode_base64url(body["data"]) if "data" in body else None,
    )


# Parts whose text is the body (unless they are attachments).
_BODY_TYPES = ("text/plain", "text/html", "text/calendar")


@dataclass(frozen=True, slots=True)
class HeldApart:
    """A text part of the body whose bytes Gmail sends apart: ``body.attachmentId`` and no
    ``body.data`` (Gmail's ``MessagePartBody``: data "may be empty ... when the body data is
    sent as a separate attachment"), to be fetched with ``messages.attachments.get``."""

    attachment_id: str
    size: int  # Gmail's count of its bytes (0 when unknown or junk)


def held_apart(resource: object) -> list[HeldApart]:
    """The body parts of a ``format=full`` resource whose bytes Gmail sends apart, in the
    order ``parse_message`` reads them (within its limits)."""
    payload = _dict(_dict(resource).get("payload"))
    found: list[HeldApart] = []
    for visit in _walk(payload, _Scope(_Headers(())), [], _Notes()):
        part = visit.part
        attachment_id = _held_apart_id(part)
        if attachment_id and not _named_by_gmail(part):
            size = max(_int(_dict(part.get("body")).get("size")), 0)
            found.append(HeldApart(attachment_id, size))
    return found


def _named_by_gmail(part: Mapping[str, Any]) -> bool:
    """``_collect``'s verdict (an attachment, not the body) from Gmail's ``filename`` and the
    disposition alone: ``held_apart`` runs on the event loop, and parsing thousands of
    parts' parameters there took seconds. A part named only in its headers' parameters,
    with Gmail's ``filename`` empty, is misjudged: it is merely fetched, then not read."""
    if _label(_str(part.get("filename"))[:MAX_HEADER_CHARS].strip()):
        return True
    for item in _list(part.get("headers"))[:MAX_HEADERS]:
        name = _dict(item).get("name")
        if isinstance(name, str) and name.lower() == "content-disposition":
            return _disposition(_Headers([item])) == "attachment"
    return False


def _held_apart_id(part: Mapping[str, Any]) -> str:
    """The attachment ID of a text part sent apart ("" for any other part)."""
    if _str(part.get("mimeType"))[:256].lower() not in _BODY_TYPES:
        return ""
    body = _dict(part.get("body"))
    return "" if "data" in body else _str(body.get("attachmentId"))


def size_words(size: int) -> str:
    """A byte count for a note: "3.2 MB", "120 KB", "900 bytes" (Gmail's junk below 0: 0)."""
    size = max(size, 0)
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):,.1f}".removesuffix(".0") + " MB"
    return f"{size // 1024:,} KB" if size >= 1024 else f"{size:,} bytes"


def _held_apart_bytes(
    part: Mapping[str, Any],
    fetched: Mapping[str, bytes | str] | None,
    bodies: bool,
    notes: _Notes,
) -> bytes | None:
    """The bytes of a text part Gmail sent apart, as the caller fetched them; otherwise a
    note (the caller's reason, else that it was not fetched) and None."""
    attachment_id = _held_apart_id(part)
    if not attachment_id:
        return None
    found = (fetched or {}).get(attachment_id)
    if isinstance(found, bytes):
        return found
    if found is None and bodies:
        size = size_words(_int(_dict(part.get("body")).get("size")))
        found = (
            f"A text part of {size} that Gmail sends separately was not fetched: its text is "
            "not shown."
        )
    if found:
        notes.add(found)
    return None


def _collect(
    payload: Mapping[str, Any],
    root_headers: _Headers,
    notes: _Notes,
    fetched: Mapping[str, bytes | str] | None = None,
    bodies: bool = True,
) -> tuple[_Scope, list[_Scope], list[Attachment]]:
    root = _Scope(root_headers)
    forwarded: list[_Scope] = []
    attachments: list[Attachment] = []
    for visit in _walk(payload, root, forwarded, notes):
        part = visit.part
        mime_type = _str(part.get("mimeType"))[:256].lower()
        if mime_type.startswith("multipart/"):
            continue
        headers = root_headers if part is payload else _Headers(part.get("headers"))
        disposition = _disposition(headers)
        name = _filename(part, headers)
        is_attachment = bool(name) or disposition == "attachment"  # else part of the body
        if mime_type == "message/rfc822":
            # Shown inline as a forward; also a file when named, or when Gmail did not parse it.
            if is_attachment or not _list(part.get("parts")):
                attachments.append(_attachment(visit, mime_type, name))
            continue
        if not is_attachment and mime_type in _BODY_TYPES:
            body = _dict(part.get("body"))
            if "data" in body:
                data = decode_base64url(body["data"])
                if data is None:
                    notes.add("A text part has unreadable data: its text is not shown.")
                    continue
            elif body.get("attachmentId"):
                data = _held_apart_bytes(part, fetched, bodies, notes)
                if data is None:
                    continue
            else:
                continue  # no data: a fetch without bodies (or an empty part)
            text = decode_text(data, _charset(headers))
            target = visit.scope
            if mime_type == "text/plain":
                target.plain.append(text)
            elif mime_type == "text/html":
                target.html.append(text)
            elif summary := calendar_summary(text[:MAX_CALENDAR_CHARS]):
                target.calendar.append(summary)
            continue
        if _is_inline_image(visit, headers, disposition):
            continue  # shown inside the HTML through its Content-ID, not a file the user sent
        if is_attachment or _int(_dict(part.get("body")).get("size")) > 0:
            attachments.append(_attachment(visit, mime_type, name))
    return root, forwarded, attachments


def inline_images(resource: Mapping[str, Any]) -> list[tuple[str, Attachment]]:
    """``(Content-ID without <>, part)`` of each inline image of a message (or draft message).

    ``parse_message`` leaves these out of ``attachments`` (the user did not attach them);
    update_draft needs them back, or a kept HTML body would lose its pictures.
    """
    payload = _dict(_dict(resource).get("payload"))
    found: list[tuple[str, Attachment]] = []
    for visit in _walk(payload, _Scope(_Headers(payload.get("headers"))), [], _Notes()):
        mime_type = _str(visit.part.get("mimeType")).lower()
        if mime_type.startswith(("multipart/", "text/")) or mime_type == "message/rfc822":
            continue
        headers = _Headers(visit.part.get("headers"))
        if _is_inline_image(visit, headers, _disposition(headers)):
            content_id = unfold(headers.get("content-id")).strip().strip("<>").strip()
            found.append(
                (content_id, _attachment(visit, mime_type, _filename(visit.part, headers)))
            )
    return found


# ---------------------------------------------------------------------------------------
# Choosing and assembling the body


def _is_stub(text: str) -> bool:
    # Only the start matters: anything longer than a stub is not one (and 20 MB of text
    # need not be split to find that out).
    stripped = " ".join(text[: 4 * _STUB_MAX_CHARS].split())
    return not stripped or (
        len(stripped) < _STUB_MAX_CHARS and bool(_STUB_PHRASES.search(stripped))
    )


class _HtmlBudget:
    """HTML converted to text while one message is read (stub checks, forwarded messages'
    text): as many tags as one body converts, so fifty forwarded newsletters cost what one
    does (they took 12 s, 33 s with "view in browser" stubs)."""

    def __init__(self) -> None:
        self.tags_left = MAX_HTML_TAGS
        self.exhausted = False

    def to_text(self, markup: str) -> str | None:
        """``html_to_text(markup)``, or None once this message has converted its share."""
        cost = markup.count("<", 0, converted_length(markup))
        if cost > self.tags_left:
            self.exhausted = True
            return None
        self.tags_left -= cost
        return html_to_text(markup)


def _choose(scope: _Scope, budget: _HtmlBudget) -> tuple[str, str]:
    """(text, html) for one message: text/plain wins unless it is empty or a stub.

    The HTML's text, when converted to compare it with a stub, is kept in ``scope.html_text``.
    """
    plain = "\n\n".join(part.strip("\r\n") for part in scope.plain if part.strip())
    rich = "\n".join(scope.html)
    if rich.strip() and _is_stub(plain):
        if not plain.strip():
            return "", rich
        converted = budget.to_text(rich)
        if converted is not None and len(converted) > len(" ".join(plain.split())):
            scope.html_text = converted
            return "", rich
    return plain, rich if rich.strip() else ""


def _forward_header(headers: _Headers, notes: _Notes) -> str:
    lines = [_FORWARD_RULE]
    for label, name in (("From", "from"), ("Date", "date"), ("Subject", "subject"), ("To", "to")):
        lines.append(f"{label}: {_header_text(headers.get(name), label, notes).strip()}")
    if headers.get("cc"):
        lines.append(f"Cc: {_header_text(headers.get('cc'), 'Cc', notes).strip()}")
    return "\n".join(lines)


def _forwarded_text(scope: _Scope, text: str, rich: str, budget: _HtmlBudget) -> str:
    """A forwarded message's text: its text part, else its HTML converted within ``budget``."""
    if text or not rich:
        return text
    converted = scope.html_text if scope.html_text is not None else budget.to_text(rich)
    if converted is None:
        return (
            "[… this forwarded message's HTML is not converted: the message holds more HTML "
            "than is read]"
        )
    return converted


@dataclass(frozen=True, slots=True)
class _Bodies:
    text: str = ""
    html: str = ""
    main_text_chars: int = 0  # leading characters of ``text`` that are the message's own body
    main_html_chars: int = 0  # the same in ``html``; forwards and calendar summaries follow


_NO_BODIES = _Bodies()


def _assemble(root: _Scope, forwarded: list[_Scope], notes: _Notes) -> _Bodies:
    if not (root.plain or root.html or root.calendar or forwarded):
        return _NO_BODIES  # no text read: a search's fetch, without body data
    budget = _HtmlBudget()
    text, rich = _choose(root, budget)
    own_text, own_html = len(text), len(rich)
    extra_text: list[str] = [*root.calendar]
    extra_html: list[str] = [f"<p>{html.escape(line)}</p>" for line in root.calendar]
    for scope in forwarded:
        header = _forward_header(scope.headers, notes)
        calendar = "\n".join(scope.calendar)
        scope_text, scope_rich = _choose(scope, budget)
        body = _forwarded_text(scope, scope_text, scope_rich, budget)
        extra_text.append("\n\n".join(p for p in (header, body, calendar) if p))
        scope_html = scope_rich or (f"<pre>{html.escape(scope_text)}</pre>" if scope_text else "")
        extra_html.append(
            f"<div><p>{html.escape(header).replace(chr(10), '<br>')}</p>{scope_html}"
            f"{''.join(f'<p>{html.escape(line)}</p>' for line in scope.calendar)}</div>"
        )
    if budget.exhausted:
        notes.add(
            f"Its forwarded messages hold more than {MAX_HTML_TAGS:,} HTML tags: the HTML of "
            "some is not converted (their text parts are shown, where they have one)."
        )
    if rich and not text:
        return _Bodies("", "\n".join([rich, *extra_html]), 0, own_html)
    text = "\n\n".join(part for part in (text, *extra_text) if part)
    if rich and extra_html:
        rich = "\n".join([rich, *extra_html])
    return _Bodies(text, rich, own_text, own_html)


def _bounded_text(text: str, notes: _Notes) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    notes.add(
        f"Its text is {len(text):,} characters long: only the first {MAX_TEXT_CHARS:,} were read."
    )
    return (
        f"{text[:MAX_TEXT_CHARS]}\n\n[… this message's text is {len(text):,} characters long; "
        f"only the first {MAX_TEXT_CHARS:,} were read]"
    )


# ---------------------------------------------------------------------------------------
# Calendar invites


def _ics_value(value: str) -> str:
    return (
        value.replace("\\n", " ")
        .replace("\\N", " ")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
    )


def _split_property(line: str) -> tuple[str, dict[str, str], str]:
    """``NAME;PARAM=V;P2="a:b":value`` → (NAME, params, value); colons may sit in quotes."""
    position = 0
    while True:  # jump from quote to quote with find(): linear even on a 10 MB line
        colon = line.find(":", position)
        if colon < 0:
            return "", {}, ""
        quote = line.find('"', position, colon)
        if quote < 0:
            break
        closing = line.find('"', quote + 1)
        if closing < 0:
            return "", {}, ""
        position = closing + 1
    head, value = line[:colon], line[colon + 1 :]
    name, *raw_params = head.split(";")
    params: dict[str, str] = {}
    for raw in raw_params:
        key, _, param_value = raw.partition("=")
        params[key.strip().upper()] = param_value.strip().strip('"')
    return name.strip().upper(), params, value


def _ics_time(value: str, params: Mapping[str, str]) -> str:
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})\d{0,2}(Z?))?", value.strip())
    if not match:
        return value.strip()
    year, month, day, hour, minute, utc = match.groups()
    text = f"{year}-{month}-{day}"
    if hour is not None:
        text += f" {hour}:{minute}"
        zone = "UTC" if utc else params.get("TZID", "")
        text += f" {zone}" if zone else ""
    return text


def calendar_summary(ics: str) -> str:
    """One line for an inline text/calendar part (stdlib has no iCalendar parser)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    method = ""
    fields: dict[str, str] = {}
    in_event = False
    for line in unfolded.splitlines():
        name, params, value = _split_property(line)
        if name == "METHOD":
            method = value.strip().upper()
        elif name == "BEGIN" and value.strip().upper() == "VEVENT":
            in_event = True
        elif name == "END" and value.strip().upper() == "VEVENT":
            break  # the first event is the invite; later ones are recurrence exceptions
        elif in_event and name in ("DTSTART", "DTEND"):
            fields.setdefault(name, _ics_time(value, params))
        elif in_event and name in ("SUMMARY", "LOCATION"):
            fields.setdefault(name, _ics_value(value).strip()[:1_000])
        elif in_event and name == "ORGANIZER":
            address = re.sub(r"(?i)^mailto:", "", value.strip())[:1_000]
            cn = params.get("CN", "")[:1_000]
            fields.setdefault(name, f"{cn} <{address}>" if cn and cn != address else address)
    if not in_event:
        return ""
    kind = "Calendar cancellation" if method == "CANCEL" else "Calendar invite"
    line = f"{kind}: {fields.get('SUMMARY') or '(no title)'}"
    when = " – ".join(filter(None, (fields.get("DTSTART"), fields.get("DTEND"))))
    if when:
        line += f" — {when}"
    if fields.get("LOCATION"):
        line += f", {fields['LOCATION']}"
    if fields.get("ORGANIZER"):
        line += f", organized by {fields['ORGANIZER']}"
    return line


# ---------------------------------------------------------------------------------------
# Public API


def _isolated[T](read: Callable[[], T], fallback: T, what: str, notes: _Notes) -> T:
    """``read()``, or ``fallback`` and a note: a failure in one field never costs the others.

    Broad on purpose: hostile mail must not fail a whole search through a parser bug we
    have not met yet. The note names what is missing; nothing is silently dropped.
    """
    try:
        return read()
    except Exception:  # noqa: BLE001  (turned into a note the user sees)
        notes.add(f"Could not read this message's {what}.")
        return fallback


type _FieldReader = Callable[[Mapping[str, Any], _Headers, int, _Notes], str]

# The text fields of a Message besides its IDs: (what a failure note names, how it is read),
# in the order ``_header_fields`` returns them (and adds their notes).
_HEADER_FIELDS: tuple[tuple[str, _FieldReader], ...] = (
    ("From header", lambda r, h, d, n: _address_header(h.get("from"), "From", n)),
    ("To header", lambda r, h, d, n: _address_header(h.get("to"), "To", n)),
    ("Cc header", lambda r, h, d, n: _address_header(h.get("cc"), "Cc", n)),
    ("Bcc header", lambda r, h, d, n: _address_header(h.get("bcc"), "Bcc", n)),
    ("snippet", lambda r, h, d, n: html.unescape(_str(r.get("snippet"))[:MAX_HEADER_CHARS])),
    ("Reply-To header", lambda r, h, d, n: _address_header(h.get("reply-to"), "Reply-To", n)),
    ("Subject header", lambda r, h, d, n: _header_text(h.get("subject"), "Subject", n).strip()),
    ("Date header", lambda r, h, d, n: _iso_date(unfold(h.get("date")[:1_000]), d)),
    ("Message-ID header", lambda r, h, d, n: _message_ids(h.get("message-id"), "Message-ID", n)),
    (
        "In-Reply-To header",
        lambda r, h, d, n: _message_ids(h.get("in-reply-to"), "In-Reply-To", n),
    ),
    ("References header", lambda r, h, d, n: _message_ids(h.get("references"), "References", n)),
)


def _header_fields(
    resource: Mapping[str, Any], headers: _Headers, internal_date: int, notes: _Notes
) -> tuple[str, ...]:
    """Each of ``_HEADER_FIELDS``: a field that cannot be read is "" and a note, and costs
    only itself."""
    try:  # all in one go, without a guard per field: what nearly every message takes
        return tuple(read(resource, headers, internal_date, notes) for _, read in _HEADER_FIELDS)
    except Exception:  # noqa: BLE001  (then one at a time; the notes made so far recur as
        # the same lines, which ``_Notes`` keeps once, in the same order)
        return tuple(
            _isolated(partial(read, resource, headers, internal_date, notes), "", what, notes)
            for what, read in _HEADER_FIELDS
        )


def parse_message(
    resource: object,
    fetched: Mapping[str, bytes | str] | None = None,
    *,
    bodies: bool = True,
) -> Message:
    """A ``Message`` from a ``users.messages.get`` resource (``format=full`` or ``metadata``).

    ``fetched``: the bytes of the body parts Gmail sends apart (``held_apart()``), by
    attachment ID — or, for a part not fetched, the note that says why. ``bodies=False``:
    the resource was fetched without bodies, so parts sent apart are not worth a note.

    Never raises: whatever cannot be read is left out and named in ``Message.notes``.
    """
    resource = _dict(resource)
    notes = _Notes()
    payload = _dict(resource.get("payload"))
    headers = _Headers(payload.get("headers"))
    collected = _isolated(
        lambda: _collect(payload, headers, notes, fetched, bodies), None, "body", notes
    )
    root, forwarded, attachments = collected or (_Scope(_Headers(())), [], [])
    assembled = _isolated(lambda: _assemble(root, forwarded, notes), _NO_BODIES, "body", notes)
    text_body, html_body = assembled.text, assembled.html
    # Only an HTML body is converted: beside a text part it is never read, so never cut.
    if not text_body and (converted := converted_length(html_body)) < len(html_body):
        notes.add(
            f"{CONVERSION_NOTES[0]}{len(html_body):,} characters long: only the first "
            f"{converted:,} are converted."
        )
    internal_date = _int(resource.get("internalDate"))
    (from_, to, cc, bcc, snippet, reply_to, subject, date, message_id, in_reply_to, references) = (
        _header_fields(resource, headers, internal_date, notes)
    )
    return Message(
        id=_str(resource.get("id"))[:512],
        thread_id=_str(resource.get("threadId"))[:512],
        label_ids=tuple(
            label for label in _list(resource.get("labelIds")) if isinstance(label, str)
        ),
        snippet=snippet,
        internal_date=internal_date,
        from_=from_,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        subject=subject,
        date=date,
        message_id_header=message_id,
        in_reply_to=in_reply_to,
        references=references,
        text_body=_bounded_text(text_body, notes),
        html_body=html_body,
        main_text_chars=min(assembled.main_text_chars, MAX_TEXT_CHARS),
        main_html_chars=assembled.main_html_chars,
        attachments=tuple(attachments),
        notes=tuple(notes.lines),
    )


def truncate(body: str, max_chars: int) -> str:
    if max_chars <= 0 or len(body) <= max_chars:
        return body
    hidden = len(body) - max_chars
    return (
        f"{body[:max_chars]}\n\n[… truncated: {hidden:,} more characters not shown; "
        "raise max_body_chars to see more]"
    )


def check_body_arguments(body_format: str, max_chars: int) -> None:
    if body_format not in BODY_FORMATS:
        raise InvalidInputError(
            f"Unknown body format {body_format!r}: use one of {', '.join(BODY_FORMATS)}."
        )
    if max_chars < 0:
        raise InvalidInputError("max_body_chars must be 0 (no limit) or a positive number.")


def body_for(message: Message, body_format: str, max_chars: int) -> str:
    """The body as ``markdown``, ``text`` or ``html``, cut to ``max_chars`` (0 = no limit)."""
    check_body_arguments(body_format, max_chars)
    text, rich = message.text_body, message.html_body
    if body_format == "html":
        body = rich or (f"<pre>{html.escape(text)}</pre>" if text else "")
    elif text or not rich:
        body = text
    else:
        body = html_to_markdown(rich) if body_format == "markdown" else html_to_text(rich)
    return truncate(body, max_chars)


def rendered_body(message: Message, body_format: str, max_chars: int, *, trim: bool) -> str:
    """``body_for``; with ``trim``, the message's own text without the quoted history it
    repeats (``own_body``), cut to ``max_chars`` after trimming. HTML is the original
    markup: it is never trimmed."""
    if not trim or body_format == "html":
        return body_for(message, body_format, max_chars)
    check_body_arguments(body_format, max_chars)
    return truncate(own_body(message, body_format), max_chars)


def own_body(message: Message, body_format: str) -> str:
    """The body as ``markdown`` or ``text`` without the quoted history (``quotes``).

    Where the message has HTML that may mark the history, its structure decides, on the same
    parse that converts it; the text part is shown instead when its own rules cut it at the
    same words (the usual case: it is what the untrimmed body shows). Otherwise the text
    heuristics decide (on the text part, or on the converted HTML of an HTML-only message).
    Forwarded messages and calendar summaries that reading added after the body stay whole.
    """
    forward = quotes.is_forward(message.subject)
    text, extra_text = _split(message.text_body, message.main_text_chars)
    rich, extra_html = _split(message.html_body, message.main_html_chars)
    own: str | None = None
    if rich.strip() and (not text or quotes.may_mark_history(rich)):
        converted, cut = html_without_history(rich, body_format, forward=forward)
        if cut:
            own = quotes.trim_quoted(converted, forward=forward, history_follows=True)
            # The text part, as shown untrimmed, when its own rules cut at the same words.
            if text and quotes.same_words(
                from_text := quotes.trim_quoted(text, forward=forward), own
            ):
                own = from_text
        elif not text:
            own = quotes.trim_quoted(converted, forward=forward)
    if own is None:
        own = quotes.trim_quoted(text, forward=forward)
    if message.text_body:
        extra = extra_text.strip("\n")
    elif extra_html.strip():
        convert = html_to_markdown if body_format == "markdown" else html_to_text
        extra = convert(extra_html)
    else:
        extra = ""
    return "\n\n".join(part for part in (own, extra) if part)


def _split(body: str, main_chars: int | None) -> tuple[str, str]:
    if main_chars is None or main_chars >= len(body):
        return body, ""
    return body[:main_chars], body[main_chars:]


def unread_message(resource: object, note: str) -> Message:
    """What can be said of a message without reading it: IDs, labels, date, and ``note``."""
    resource = _dict(resource)
    return Message(
        id=_str(resource.get("id"))[:512],
        thread_id=_str(resource.get("threadId"))[:512],
        label_ids=tuple(
            label for label in _list(resource.get("labelIds")) if isinstance(label, str)
        ),
        internal_date=_int(resource.get("internalDate")),
        notes=(note,),
    )


def find_attachment(message: Message, key: str) -> list[Attachment]:
    """Attachments matching ``key``: "" = all; else part ID, attachment ID, filename, substring."""
    attachments = list(message.attachments)
    key = key.strip()
    if not key:
        return attachments
    folded = key.casefold()
    for matches in (
        [a for a in attachments if a.part_id == key],
        [a for a in attachments if a.attachment_id == key],
        [a for a in attachments if a.filename.casefold() == folded],
    ):
        if matches:
            return matches
    partial = [a for a in attachments if folded in a.filename.casefold()]
    if len(partial) == 1:
        return partial
    raise InvalidInputError(_no_match_message(key, partial or attachments, ambiguous=bool(partial)))


_MAX_LISTED = 10


def _no_match_message(key: str, candidates: list[Attachment], *, ambiguous: bool) -> str:
    if not candidates:
        return f"No attachment matches {key!r}: this message has no attachments."
    names = ", ".join(a.filename for a in candidates[:_MAX_LISTED])
    if len(candidates) > _MAX_LISTED:
        names += f" (and {len(candidates) - _MAX_LISTED} more)"
    problem = "matches several attachments" if ambiguous else "matches no attachment"
    return (
        f"{key!r} {problem}. Available: {names}. Pass the exact filename or part ID, "
        "or leave it empty to get all attachments."
    )


# ---------------------------------------------------------------------------------------
# Raw RFC 822 bytes (an attached .eml): the same payload shape, then the same reader


def parse_rfc822(raw: bytes) -> Message:
    """A ``Message`` from an e-mail's bytes, read exactly like one from Gmail's API."""
    parsed = message_from_bytes(raw, policy=compat32)
    return parse_message({"payload": payload_of(parsed)})


def payload_of(message: EmailMessage) -> dict[str, Any]:
    """The ``format=full`` payload Gmail would give for ``message``: part IDs "", "0", "1.0"…,
    text parts' bytes inline as base64url; other leaves only sized, their bytes never copied.
    Built with an explicit stack inside ``MAX_DEPTH``/``MAX_PARTS``, like the walk above."""
    root: dict[str, Any] = {}
    stack: list[tuple[EmailMessage, dict[str, Any], str, int]] = [(message, root, "", 0)]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, out, part_id, depth = stack.pop()
        seen += 1
        out["partId"] = part_id
        out["mimeType"] = part.get_content_type()
        out["filename"] = ""  # the reader decodes the name from the headers, as for Gmail
        out["headers"] = [{"name": k, "value": str(v)} for k, v in part.items()]
        payload = part.get_payload()
        if isinstance(payload, list):
            out["body"] = {"size": 0}
            children = [c for c in payload if isinstance(c, EmailMessage)]
            if depth >= MAX_DEPTH:
                children = []
            out["parts"] = [{} for _ in children]
            prefix = f"{part_id}." if part_id else ""
            for index in reversed(range(len(children))):
                stack.append((children[index], out["parts"][index], f"{prefix}{index}", depth + 1))
        elif out["mimeType"] in ("text/plain", "text/html", "text/calendar"):
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            out["body"] = {"size": len(data), "data": base64.urlsafe_b64encode(data).decode()}
        else:
            encoded = payload if isinstance(payload, str) else ""
            is_base64 = str(part.get("content-transfer-encoding", "")).strip().lower() == "base64"
            out["body"] = {"size": len(encoded) * 3 // 4 if is_base64 else len(encoded)}
    return root
