"""Gmail batch codec: many API calls in one multipart/mixed HTTP request. Pure functions.

Hand-written because no maintained requests-based batch client exists; the format is
Google's (https://developers.google.com/gmail/api/guides/batch). Response parts come back in
any order and are matched by ``Content-ID: response-<id>``.
"""

from __future__ import annotations

import base64
import binascii
import email.message
import quopri
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple
from urllib.parse import urlencode

MAX_CALLS = 100  # Google's hard limit per batch request


# NamedTuples, not frozen dataclasses: a search builds 500 of each, and a frozen dataclass
# sets every field through object.__setattr__.
class BatchCall(NamedTuple):
    """One inner call without a body (GET, or an idempotent POST such as trash);
    ``path`` starts with ``/gmail/v1/``."""

    id: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    method: str = "GET"


class BatchResult(NamedTuple):
    status: int
    headers: Mapping[str, str]
    body: bytes


def encode(
    calls: Sequence[BatchCall], common: tuple[tuple[str, str], ...] = ()
) -> tuple[str, bytes]:
    """Return (Content-Type, body) of a batch request; ``common`` query parameters go on
    every call (e.g. ``prettyPrint=false``)."""
    if not 0 < len(calls) <= MAX_CALLS:
        raise ValueError(f"a batch holds 1..{MAX_CALLS} calls, not {len(calls)}")
    boundary = f"batch_{uuid.uuid4().hex}"
    queries: dict[tuple[tuple[str, str], ...], str] = {}  # calls of one kind share theirs
    lines: list[str] = []
    for call in calls:
        query = queries.get(call.params)
        if query is None:
            query = queries[call.params] = urlencode(call.params + common)
        target = f"{call.path}?{query}" if query else call.path
        lines += [
            f"--{boundary}",
            "Content-Type: application/http",
            f"Content-ID: <{call.id}>",
            "",
            f"{call.method} {target} HTTP/1.1",
            "",
        ]
    lines += [f"--{boundary}--", ""]
    return f"multipart/mixed; boundary={boundary}", "\r\n".join(lines).encode("utf-8")


def decode(content_type: str, body: bytes) -> dict[str, BatchResult]:
    """Parse a batch response into {call id: result}. Malformed parts are left out.

    The caller treats an id with no result as failed, so nothing is silently dropped.
    Hand-written on byte offsets rather than with the ``email`` parser, which reads line by
    line (Google's pretty-printed JSON of a message with 50,000 MIME parts is a million
    lines: seconds of CPU) and copies each part several times. Here a part's body (and its
    short heads) is the only copy made, and of its headers only the two or three it needs
    are read (~7 µs a part, half the time of a dict of all of them; the inner response's
    headers are read when asked for, which only an error answer's are). Lines may end in
    CRLF or LF; a preamble and an epilogue are ignored; a
    part without a usable Content-ID or status line, or shorter than its Content-Length (a
    truncated answer), is left out, and a body with a Content-Length is that long;
    ``--boundary`` counts only at the start of a line and followed by the end of that line,
    ``--`` or whitespace (RFC 2046), so the boundary's text inside a body is body.
    Raises ValueError when the answer is not a multipart batch answer at all.
    """
    boundary = _boundary(content_type)
    delimiter = b"--" + boundary
    start = _next_delimiter(body, delimiter, 0) if boundary else -1
    if start < 0:
        raise ValueError("not a multipart batch answer")
    results: dict[str, BatchResult] = {}
    while start >= 0:
        after = start + len(delimiter)
        if body.startswith(b"--", after):
            break  # the closing delimiter; the epilogue follows
        line_end = body.find(b"\n", after)
        if line_end < 0:
            break  # cut off on the delimiter line
        following = _next_delimiter(body, delimiter, line_end)
        end = len(body) if following < 0 else following - 1  # the line break before it
        if end > line_end and body[end - 1] == 0x0D:
            end -= 1
        found = _part(body, line_end, end)
        if found is not None:
            results[found[0]] = found[1]
        start = following
    return results


def _next_delimiter(body: bytes, delimiter: bytes, position: int) -> int:
    """Offset of the next delimiter line at or after ``position`` (-1: none left)."""
    if position == 0 and body.startswith(delimiter) and _ends_delimiter(body, len(delimiter)):
        return 0
    needle = b"\n" + delimiter
    while True:
        found = body.find(needle, position)
        if found < 0:
            return -1
        if _ends_delimiter(body, found + len(needle)):
            return found + 1
        position = found + 1


def _ends_delimiter(body: bytes, index: int) -> bool:
    # "-": the close delimiter "--", or what is left of it in an answer cut short
    return index >= len(body) or body[index] in b" \t\r\n-"


