"""Gmail batch codec: many API calls in one multipart/mixed HTTP request. Pure functions.

Hand-written because no maintained requests-based batch client exists; the format is
Google's (https://developers.google.com/gmail/api/guides/batch). Response parts come back in
any order and are matched by ``Content-ID: response-<id>``.
"""

from __future__ import annotations

import email.parser
import email.policy
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
    Raises ValueError when the answer is not a multipart batch answer at all.
    """
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    outer = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    results: dict[str, BatchResult] = {}
    if not outer.is_multipart():
        raise ValueError("not a multipart batch answer")
    for part in outer.iter_parts():
        call_id = _call_id(str(part.get("Content-ID", "")))
        payload = part.get_payload(decode=True)
        if not call_id or not isinstance(payload, bytes):
            continue
        parsed = _parse_http_response(payload)
        if parsed is not None:
            results[call_id] = parsed
    return results


def _call_id(content_id: str) -> str:
    value = content_id.strip().strip("<>")
    return value.removeprefix("response-")


def _parse_http_response(raw: bytes) -> BatchResult | None:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    lines = head.decode("latin-1").splitlines()
    if not lines:
        return None
    status_parts = lines[0].split(" ", 2)
    if len(status_parts) < 2 or not status_parts[1].isdigit():
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return BatchResult(status=int(status_parts[1]), headers=headers, body=body)
