"""Gmail REST API v1 client: requests, retries, batch fan-out, uploads, error mapping.

A client is cheap and per invocation (it holds that user's token); the connection pool
underneath is per process (see ``transport``).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import requests
import urllib3.exceptions

from gmail_core import batch, config, json_answers, scopes, transport
from gmail_core.errors import (
    AuthError,
    GmailApiError,
    InvalidInputError,
    NotFoundError,
    RateLimitError,
    ScopeError,
    TransientError,
)

log = logging.getLogger(__name__)

BATCH_CHUNK = 50  # Google advises at most 50 calls per batch
BATCH_CONCURRENCY = 4  # chunks in flight at once for one invocation
# A retry round of at most this many calls sends them as plain requests: get_thread's thread
# and label list still arrive when the batch endpoint itself fails.
ALONE_MAX = 2
MAX_ATTEMPTS = 5
USER_PATH = "/gmail/v1/users/me"
BATCH_PATH = "/batch/gmail/v1"
# Google's JSON is indented unless asked otherwise (a standard parameter of every method):
# compact answers are a third smaller to receive and to parse. Every call asks, batch calls
# too; the batch endpoint itself answers multipart, not JSON.
COMPACT = (("prettyPrint", "false"),)

_RATE_REASONS = {
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "dailyLimitExceeded",
    "quotaExceeded",
}
_SCOPE_REASONS = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}
_ID_CHARS = re.compile(r"[A-Za-z0-9_-]+")
MAX_ID_LEN = 512
# Attachment IDs are long opaque tokens (reported at 300-600+ characters, not documented);
# the bound only keeps absurd input out of the URL, far above anything Gmail was seen to issue.
MAX_ATTACHMENT_ID_LEN = 4096
_TIMED_OUT = "Gmail did not answer in time. This is usually temporary: try again in a minute."


def path_id(value: object, what: str = "message ID") -> str:
    """Validate an ID that goes into a URL path; Gmail IDs never need more than [A-Za-z0-9_-]."""
    text = str(value if value is not None else "").strip()
    limit = MAX_ATTACHMENT_ID_LEN if what == "attachment ID" else MAX_ID_LEN
    if len(text) > limit or not _ID_CHARS.fullmatch(text):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise InvalidInputError(
            f"'{shown}' is not a valid Gmail {what}. Use an ID returned by another Gmail tool "
            "(letters, digits, '-' and '_' only)."
        )
    return quote(text, safe="")


class GmailClient:
    def __init__(
        self,
        access_token: str,
        *,
        granted_scopes: str | None = None,
        access_level: str | None = None,
        deadline: transport.Deadline | None = None,
        capability: str | None = None,
    ) -> None:
        if not access_token:
            raise AuthError(
                "Gmail is not connected. Open the Gmail tool's authorization in Dify and press "
                "Connect.",
                status=401,
            )
        self._auth = {"Authorization": f"Bearer {access_token}"}
        self._granted = scopes.parse(granted_scopes)
        # None for connections made before levels were recorded: the granted scopes decide.
        self._level = scopes.access_level(access_level) if access_level else None
        # What the calling tool does (scopes.CAPABILITIES): names the permission in a 403.
        self.capability = capability
        self.deadline = deadline or transport.Deadline()
        self.base = config.gmail_api_base()

    # -- scopes -----------------------------------------------------------------
    def require(self, capability: str, *, instead: str = "") -> None:
        """Fail before any request unless both the connection's access level and its
        granted scopes allow ``capability``; ``instead`` tells the caller what it can do
        when the level refuses on purpose (see scopes.AccessLevel.refusals)."""
        if self._level is not None and capability not in self._level.capabilities:
            raise ScopeError(
                scopes.level_forbids_message(self._level, capability, instead),
                status=403,
                reason="access_level",
            )
        if self._granted is not None and not scopes.allows(self._granted, capability):
            raise ScopeError(
                scopes.missing_message(capability, self._level), status=403, reason="scope"
            )

    def allows(self, capability: str) -> bool:
        """Whether ``require(capability)`` would pass (to word an answer, not to guard)."""
        level_ok = self._level is None or capability in self._level.capabilities
        return level_ok and (self._granted is None or scopes.allows(self._granted, capability))

    # -- single calls -----------------------------------------------------------
    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        what: str = "item",
        key: str = "",
        items: str = "",
    ) -> dict[str, Any]:
        """GET one resource or list; Gmail always answers with a JSON object.

        ``key``: a field the object must carry as a non-empty string (a resource's ``id``);
        ``items``: the list field of a list answer (e.g. ``messages``), whose entries must each
        carry a string ``id``. Any other answer is the temporary "unreadable answer" error,
        retried like one: junk must never pass for a message or for an empty result.
        """
        return dict(
            self._retrying(
                lambda: answer_object(
                    self._http("GET", path, params, None, None, None, what).content,
                    key=key,
                    items=items,
                ),
                retry=True,
            )
        )

    def get_raw(self, path: str, *, what: str = "item") -> bytes:
        """A GET retried like ``get``, its body not parsed: for answers too large to parse
        whole comfortably (a 25 MB attachment arrives as 34 MB of JSON)."""
        body: bytes = self._retrying(
            lambda: self._http("GET", path, None, None, None, None, what).content, True
        )
        return body

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        what: str = "item",
        after_unclear: Callable[[GmailApiError], Any] | None = None,
    ) -> Any:
        """One API call; ``path`` is relative to the API base (``/gmail/v1/...``).

        ``retry`` is for idempotent calls: rate limits, 5xx and network failures are retried
        with backoff inside the invocation's time budget. Returns parsed JSON or None.

        ``after_unclear`` is for writes whose repetition answers differently once the first
        one landed (a create gets 409, a delete 404): an error that follows an attempt of
        unknown outcome goes to it, and it returns what the request did, or raises.
        """
        return self._retrying(
            lambda: _json_or_none(
                self._http(method, path, params, json_body, data, headers, what).content
            ),
            retry,
            after_unclear,
        )

    def _retrying(
        self,
        attempt_call: Callable[[], Any],
        retry: bool,
        after_unclear: Callable[[GmailApiError], Any] | None = None,
    ) -> Any:
        attempt = 0
        unclear = False  # an earlier attempt may have been carried out
        while True:
            try:
                return attempt_call()
            except TransientError as exc:
                unclear = unclear or outcome_unknown(exc)
                attempt += 1
                if not retry or attempt >= MAX_ATTEMPTS:
                    raise
                self._sleep_before_retry(attempt, exc)
            except GmailApiError as exc:
                if unclear and after_unclear is not None:
                    return after_unclear(exc)
                raise

    def _http(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        data: bytes | transport.UploadBody | None,
        headers: Mapping[str, str] | None,
        what: str,
    ) -> requests.Response:
        """One HTTP exchange; any failure comes back as a typed GmailApiError."""
        if self.deadline.remaining() <= 0:
            # The invocation's time is up: a request now would end after Dify stopped waiting.
            # "not_started": nothing reached Gmail (a send was certainly not made).
            raise TransientError(_TIMED_OUT, reason="not_started")
        all_headers = {**self._auth, **(headers or {})}
        if path != BATCH_PATH:
            params = {**(params or {}), **dict(COMPACT)}
        try:
            resp = transport.session().request(
                method,
                self.base + path,
                params=params,
                json=json_body,
                data=data,
                headers=all_headers,
                timeout=self.deadline.timeout(),
            )
        except requests.ConnectionError as exc:  # ConnectTimeout included
            if _read_timed_out(exc):
                raise TransientError(_TIMED_OUT, reason="timeout") from exc
            raise TransientError(
                "Could not reach Gmail (network error). This is usually temporary: check the "
                "plugin's network access and try again.",
                # "connect": no connection was made, so nothing reached Gmail (a send may be
                # retried); "network": it may have, before the connection broke.
                reason="connect" if _never_connected(exc) else "network",
            ) from exc
        except requests.Timeout as exc:
            raise TransientError(_TIMED_OUT, reason="timeout") from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            # requests re-raises some urllib3 errors as they are (UnrewindableBodyError among
            # them): they are network failures all the same, so a send is checked, not lost.
            raise TransientError(
                "Could not reach Gmail (network error). This is usually temporary: check the "
                "plugin's network access and try again.",
                reason="network",
            ) from exc
        if resp.status_code >= 400:
            error = error_from_response(resp.status_code, resp.content, resp.headers, what=what)
            raise self._worded(error, method, path)
        return resp

    def _worded(self, error: GmailApiError, method: str, path: str) -> GmailApiError:
        """A refusal for a missing permission names the permission this request needed
        (Google's own message names none), else the calling tool's."""
        needed = scopes.needed_for(method, path) or self.capability
        if not isinstance(error, ScopeError) or not needed:
            return error
        return ScopeError(
            scopes.missing_message(needed, self._level), status=error.status, reason=error.reason
        )

    def _sleep_before_retry(self, attempt: int, exc: TransientError) -> None:
        delay = transport.backoff_delay(attempt - 1, exc.retry_after)
        if delay >= self.deadline.remaining() - 1:
            raise exc
        log.info(
            "Gmail call failed transiently (%s); retry %d in %.1fs", exc.reason, attempt, delay
        )
        time.sleep(delay)

    # -- batch fan-out ----------------------------------------------------------
    def get_many(
        self,
        paths: Sequence[tuple[str, str]],
        params: Sequence[tuple[str, str]] = (),
        *,
        riders: Sequence[batch.BatchCall] = (),
        what: str = "message",
        key: str = "id",
        each: Callable[[Any, int], Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, GmailApiError]]:
        """GET many resources via the batch endpoint. ``paths`` = [(call id, path)]."""
        shared = tuple(params)
        calls = [batch.BatchCall(id=cid, path=path, params=shared) for cid, path in paths]
        return self.call_many(calls, riders=riders, what=what, key=key, each=each)

    def call_many(
        self,
        calls: Sequence[batch.BatchCall],
        *,
        riders: Sequence[batch.BatchCall] = (),
        what: str = "message",
        key: str = "id",
        items: str = "",
        each: Callable[[Any, int], Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, GmailApiError]]:
        """Run idempotent calls through the batch endpoint (chunks of 50, a few in flight).

        ``riders`` (e.g. the label list a search needs) travel in the first chunk on top of
        its 50 calls, so they cost no extra HTTP request. Returns ({id: json}, {id: error});
        every id lands in exactly one of the two. Parts that fail transiently (or are
        missing from the answer) are re-batched and retried with backoff (up to ALONE_MAX
        of them as plain requests); the others are reported, never dropped. Each call
        answers with the resource it fetched or changed, which carries ``key`` (a resource's
        ``id``) and, if given, the list ``items`` (see ``answer_object``); an answer without
        them is unreadable, and retried like one.
        Riders may answer any JSON object.

        ``each(json, size)`` turns each call's answer (not a rider's) into what ``done``
        holds, as soon as its chunk arrives and while the other chunks are still on their way:
        the JSON of a chunk is then dropped, never held for all of them (``size``: the answer's
        bytes). It must not raise.
        """
        rider_ids = {rider.id for rider in riders}
        pending = list(calls)
        first_riders = list(riders)
        done: dict[str, Any] = {}
        failed: dict[str, GmailApiError] = {}

        def settle(
            chunk: list[batch.BatchCall], outcome: dict[str, batch.BatchResult] | GmailApiError
        ) -> dict[str, Any]:
            """Each call's value (``each`` applied) or its GmailApiError."""
            settled: dict[str, Any] = {}
            for call in chunk:
                result = outcome if isinstance(outcome, GmailApiError) else outcome.get(call.id)
                rider = call.id in rider_ids
                try:
                    value = _part_json(result, what, "" if rider else key, "" if rider else items)
                except GmailApiError as err:
                    settled[call.id] = self._worded(err, call.method, call.path)
                    continue
                if each is not None and not rider:
                    size = len(result.body) if isinstance(result, batch.BatchResult) else 0
                    value = each(value, size)
                settled[call.id] = value
            return settled

        attempt = 0
        while pending:
            chunks = [pending[i : i + BATCH_CHUNK] for i in range(0, len(pending), BATCH_CHUNK)]
            if first_riders:
                chunks = [first_riders + chunks[0], *chunks[1:]] if chunks else [first_riders]
                pending = first_riders + pending
                first_riders = []
            retry_calls: list[batch.BatchCall] = []
            last_transient: TransientError | None = None
            settled_chunks = self._run_chunks(chunks, what, settle, alone=attempt > 0)
            for chunk, settled in zip(chunks, settled_chunks, strict=True):
                for call in chunk:
                    value = settled[call.id]
                    if not isinstance(value, GmailApiError):
                        done[call.id] = value
                        failed.pop(call.id, None)
                        continue
                    failed[call.id] = value
                    if isinstance(value, TransientError):
                        retry_calls.append(call)
                        last_transient = value
            attempt += 1
            if not retry_calls or attempt >= MAX_ATTEMPTS or last_transient is None:
                break
            delay = transport.backoff_delay(attempt - 1, last_transient.retry_after)
            if delay >= self.deadline.remaining() - 1:
                break
            time.sleep(delay)
            pending = retry_calls
        return done, failed

    def _run_chunks(
        self,
        chunks: list[list[batch.BatchCall]],
        what: str,
        settle: Callable[
            [list[batch.BatchCall], dict[str, batch.BatchResult] | GmailApiError], dict[str, Any]
        ],
        *,
        alone: bool = False,
    ) -> Iterable[dict[str, Any]]:
        """``settle(chunk, its answer)`` for each chunk, each as soon as its answer arrives;
        with ``alone`` (a retry), up to ALONE_MAX calls go as plain requests (``_call_alone``)."""
        if len(chunks) == 1:
            if alone and len(chunks[0]) <= ALONE_MAX:
                settled: dict[str, Any] = {}
                for call in chunks[0]:
                    settled.update(settle([call], self._call_alone(call, what)))
                return [settled]
            return [settle(chunks[0], self._post_batch(chunks[0], what))]
        # Threads become greenlets under the SDK's gevent patch; either way they share the pool.
        with ThreadPoolExecutor(max_workers=min(BATCH_CONCURRENCY, len(chunks))) as pool:
            return list(
                pool.map(lambda chunk: settle(chunk, self._post_batch(chunk, what)), chunks)
            )

    def _call_alone(
        self, call: batch.BatchCall, what: str
    ) -> dict[str, batch.BatchResult] | GmailApiError:
        """A retried call as a plain request: a batch of one or two costs about the same, and
        a call that the batch endpoint keeps failing (or the endpoint itself) may pass alone."""
        params: dict[str, list[str]] = {}
        for name, value in call.params:  # a name may repeat (e.g. metadataHeaders)
            params.setdefault(name, []).append(value)
        try:
            resp = self._http(call.method, call.path, params, None, None, None, what)
        except GmailApiError as exc:
            return exc
        return {call.id: batch.BatchResult(resp.status_code, dict(resp.headers), resp.content)}

    def _post_batch(
        self, calls: list[batch.BatchCall], what: str
    ) -> dict[str, batch.BatchResult] | GmailApiError:
        """One batch request (retried as a whole on transient failure); the error if it fails."""
        content_type, body = batch.encode(calls, COMPACT)
        try:
            resp = self._retrying(
                lambda: self._http(
                    "POST",
                    BATCH_PATH,
                    None,
                    None,
                    body,
                    {"Content-Type": content_type},
                    what,
                ),
                retry=True,
            )
        except GmailApiError as exc:
            return exc
        try:
            return batch.decode(resp.headers.get("Content-Type", ""), resp.content)
        except ValueError:
            return _unreadable()

    # -- uploads ----------------------------------------------------------------
    def upload(
        self,
        path: str,
        raw: bytes | bytearray,
        *,
        metadata: Mapping[str, Any] | None = None,
        method: str = "POST",
        retry: bool = False,
        what: str = "message",
    ) -> Any:
        """Send an RFC 822 message through the upload endpoint (no size-limited JSON ``raw``).

        ``path`` is relative to ``/upload/gmail/v1/users/me``. ``uploadType=media`` when only
        the message travels, ``multipart`` when metadata (e.g. threadId) must go with it. The
        message is streamed from memory as it is, never copied into a larger body.
        """
        full = "/upload" + USER_PATH + path
        if not metadata:
            return self._upload(method, full, "media", "message/rfc822", (raw,), retry, what)
        boundary = f"upload_{uuid.uuid4().hex}"
        head = (
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(dict(metadata))}\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        content_type = f"multipart/related; boundary={boundary}"
        return self._upload(method, full, "multipart", content_type, (head, raw, tail), retry, what)

    def _upload(
        self,
        method: str,
        path: str,
        upload_type: str,
        content_type: str,
        parts: tuple[bytes | bytearray, ...],
        retry: bool,
        what: str,
    ) -> Any:
        return self._retrying(
            lambda: _json_or_none(
                self._http(
                    method,
                    path,
                    {"uploadType": upload_type},
                    None,
                    transport.UploadBody(*parts),  # a fresh reader for every attempt
                    {"Content-Type": content_type},
                    what,
                ).content
            ),
            retry,
        )


def outcome_unknown(exc: TransientError) -> bool:
    """Whether Gmail may have carried out the request that failed with ``exc``: not for a rate
    limit (refused before it was taken) nor for a connection that was never made."""
    return not isinstance(exc, RateLimitError) and exc.reason not in ("connect", "not_started")


def _never_connected(exc: requests.RequestException) -> bool:
    """True when no connection was made, so the request cannot have reached Gmail: a connect
    timeout, or urllib3 giving up on new connections (refused, unreachable, DNS)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _read_timed_out(exc: requests.ConnectionError) -> bool:
    """A read timeout can arrive as a ConnectionError: urllib3's Retry (read=0) wraps it in
    MaxRetryError, which requests turns into ConnectionError. It is still a timeout."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.ReadTimeoutError)


def _unreadable() -> TransientError:
    return TransientError(
        "Gmail sent an unreadable answer. This is usually temporary: try again.",
        reason="bad_json",
    )


def _json_or_none(content: bytes) -> Any:
    """The answer's JSON object, or None for an empty answer (e.g. 204 of a delete)."""
    if not content.strip():
        return None
    return answer_object(content)


def answer_object(content: bytes, *, key: str = "", items: str = "") -> dict[str, Any]:
    """Gmail's answer as a JSON object; anything else (not JSON, ``null``, a list, a number,
    an object without ``key``, or ``items`` that are not a list of objects with an ``id``)
    is the temporary "unreadable answer" error. See :meth:`GmailClient.get`."""
    try:
        doc = json_answers.parse(content)
    except ValueError as exc:
        raise _unreadable() from exc
    if not isinstance(doc, dict):
        raise _unreadable()
    if key and not (isinstance(doc.get(key), str) and doc[key]):
        raise _unreadable()
    if items:
        found = doc.get(items, [])  # Gmail leaves the field out of an empty list
        token = doc.get("nextPageToken", "")
        estimate = doc.get("resultSizeEstimate", 0)
        if (
            not isinstance(found, list)
            or not all(isinstance(i, dict) and isinstance(i.get("id"), str) and i["id"]
                       for i in found)
            or not isinstance(token, str)
            or not isinstance(estimate, int)
        ):  # fmt: skip
            raise _unreadable()
    return doc


def _part_json(
    result: batch.BatchResult | GmailApiError | None, what: str, key: str, items: str = ""
) -> Any:
    """The JSON of one batch part (an object with ``key`` and ``items``, if given), or the
    error it stands for."""
    if result is None:
        raise TransientError(
            f"Gmail's batch answer left out this {what}. This is usually temporary: try again.",
            reason="missing",
        )
    if isinstance(result, GmailApiError):
        raise result
    if result.status >= 400:
        raise error_from_response(result.status, result.body, result.headers, what=what)
    if result.status == 204:
        if key or items:  # the call answers with a resource: an empty answer holds none
            raise _unreadable()
        return None
    return answer_object(result.body, key=key, items=items)


def _google_error(body: bytes) -> tuple[str, str, str, list[Any]]:
    """(message, first reason, status, details) from Google's JSON error body, tolerant of junk."""
    try:
        doc = json_answers.parse(body)
    except ValueError:
        return "", "", "", []
    err = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(err, dict):
        return "", "", "", []
    message = str(err.get("message") or "")
    errors = err.get("errors")
    errors = errors if isinstance(errors, list) else []
    reason = str(errors[0].get("reason", "")) if errors and isinstance(errors[0], dict) else ""
    details = err.get("details")
    details = details if isinstance(details, list) else []
    for d in details:
        if isinstance(d, dict) and d.get("reason") and not reason:
            reason = str(d["reason"])
    for d in details:
        if isinstance(d, dict) and d.get("reason") in _SCOPE_REASONS | {"SERVICE_DISABLED"}:
            reason = str(d["reason"])
    return message, reason, str(err.get("status") or ""), details


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# Where valid IDs of each kind come from: an agent that passed a wrong one calls that next.
_LISTERS = {
    "draft": "list_drafts returns draft IDs; a message ID is not a draft ID",
    "label": "list_labels returns label names and IDs",
    "attachment": "get_message lists a message's attachments",
}


def _lister(what: str) -> str:
    return _LISTERS.get(what, "search_messages returns valid IDs")


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str] | None = None, *, what: str = "item"
) -> GmailApiError:
    """Map a Gmail error answer to a typed error with a message that names the fix."""
    message, reason, gstatus, _ = _google_error(body)
    hint = transport.retry_hint(dict(headers or {}), message)
    err: GmailApiError
    if status == 401:
        err = AuthError(
            "The Gmail connection expired or was revoked. Reconnect Gmail in Dify "
            "(the tool's authorization settings) and try again.",
            status=status,
            reason=reason or "authError",
        )
    elif status == 429 or (status == 403 and reason in _RATE_REASONS):
        daily = reason == "dailyLimitExceeded"
        err = RateLimitError(
            "Gmail's daily usage limit for this account or project is used up. Try again tomorrow."
            if daily
            else "Gmail is rate-limiting this account (too many requests at once). This is "
            "temporary: wait a minute and try again.",
            status=status,
            reason=reason or "rateLimitExceeded",
        )
    elif status == 403 and (
        reason in _SCOPE_REASONS or (gstatus == "PERMISSION_DENIED" and "scope" in message.lower())
    ):
        err = ScopeError(
            "This Gmail connection was not granted the permission this action needs. Reconnect "
            "Gmail in Dify with access level 'full' and tick every Gmail permission on Google's "
            "consent screen.",
            status=status,
            reason=reason,
        )
    elif status == 403 and (
        reason in {"SERVICE_DISABLED", "accessNotConfigured"} or "has not been used" in message
    ):
        err = GmailApiError(
            "The Gmail API is not enabled in the Google Cloud project of this OAuth client. Enable "
            "it at https://console.cloud.google.com/apis/library/gmail.googleapis.com, wait a "
            "few minutes, then try again.",
            status=status,
            reason=reason or "SERVICE_DISABLED",
        )
    elif status == 404:
        err = NotFoundError(
            f"Gmail found no {what} with that ID. Check the ID ({_lister(what)}); it may have "
            "been deleted.",
            status=status,
            reason=reason or "notFound",
        )
    elif status == 400 and message.strip().rstrip(".").lower() == "invalid id value":
        err = GmailApiError(
            f"Gmail says the {what} ID is not a valid ID. Check the ID ({_lister(what)}).",
            status=status,
            reason=reason or "invalidArgument",
        )
    elif status == 400 and "Mail service not enabled" in message:
        err = GmailApiError(
            "This Google account has no Gmail mailbox (Mail service not enabled). Connect an "
            "account that uses Gmail.",
            status=status,
            reason=reason or "failedPrecondition",
        )
    elif status >= 500 or status in (408,):
        err = TransientError(
            f"Gmail is temporarily unavailable (HTTP {status}). Try again in a minute.",
            status=status,
            reason=reason or "backendError",
        )
    else:
        detail = _short(message) or f"HTTP {status}"
        err = GmailApiError(
            f"Gmail rejected the request: {detail}. Check the values passed to this tool.",
            status=status,
            reason=reason,
        )
    err.retry_after = hint
    return err