def _part(body: bytes, line_end: int, end: int) -> tuple[str, BatchResult] | None:
    """(call id, result) of the part between the delimiter line ending at ``line_end`` and
    ``end``, or None when it is unusable."""
    blank = _blank_line(body, line_end, end)  # from the delimiter's \n: no headers ok
    if blank is None:
        return None
    head = body[line_end + 1 : blank[0]]
    lower = head.lower()
    call_id = _call_id(_header(head, lower, b"content-id").decode("latin-1"))
    if not call_id:
        return None
    encoding = _header(head, lower, b"content-transfer-encoding").lower()
    if encoding in (b"base64", b"quoted-printable"):
        decoded = _transfer_decoded(body[blank[1] : end], encoding)
        if decoded is None:
            return None
        result = _http_response(decoded, 0, len(decoded))
    else:
        result = _http_response(body, blank[1], end)
    return None if result is None else (call_id, result)


def _blank_line(data: bytes, begin: int, end: int) -> tuple[int, int] | None:
    """(end of the head, start of the body) at the first empty line in ``data[begin:end]``
    whose line break is LF or CRLF, the line before it included (None: no empty line)."""
    crlf = data.find(b"\n\r\n", begin, end)
    lf = data.find(b"\n\n", begin, end if crlf < 0 else crlf + 1)  # only an earlier one
    if lf >= 0:
        at, body_start = lf, lf + 2
    elif crlf >= 0:
        at, body_start = crlf, crlf + 3
    else:
        return None
    return (at - 1 if at > begin and data[at - 1] == 0x0D else at), body_start


def _boundary(content_type: str) -> bytes:
    message = email.message.Message()  # its parameter parser (quoting, RFC 2231), once per answer
    message["Content-Type"] = content_type[:1_000]
    if message.get_content_maintype() != "multipart":
        return b""
    boundary = message.get_param("boundary")
    return boundary.encode("latin-1", "replace") if isinstance(boundary, str) else b""


# A header line is ``name: value`` up to LF (or CRLF); the name is matched without regard to
# case or the whitespace around it, and the first of a repeated header counts. ``_header``
# reads one header in place (a part needs two or three), ``_headers`` all of them.
def _header(head: bytes, lower: bytes, name: bytes) -> bytes:
    """The value of the header ``name`` (lower case) in ``head`` (``lower`` is
    ``head.lower()``), or b"" when there is none."""
    at = lower.find(name)
    while at >= 0:
        line_start = lower.rfind(b"\n", 0, at) + 1
        line_end = lower.find(b"\n", at)
        if line_end < 0:
            line_end = len(lower)
        colon = lower.find(b":", at, line_end)
        if (
            colon >= 0
            and not lower[line_start:at].strip()
            and not lower[at + len(name) : colon].strip()
        ):
            return head[colon + 1 : line_end].strip()
        at = lower.find(name, line_end)  # not this line: its start is not blank
    return b""


def _headers(head: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.split(b"\n"):
        name, colon, value = line.partition(b":")
        if colon:
            headers.setdefault(
                name.strip().lower().decode("latin-1"), value.strip().decode("latin-1")
            )
    return headers


class _LazyHeaders(Mapping[str, str]):
    """An inner response's headers, read when first asked for: only error answers are."""

    __slots__ = ("_head", "_read")

    def __init__(self, head: bytes) -> None:
        self._head = head
        self._read: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._read is None:
            self._read = _headers(self._head)
        return self._read

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def _transfer_decoded(payload: bytes, encoding: bytes) -> bytes | None:
    if encoding == b"base64":
        try:
            return base64.b64decode(payload)
        except (binascii.Error, ValueError):
            return None
    return quopri.decodestring(payload)


def _is_number(text: bytes, max_digits: int) -> bool:
    """ASCII digits only (bytes.isdigit() knows no others; "²".isdigit() is true for a str)."""
    return 0 < len(text) <= max_digits and text.isdigit()


def _call_id(content_id: str) -> str:
    value = content_id.strip().strip("<>").strip()
    return value.removeprefix("response-")


def _http_response(data: bytes, begin: int, end: int) -> BatchResult | None:
    """The inner HTTP response in ``data[begin:end]``: status line, headers, body."""
    blank = _blank_line(data, begin, end)
    if blank is None:
        return None  # cut off before the end of its headers
    head_end, body_start = blank
    line_end = data.find(b"\n", begin, body_start)
    status = data[begin:line_end].rstrip(b"\r").split(b" ", 2)
    if len(status) < 2 or not _is_number(status[1], 3):
        return None
    head = data[line_end + 1 : head_end] if line_end < head_end else b""
    length = _header(head, head.lower(), b"content-length")
    if _is_number(length, 12):
        if end - body_start < int(length):
            return None  # truncated
        end = body_start + int(length)  # what follows is not the body (HTTP's rule)
    return BatchResult(int(status[1]), _LazyHeaders(head), data[body_start:end])
