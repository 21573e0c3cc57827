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
from dataclasses import dataclass
from urllib.parse import urlencode

MAX_CALLS = 100  # Google's hard limit per batch request


@dataclass(frozen=True, slots=True)
class BatchCall:
    """One inner call without a body (GET, or an idempotent POST such as trash);
    ``path`` starts with ``/gmail/v1/``."""

    id: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    method: str = "GET"

    def request_line(self) -> str:
        query = urlencode(self.params)
        return f"{self.method} {self.path}{'?' + query if query else ''} HTTP/1.1"


@dataclass(frozen=True, slots=True)
class BatchResult:
    status: int
    headers: dict[str, str]
    body: bytes


def encode(calls: list[BatchCall]) -> tuple[str, bytes]:
    """Return (Content-Type, body) of a batch request."""
    if not 0 < len(calls) <= MAX_CALLS:
        raise ValueError(f"a batch holds 1..{MAX_CALLS} calls, not {len(calls)}")
    boundary = f"batch_{uuid.uuid4().hex}"
    lines: list[str] = []
    for call in calls:
        lines += [
            f"--{boundary}",
            "Content-Type: application/http",
            f"Content-ID: <{call.id}>",
            "",
            call.request_line(),
            "",
        ]
    lines += [f"--{boundary}--", ""]
    return f"multipart/mixed; boundary={boundary}", "\r\n".join(lines).encode("utf-8")


def decode(content_type: str, body: bytes) -> dict[str, BatchResult]:
    """Parse a batch response into {call id: result}. Malformed parts are left out.

    The caller treats an id with no result as failed, so nothing is silently dropped.
    Split on the boundary with ``bytes.split`` rather than the ``email`` parser: that one
    reads line by line, and Google's pretty-printed JSON of a message with 50,000 MIME parts
    is a million lines (seconds of CPU on the event loop).
    Raises ValueError when the answer is not a multipart batch answer at all.
    """
    boundary = _boundary(content_type)
    chunks = (b"\r\n" + body).split(b"\n--" + boundary) if boundary else []
    if len(chunks) < 2:
        raise ValueError("not a multipart batch answer")
    results: dict[str, BatchResult] = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        part = chunk.partition(b"\n")[2]  # the rest of the delimiter line
        head, sep, payload = part.partition(b"\r\n\r\n")
        if not sep:
            head, sep, payload = part.partition(b"\n\n")
        if not sep:
            continue
        headers = _headers(head)
        call_id = _call_id(headers.get("content-id", ""))
        decoded = _transfer_decoded(payload.removesuffix(b"\n").removesuffix(b"\r"), headers)
        if not call_id or decoded is None:
            continue
        parsed = _parse_http_response(decoded)
        if parsed is not None:
            results[call_id] = parsed
    return results


def _boundary(content_type: str) -> bytes:
    message = email.message.Message()
    message["Content-Type"] = content_type[:1_000]
    if message.get_content_maintype() != "multipart":
        return b""
    boundary = message.get_param("boundary")
    return boundary.encode("latin-1", "replace") if isinstance(boundary, str) else b""


def _headers(head: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers.setdefault(name.strip().lower(), value.strip())
    return headers


def _transfer_decoded(payload: bytes, headers: dict[str, str]) -> bytes | None:
    encoding = headers.get("content-transfer-encoding", "").lower()
    if encoding == "base64":
        try:
            return base64.b64decode(payload)
        except (binascii.Error, ValueError):
            return None
    if encoding == "quoted-printable":
        return quopri.decodestring(payload)
    return payload


def _call_id(content_id: str) -> str:
    value = content_id.strip().strip("<>")
    return value.removeprefix("response-")


def _parse_http_response(raw: bytes) -> BatchResult | None:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    status_line, _, rest = head.partition(b"\n")
    status_parts = status_line.rstrip(b"\r").decode("latin-1").split(" ", 2)
    if len(status_parts) < 2 or not status_parts[1].isdigit() or len(status_parts[1]) > 3:
        return None
    return BatchResult(status=int(status_parts[1]), headers=_headers(rest), body=body)
