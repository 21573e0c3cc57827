"""GmailClient: error mapping, retries, batch fan-out and the batch codec (Google mocked)."""

from __future__ import annotations

import json
import time
from email.utils import formatdate

import pytest
import requests
import responses

from gmail_core import batch, scopes, transport
from gmail_core import client as client_mod
from gmail_core.client import GmailClient, error_from_response, path_id
from gmail_core.errors import (
    AuthError,
    GmailApiError,
    InvalidInputError,
    NotFoundError,
    RateLimitError,
    ScopeError,
    TransientError,
)

BASE = "https://gmail.googleapis.com"
PROFILE = BASE + "/gmail/v1/users/me/profile"
TOKEN = "ya29.unit-token"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    monkeypatch.delenv("GMAIL_API_BASE_URL", raising=False)
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


def google_error(code: int, reason: str, message: str = "m", status: str = "") -> dict[str, object]:
    return {
        "error": {
            "code": code,
            "message": message,
            "status": status,
            "errors": [{"reason": reason}],
        }
    }


@pytest.mark.parametrize(
    ("status", "body", "kind", "needle"),
    [
        (401, google_error(401, "authError"), AuthError, "Reconnect"),
        (429, google_error(429, "rateLimitExceeded"), RateLimitError, "temporary"),
        (403, google_error(403, "userRateLimitExceeded"), RateLimitError, "rate-limiting"),
        (403, google_error(403, "dailyLimitExceeded"), RateLimitError, "daily"),
        (403, google_error(403, "insufficientPermissions"), ScopeError, "tick every Gmail permission"),
        (404, google_error(404, "notFound"), NotFoundError, "found no message"),
        (400, google_error(400, "failedPrecondition", "Mail service not enabled"), GmailApiError, "no Gmail mailbox"),
        (400, google_error(400, "invalidArgument", "Invalid To header"), GmailApiError, "Invalid To header"),
        (500, google_error(500, "backendError"), TransientError, "temporarily unavailable"),
        (502, b"<html>bad gateway</html>", TransientError, "HTTP 502"),
    ],
)  # fmt: skip
def test_error_mapping(status: int, body: object, kind: type, needle: str) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    err = error_from_response(status, raw, {}, what="message")
    assert type(err) is kind
    assert needle in str(err)
    assert "{" not in str(err)


@pytest.mark.parametrize(
    ("what", "tool"),
    [
        ("message", "search_messages"),
        ("thread", "search_messages"),
        ("draft", "list_drafts"),
        ("label", "list_labels"),
        ("attachment", "get_message"),
    ],
)
def test_a_wrong_id_names_the_tool_that_returns_valid_ones(what: str, tool: str) -> None:
    # An agent that passed a message ID as a draft ID must not be sent to search_messages.
    missing = error_from_response(
        404, json.dumps(google_error(404, "notFound")).encode(), what=what
    )
    malformed = error_from_response(
        400,
        json.dumps(google_error(400, "invalidArgument", "Invalid id value")).encode(),
        what=what,
    )
    assert isinstance(missing, NotFoundError) and f"no {what} with that ID" in str(missing)
    assert f"the {what} ID is not a valid ID" in str(malformed)
    assert "rejected the request" not in str(malformed)
    for err in (missing, malformed):
        assert tool in str(err)
        assert (what == "message" or what == "thread") == ("search_messages" in str(err))


def test_service_disabled_is_not_a_scope_error() -> None:
    body = {
        "error": {
            "code": 403,
            "message": "Gmail API has not been used in project 123 before or it is disabled.",
            "status": "PERMISSION_DENIED",
            "details": [{"reason": "SERVICE_DISABLED"}],
        }
    }
    err = error_from_response(403, json.dumps(body).encode())
    assert "not enabled" in str(err) and not isinstance(err, ScopeError)


def test_long_google_message_is_cut_to_one_line() -> None:
    body = google_error(400, "invalidArgument", "x\n" * 500)
    text = str(error_from_response(400, json.dumps(body).encode()))
    assert "\n" not in text and len(text) < 400


