"""``POST /batch/gmail/v1``: multipart/mixed of ``application/http`` parts, as Google documents.

Request parts are parsed with the ``email`` package; answers carry
``Content-ID: <response-ID>`` and come back in a shuffled (seeded) order, as Google gives no
ordering guarantee.
"""

from __future__ import annotations

import email
import email.policy
import functools
import http.client
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import errors
from .api import ApiRequest
from .errors import Response
from .faults import fault_response

MAX_PARTS = 100


@dataclass
class InnerCall:
    content_id: str | None
    request: ApiRequest | None
    error: Response | None = None


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


def parse_batch(body: bytes, content_type: str, outer_token: str | None) -> list[InnerCall]:
    """Split a batch body into inner requests; raises GoogleError for a malformed batch."""
    msg = email.message_from_bytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body,
        policy=email.policy.compat32,
    )
    if msg.get_content_type() != "multipart/mixed" or not msg.get_boundary():
        raise errors.bad_request("Batch requests must be multipart/mixed with a boundary.")
    parts = msg.get_payload()
    if not isinstance(parts, list) or not parts:
        raise errors.bad_request("Batch request contains no parts.")
    if len(parts) > MAX_PARTS:
        raise errors.bad_request(
            f"Batch request contains too many parts ({len(parts)}); the limit is {MAX_PARTS}."
        )
    calls: list[InnerCall] = []
    for part in parts:
        content_id = part.get("Content-ID")
        raw = part.get_payload(decode=True)
        if part.get_content_type() != "application/http" or not isinstance(raw, bytes):
            bad = errors.bad_request("Batch parts must be application/http.").response()
            calls.append(InnerCall(content_id, None, bad))
            continue
        calls.append(InnerCall(content_id, *_parse_inner(raw, outer_token)))
    return calls


def _parse_inner(raw: bytes, outer_token: str | None) -> tuple[ApiRequest | None, Response | None]:
    parsed = _parsed_inner(raw, outer_token)
    if isinstance(parsed, str):
        return None, errors.bad_request(parsed).response()
    method, path, query, headers, body, token = parsed
    request = ApiRequest(
        method, path, {k: list(v) for k, v in query}, dict(headers), body, token, in_batch=True
    )
    return request, None


# The same inner requests come again and again (a benchmark's searches): parsing each costs
# the email package's header parser and parse_qs, more than answering from cache_answers.
@functools.lru_cache(maxsize=4096)
def _parsed_inner(raw: bytes, outer_token: str | None) -> tuple[Any, ...] | str:
    """(method, path, query items, header items, body, token) of one inner request, or the
    error message for one Google refuses."""
    stream = io.BytesIO(raw.lstrip(b"\r\n"))
    request_line = stream.readline().decode("latin-1").strip()
    pieces = request_line.split()
    if len(pieces) < 2:
        return "Invalid request line in batch part."
    method, target = pieces[0].upper(), pieces[1]
    headers_msg = http.client.parse_headers(stream)
    headers = {k.lower(): v for k, v in headers_msg.items()}
    body = stream.read()
    url = urlsplit(target)
    if url.path.startswith("/upload/"):
        return "Media upload is not supported in batch requests."
    token = _bearer(headers.get("authorization")) or outer_token
    query = parse_qs(url.query, keep_blank_values=True)
    return (
        method,
        url.path,
        tuple((k, tuple(v)) for k, v in query.items()),
        tuple(headers.items()),
        body,
        token,
    )


def _inner_bytes(resp: Response) -> bytes:
    reason = HTTPStatus(resp.status).phrase if resp.status in HTTPStatus else ""
    lines = [f"HTTP/1.1 {resp.status} {reason}"]
    headers = list(resp.headers)
    if resp.body or resp.status != 204:
        headers += [("Vary", "Origin"), ("Vary", "X-Origin"), ("Vary", "Referer")]
    lines += [f"{k}: {v}" for k, v in headers]
    if resp.body:
        lines.append(f"Content-Length: {len(resp.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + resp.body


def _response_id(content_id: str | None, index: int) -> str:
    if content_id is None:
        return f"<response-{index + 1}>"
    cid = content_id.strip()
    if cid.startswith("<") and cid.endswith(">"):
        return f"<response-{cid[1:-1]}>"
    return f"response-{cid}"


def run_batch(
    calls: list[InnerCall],
    execute: Callable[[ApiRequest], Response],
    part_faults: list[str | None] | None,
    rng: random.Random,
) -> Response:
    """Execute the inner calls in order, answer them shuffled."""
    return assemble(answer_parts(calls, execute, part_faults), rng)


def answer_parts(
    calls: list[InnerCall],
    execute: Callable[[ApiRequest], Response],
    part_faults: list[str | None] | None,
) -> list[tuple[str, bytes]]:
    """(response Content-ID, inner HTTP response) of each call, executed in order."""
    answers: list[tuple[str, bytes]] = []
    for index, call in enumerate(calls):
        fault = part_faults[index] if part_faults else None
        if call.error is not None:
            resp = call.error
        elif fault is not None:
            resp = fault_response(fault)
        else:
            assert call.request is not None
            resp = execute(call.request)
        answers.append((_response_id(call.content_id, index), _inner_bytes(resp)))
    return answers


def assemble(answers: list[tuple[str, bytes]], rng: random.Random) -> Response:
    """The batch answer: the parts shuffled (seeded), under a fresh boundary."""
    answers = list(answers)
    rng.shuffle(answers)
    boundary = f"batch_{rng.getrandbits(64):016x}{rng.getrandbits(32):08x}"
    out = io.BytesIO()
    for response_id, payload in answers:
        out.write(f"--{boundary}\r\nContent-Type: application/http\r\n".encode())
        out.write(f"Content-ID: {response_id}\r\n\r\n".encode())
        out.write(payload + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return Response(
        200, out.getvalue(), [("Content-Type", f"multipart/mixed; boundary={boundary}")]
    )


_BOUNDARY = re.compile(r'boundary="?([0-9A-Za-z_.=+-]{1,70})"?')


def split_parts(body: bytes, content_type: str) -> list[bytes] | None:
    """The request's parts as bytes, split on its boundary (None: no boundary found). Only
    a key for answers kept by ``cache_answers``; requests are parsed by ``parse_batch``."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        return None
    pieces = body.split(b"--" + found.group(1).encode("latin-1", "replace"))
    return pieces[1:-1] if len(pieces) > 2 else None