def test_retry_hints() -> None:
    now = 1_800_000_000.0
    assert transport.retry_hint({"Retry-After": "7"}, "", now=now) == 7.0
    http_date = formatdate(now + 30, usegmt=True)
    assert transport.retry_hint({"Retry-After": http_date}, "", now=now) == pytest.approx(30, abs=1)
    msg = "User-rate limit exceeded.  Retry after 2027-01-15T08:00:05.000Z"
    when = transport.retry_hint({}, msg, now=1_800_000_000.0)
    assert when is not None and when > 0
    assert transport.retry_hint({}, "nothing here", now=now) is None
    assert transport.backoff_delay(3, hint=500) == transport.MAX_HINT
    assert 0 <= transport.backoff_delay(10) <= transport.BACKOFF_CAP


@responses.activate
def test_transient_errors_are_retried_then_succeed(_fast: list[float]) -> None:
    responses.get(PROFILE, status=503, json=google_error(503, "backendError"))
    responses.get(
        PROFILE,
        status=429,
        json=google_error(429, "rateLimitExceeded"),
        headers={"Retry-After": "2"},
    )
    responses.get(PROFILE, json={"emailAddress": "me@example.com"})
    got = GmailClient(TOKEN).get("/gmail/v1/users/me/profile")
    assert got == {"emailAddress": "me@example.com"}
    assert len(responses.calls) == 3
    assert 2.0 in _fast, _fast  # the server's Retry-After was honoured
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in responses.calls)


@responses.activate
def test_permanent_errors_are_not_retried() -> None:
    responses.get(PROFILE, status=404, json=google_error(404, "notFound"))
    with pytest.raises(NotFoundError):
        GmailClient(TOKEN).get("/gmail/v1/users/me/profile", what="profile")
    assert len(responses.calls) == 1


@responses.activate
def test_retries_stop_at_the_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # Doubling waits without the jitter: four short random draws in a row could all fit the
    # budget (time.sleep is stubbed here, so the budget never shrinks) — a 1-in-60 flake.
    monkeypatch.setattr(transport, "backoff_delay", lambda attempt, *_a, **_k: 0.3 * 2**attempt)
    responses.get(PROFILE, status=503, json=google_error(503, "backendError"))
    deadline = transport.Deadline(seconds=1.5)
    with pytest.raises(TransientError, match="temporarily unavailable"):
        GmailClient(TOKEN, deadline=deadline).get("/gmail/v1/users/me/profile")
    assert len(responses.calls) < client_mod.MAX_ATTEMPTS


@responses.activate
def test_non_retry_call_is_sent_once() -> None:
    responses.post(BASE + "/x", status=500, json=google_error(500, "backendError"))
    with pytest.raises(TransientError):
        GmailClient(TOKEN).request("POST", "/x", json_body={}, retry=False)
    assert len(responses.calls) == 1


@responses.activate
def test_unreadable_json_is_a_transient_error() -> None:
    responses.get(PROFILE, body=b'{"emailAddress": "trunc')
    with pytest.raises(TransientError, match="unreadable"):
        GmailClient(TOKEN).request("GET", "/gmail/v1/users/me/profile", retry=False)


@responses.activate
def test_network_error_message() -> None:
    responses.get(PROFILE, body=requests.ConnectionError("reset by peer"))
    with pytest.raises(TransientError, match="Could not reach Gmail"):
        GmailClient(TOKEN).request("GET", "/gmail/v1/users/me/profile", retry=False)


def test_missing_token_and_scope_checks_make_no_request() -> None:
    with pytest.raises(AuthError, match="not connected"):
        GmailClient("")
    ro = GmailClient(TOKEN, granted_scopes="https://www.googleapis.com/auth/gmail.readonly")
    ro.require("read")
    with pytest.raises(ScopeError, match="send email"):
        ro.require("send")
    GmailClient(TOKEN, granted_scopes=None).require("send")  # unknown scopes: let Google decide


@pytest.mark.parametrize("capability", ["send", "compose", "modify", "labels"])
def test_read_only_level_refuses_writes_even_with_a_wider_token(capability: str) -> None:
    client = GmailClient(TOKEN, granted_scopes=scopes.MODIFY, access_level="read_only")
    client.require("read")
    with pytest.raises(ScopeError, match="read-only access level") as info:
        client.require(capability)
    assert "reconnect" in str(info.value).lower()


def test_level_and_scopes_are_intersected() -> None:
    # A full level does not widen a narrow grant; an unrecorded level leaves it to the scopes.
    with pytest.raises(ScopeError, match="send email"):
        GmailClient(TOKEN, granted_scopes=scopes.READONLY, access_level="full").require("send")
    GmailClient(TOKEN, granted_scopes=scopes.MODIFY, access_level=None).require("send")
    with pytest.raises(ScopeError, match="read-only"):  # unknown level name: the least
        GmailClient(TOKEN, granted_scopes=scopes.MODIFY, access_level="future").require("send")


@pytest.mark.parametrize("bad", ["", "a/b", "..", "a?b", "a#b", "%2F", "a b", "x" * 600, None])
def test_path_ids_are_validated(bad: object) -> None:
    with pytest.raises(InvalidInputError, match="not a valid Gmail"):
        path_id(bad)


def test_path_id_accepts_gmail_length_attachment_ids() -> None:
    real_length = "ANGjdJ" + "x_Y-9" * 140  # 706 characters, as Gmail issues them
    assert path_id(real_length, "attachment ID") == real_length
    for bad in ("x" * 5000, real_length[:-1] + "/", real_length + "é"):
        with pytest.raises(InvalidInputError, match="attachment ID"):
            path_id(bad, "attachment ID")


def test_path_id_accepts_gmail_ids() -> None:
    assert path_id("18c2f3a4b5d6e7f8") == "18c2f3a4b5d6e7f8"
    assert path_id("r-1234567890", "draft ID") == "r-1234567890"
    assert path_id("Label_12", "label ID") == "Label_12"


# -- batch codec and fan-out --------------------------------------------------------------
def batch_response(
    parts: list[tuple[str, int, object]], boundary: str = "resp_b"
) -> tuple[str, bytes]:
    chunks = []
    for call_id, status, body in parts:
        payload = json.dumps(body)
        chunks.append(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <response-{call_id}>\r\n\r\n"
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{payload}\r\n"
        )
    body = "".join(chunks) + f"--{boundary}--\r\n"
    return f"multipart/mixed; boundary={boundary}", body.encode()


def test_batch_encode_is_googles_format() -> None:
    content_type, body = batch.encode(
        [batch.BatchCall("a1", "/gmail/v1/users/me/messages/1", (("format", "metadata"),))]
    )
    assert content_type.startswith("multipart/mixed; boundary=")
    text = body.decode()
    assert "Content-Type: application/http\r\nContent-ID: <a1>" in text
    assert "GET /gmail/v1/users/me/messages/1?format=metadata HTTP/1.1" in text
    with pytest.raises(ValueError):
        batch.encode([batch.BatchCall(str(i), "/p") for i in range(101)])


def test_batch_decode_matches_parts_by_content_id_in_any_order() -> None:
    ctype, body = batch_response([("b", 404, {"error": {}}), ("a", 200, {"id": "a"})])
    got = batch.decode(ctype, body)
    assert got["a"].status == 200 and json.loads(got["a"].body) == {"id": "a"}
    assert got["b"].status == 404
    assert batch.decode("text/plain", b"junk") == {}


@responses.activate
def test_get_many_retries_only_failed_parts_and_reports_the_rest() -> None:
    url = BASE + "/batch/gmail/v1"
    first = batch_response(
        [
            ("m1", 200, {"id": "m1"}),
            ("m2", 429, google_error(429, "rateLimitExceeded")),
            ("m3", 404, google_error(404, "notFound")),
        ]
    )
    second = batch_response([("m2", 200, {"id": "m2"})])
    responses.post(url, body=first[1], content_type=first[0])
    responses.post(url, body=second[1], content_type=second[0])
    done, failed = GmailClient(TOKEN).get_many(
        [(k, f"/gmail/v1/users/me/messages/{k}") for k in ("m1", "m2", "m3")]
    )
    assert set(done) == {"m1", "m2"} and set(failed) == {"m3"}
    assert isinstance(failed["m3"], NotFoundError)
    retried = responses.calls[1].request.body
    assert (
        b"messages/m2" in retried
        and b"messages/m1" not in retried
        and b"messages/m3" not in retried
    )


@responses.activate
def test_get_many_chunks_by_50_with_riders_in_the_first() -> None:
    url = BASE + "/batch/gmail/v1"
    seen: list[int] = []

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        ids = [
            line.split("<", 1)[1].rstrip(">")
            for line in request.body.decode().split("\r\n")
            if line.startswith("Content-ID:")
        ]  # type: ignore[union-attr]
        seen.append(len(ids))
        ctype, body = batch_response([(i, 200, {"id": i}) for i in ids])
        return 200, {"Content-Type": ctype}, body

    responses.add_callback(responses.POST, url, callback=answer)
    keys = [f"m{i}" for i in range(100)]
    done, failed = GmailClient(TOKEN).get_many(
        [(k, f"/gmail/v1/users/me/messages/{k}") for k in keys],
        riders=[batch.BatchCall("labels", "/gmail/v1/users/me/labels")],
    )
    assert not failed and set(done) == {*keys, "labels"}
    assert sorted(seen) == [50, 51]  # 100 messages + 1 rider in two batch requests


@responses.activate
def test_a_refusal_names_the_permission_of_the_refused_request() -> None:
    """Google's 403 names no scope: the message names what the refused request needs, not
    what the calling tool does (a draft tool reading a message, or the send-as list)."""
    refused = google_error(403, "insufficientPermissions", "Insufficient Permission")
    responses.get(BASE + "/gmail/v1/users/me/settings/sendAs", json=refused, status=403)
    parts = batch_response([("m1", 403, refused)])
    responses.post(BASE + "/batch/gmail/v1", body=parts[1], content_type=parts[0])
    client = GmailClient(TOKEN, capability="compose")
    with pytest.raises(ScopeError) as raised:
        client.get("/gmail/v1/users/me/settings/sendAs")
    assert "read your send-as addresses and signatures" in str(raised.value)
    _, failed = client.get_many([("m1", "/gmail/v1/users/me/messages/m1")])
    assert isinstance(failed["m1"], ScopeError)
    assert "read your email (gmail.readonly" in str(failed["m1"])
    for message in (str(raised.value), str(failed["m1"])):
        assert "manage drafts" not in message


@pytest.mark.parametrize(
    ("method", "path", "capability"),
    [
        ("GET", "/gmail/v1/users/me/settings/sendAs", "read_settings"),
        ("GET", "/gmail/v1/users/me/drafts", "read_drafts"),
        ("GET", "/gmail/v1/users/me/drafts/r-1", "read_drafts"),
        ("POST", "/upload/gmail/v1/users/me/drafts", "compose"),
        ("PUT", "/upload/gmail/v1/users/me/drafts/r-1", "compose"),
        ("DELETE", "/gmail/v1/users/me/drafts/r-1", "compose"),
        ("POST", "/gmail/v1/users/me/drafts/send", "compose"),
        ("POST", "/upload/gmail/v1/users/me/messages/send", "send"),
        ("GET", "/gmail/v1/users/me/messages/18c", "read"),
        ("GET", "/gmail/v1/users/me/threads/18c", "read"),
        ("POST", "/gmail/v1/users/me/messages/batchModify", "modify"),
        ("POST", "/gmail/v1/users/me/messages/18c/untrash", "modify"),
        ("POST", "/gmail/v1/users/me/labels", "labels"),
        ("POST", "/batch/gmail/v1", None),
    ],
)
def test_what_each_request_needs(method: str, path: str, capability: str | None) -> None:
    assert scopes.needed_for(method, path) == capability
