"""GmailClient: error mapping, retries, batch fan-out and the batch codec (Google mocked)."""

from __future__ import annotations

import json
import random
import time
import types
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from gmail_core import batch, scopes, sending, transport
from gmail_core import client as client_mod
from gmail_core.client import GmailClient, error_from_response, path_id
from gmail_core.errors import (
    AuthError,
    GmailApiError,
    InvalidInputError,
    NotFoundError,
    RateLimitError,
    ScopeError,
    SendOutcomeUnknownError,
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
        (408, b"Request Timeout", TransientError, "HTTP 408"),
        (409, google_error(409, "duplicate", "Label name exists or conflicts"), GmailApiError, "Label name exists"),
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
    assert transport.retry_hint({"Retry-After": "\u00b2"}, "", now=now) is None  # "²"
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


class FakeClock:
    """Stands in for the ``time`` module of transport and client: requests and sleeps advance
    it, nothing waits."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(transport, "time", fake)
    monkeypatch.setattr(client_mod, "time", fake)
    monkeypatch.setattr(transport, "random", random.Random(7))  # seeded jitter
    return fake


def jitter_at_its_top(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full jitter draws from [0, bound): pinned to the top, the bounds themselves show."""
    monkeypatch.setattr(transport, "random", types.SimpleNamespace(uniform=lambda _a, b: b))


def gmail_taking(
    clock: FakeClock, seconds: float, status: int, headers: dict[str, str] | None = None
):  # type: ignore[no-untyped-def]
    """A responses callback: Gmail answers ``status`` after ``seconds`` (None: never), or the
    client's read timeout strikes first."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        read_timeout = request.req_kwargs["timeout"][1]  # type: ignore[attr-defined]
        if seconds is None or seconds > read_timeout:
            clock.now += read_timeout
            raise requests.ReadTimeout("read timed out")
        clock.now += seconds
        return status, headers or {}, json.dumps(google_error(status, "backendError"))

    return answer


@pytest.mark.parametrize(
    ("scenario", "seconds", "status", "headers", "requests_made"),
    [
        ("silent", None, 503, {}, 1),  # the first request waits out the whole budget
        ("slow 503", 8.0, 503, {}, 4),
        ("instant 503", 0.0, 503, {}, client_mod.MAX_ATTEMPTS),
        ("retry-after past the budget", 0.1, 429, {"Retry-After": "50"}, 1),
        ("retry-after within", 0.1, 429, {"Retry-After": "4"}, client_mod.MAX_ATTEMPTS),
    ],
)
@responses.activate
def test_retries_stay_within_the_time_budget(
    clock: FakeClock,
    scenario: str,
    seconds: float | None,
    status: int,
    headers: dict[str, str],
    requests_made: int,
) -> None:
    budget = 30.0
    responses.add_callback(
        responses.GET, PROFILE, callback=gmail_taking(clock, seconds, status, headers)
    )
    deadline = transport.Deadline(seconds=budget, started=clock.now)
    with pytest.raises(TransientError):
        GmailClient(TOKEN, deadline=deadline).get("/gmail/v1/users/me/profile")
    spent = clock.now - deadline.started
    assert spent <= budget
    assert len(responses.calls) == requests_made
    if scenario == "silent":
        assert spent == budget and clock.slept == []
    if scenario == "retry-after within":
        assert clock.slept == [4.0] * (client_mod.MAX_ATTEMPTS - 1)
    # it gave up only when a retry could no longer finish in time, or after the last attempt
    if requests_made < client_mod.MAX_ATTEMPTS and scenario != "silent":
        assert budget - spent <= 1 + max(transport.MAX_HINT, transport.BACKOFF_CAP)


@responses.activate
def test_batch_retries_stay_within_the_time_budget(clock: FakeClock) -> None:
    budget = 20.0
    responses.add_callback(
        responses.POST, BASE + "/batch/gmail/v1", callback=gmail_taking(clock, 3.0, 503)
    )
    deadline = transport.Deadline(seconds=budget, started=clock.now)
    done, failed = GmailClient(TOKEN, deadline=deadline).get_many(
        [(f"m{i}", f"/gmail/v1/users/me/messages/m{i}") for i in range(3)]
    )
    assert done == {} and set(failed) == {"m0", "m1", "m2"}
    assert all(isinstance(e, TransientError) for e in failed.values())
    assert clock.now - deadline.started <= budget
    assert len(responses.calls) >= 3


def test_deadline_timeouts_never_reach_past_the_budget(clock: FakeClock) -> None:
    deadline = transport.Deadline(seconds=100.0, started=clock.now)
    assert deadline.timeout() == (transport.CONNECT_TIMEOUT, transport.READ_TIMEOUT)
    clock.now += 99.5
    assert deadline.timeout() == (0.5, 0.5)
    clock.now += 10
    assert max(deadline.timeout()) <= 0.01


@responses.activate
def test_no_request_once_the_budget_is_spent(clock: FakeClock) -> None:
    responses.get(PROFILE, json={"emailAddress": "me@example.com"})
    deadline = transport.Deadline(seconds=5.0, started=clock.now - 5.0)
    with pytest.raises(TransientError, match="did not answer in time"):
        GmailClient(TOKEN, deadline=deadline).get("/gmail/v1/users/me/profile")
    assert len(responses.calls) == 0


@responses.activate
def test_a_send_after_the_budget_is_spent_is_certainly_not_sent(clock: FakeClock) -> None:
    """No request was made: the error must not say the mail may have been sent."""
    deadline = transport.Deadline(seconds=5.0, started=clock.now - 5.0)
    client = GmailClient(TOKEN, deadline=deadline)
    with pytest.raises(TransientError) as info:
        sending.send_raw(client, b"Message-ID: <x@example.com>\r\n\r\nhi", "<x@example.com>")
    assert str(info.value) == (
        "This call ran out of time before Gmail was asked, so the message was not sent. Try again."
    )
    assert not isinstance(info.value, SendOutcomeUnknownError) and len(responses.calls) == 0


@responses.activate
def test_backoff_doubles_between_attempts(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    jitter_at_its_top(monkeypatch)
    responses.get(PROFILE, status=503, json=google_error(503, "backendError"))
    with pytest.raises(TransientError):
        GmailClient(TOKEN, deadline=transport.Deadline(300.0, clock.now)).get(
            "/gmail/v1/users/me/profile"
        )
    base = transport.BACKOFF_BASE
    assert clock.slept == [base, base * 2, base * 4, base * 8]


def test_backoff_is_capped_full_jitter() -> None:
    rng = random.Random(1234)
    for attempt in range(10):
        bound = min(transport.BACKOFF_CAP, transport.BACKOFF_BASE * 2**attempt)
        samples = [transport.backoff_delay(attempt, rng=rng) for _ in range(400)]
        assert all(0 <= d <= bound for d in samples)
        assert max(samples) > 0.95 * bound  # the whole range is drawn from
        assert 0.4 * bound < sum(samples) / len(samples) < 0.6 * bound
    assert transport.backoff_delay(2, hint=3.5) == 3.5  # the server's word wins
    assert transport.backoff_delay(2, hint=-4) == 0.0


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
    boundary = content_type.split("boundary=")[1]
    assert text.startswith(f"--{boundary}\r\n")
    assert text.endswith(f"\r\n--{boundary}--\r\n")  # the close-delimiter (RFC 2046)
    assert text.count(f"--{boundary}\r\n") == 1
    with pytest.raises(ValueError):
        batch.encode([batch.BatchCall(str(i), "/p") for i in range(101)])


def test_batch_decode_matches_parts_by_content_id_in_any_order() -> None:
    ctype, body = batch_response([("b", 404, {"error": {}}), ("a", 200, {"id": "a"})])
    got = batch.decode(ctype, body)
    assert got["a"].status == 200 and json.loads(got["a"].body) == {"id": "a"}
    assert got["b"].status == 404
    with pytest.raises(ValueError):
        batch.decode("text/plain", b"junk")


@responses.activate
def test_get_many_retries_only_failed_parts_and_reports_the_rest() -> None:
    url = BASE + "/batch/gmail/v1"
    first = batch_response(
        [
            ("m1", 200, {"id": "m1"}),
            ("m2", 429, google_error(429, "rateLimitExceeded")),
            ("m3", 404, google_error(404, "notFound")),
            ("m4", 503, google_error(503, "backendError")),
            ("m5", 503, google_error(503, "backendError")),
        ]
    )
    second = batch_response(
        [("m4", 200, {"id": "m4"}), ("m2", 429, google_error(429, "x")), ("m5", 200, {"id": "m5"})]
    )
    responses.post(url, body=first[1], content_type=first[0])
    responses.post(url, body=second[1], content_type=second[0])
    # The last one left is retried on its own, as a plain request.
    responses.get(BASE + "/gmail/v1/users/me/messages/m2", json={"id": "m2"})
    done, failed = GmailClient(TOKEN).get_many(
        [(k, f"/gmail/v1/users/me/messages/{k}") for k in ("m1", "m2", "m3", "m4", "m5")],
        [("format", "metadata"), ("metadataHeaders", "From"), ("metadataHeaders", "To")],
    )
    assert set(done) == {"m1", "m2", "m4", "m5"} and set(failed) == {"m3"}
    assert isinstance(failed["m3"], NotFoundError)
    retried = responses.calls[1].request.body
    assert b"messages/m2" in retried and b"messages/m4" in retried and b"messages/m5" in retried
    assert b"messages/m1" not in retried and b"messages/m3" not in retried
    alone = responses.calls[2].request
    assert alone.method == "GET" and alone.url is not None
    assert parse_qs(urlsplit(alone.url).query) == {
        "format": ["metadata"],
        "metadataHeaders": ["From", "To"],
        "prettyPrint": ["false"],
    }
    assert len(responses.calls) == 3


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


# -- junk answers --------------------------------------------------------------------------
UNREADABLE = "unreadable answer"


@pytest.mark.parametrize(
    ("body", "key", "items"),
    [
        (b"null", "", ""),
        (b"42", "", ""),
        (b"[]", "", ""),
        (b'"x"', "", ""),
        (b"{}", "id", ""),
        (b'{"id": ""}', "id", ""),
        (b'{"id": 5}', "id", ""),
        (b'{"messages": "nope"}', "", "messages"),
        (b'{"messages": [{"id": "a"}, {"id": null}]}', "", "messages"),
        (b'{"messages": [{"id": "a"}, 5]}', "", "messages"),
        (b'{"messages": [], "nextPageToken": 7}', "", "messages"),
        (b'{"resultSizeEstimate": "many"}', "", "messages"),
        (b"[" * 100_000, "", ""),
    ],
)
def test_junk_is_unreadable(body: bytes, key: str, items: str) -> None:
    with pytest.raises(TransientError, match=UNREADABLE) as info:
        client_mod.answer_object(body, key=key, items=items)
    assert info.value.reason == "bad_json"


def test_answers_that_are_gmails_shapes_pass() -> None:
    assert client_mod.answer_object(b'{"id": "a", "x": 1}', key="id") == {"id": "a", "x": 1}
    assert client_mod.answer_object(b'{"resultSizeEstimate": 0}', items="messages") == {
        "resultSizeEstimate": 0
    }
    listing = b'{"messages": [{"id": "a", "threadId": "t"}], "nextPageToken": "p"}'
    assert client_mod.answer_object(listing, items="messages")["nextPageToken"] == "p"


@responses.activate
def test_get_retries_junk_then_reads_the_resource() -> None:
    url = BASE + "/gmail/v1/users/me/messages/m1"
    responses.get(url, body=b"null")
    responses.get(url, json={"snippet": "no id"})
    responses.get(url, json={"id": "m1"})
    got = GmailClient(TOKEN).get("/gmail/v1/users/me/messages/m1", key="id")
    assert got == {"id": "m1"} and len(responses.calls) == 3


@responses.activate
def test_get_of_an_empty_answer_is_unreadable() -> None:
    responses.get(PROFILE, body=b"")
    with pytest.raises(TransientError, match=UNREADABLE):
        GmailClient(TOKEN).get("/gmail/v1/users/me/profile")
    assert len(responses.calls) == client_mod.MAX_ATTEMPTS


@responses.activate
def test_request_of_an_empty_answer_is_none() -> None:
    responses.delete(BASE + "/gmail/v1/users/me/drafts/r1", status=204)
    assert GmailClient(TOKEN).request("DELETE", "/gmail/v1/users/me/drafts/r1") is None


@responses.activate
def test_batch_parts_must_carry_the_resource_id_riders_need_not() -> None:
    url = BASE + "/batch/gmail/v1"
    first = batch_response(
        [("m1", 200, {"id": "m1"}), ("m2", 200, {"snippet": "no id"}), ("labels", 200, {})]
    )
    responses.post(url, body=first[1], content_type=first[0])
    responses.get(BASE + "/gmail/v1/users/me/messages/m2", json={"id": "m2"})  # retried alone
    done, failed = GmailClient(TOKEN).get_many(
        [(k, f"/gmail/v1/users/me/messages/{k}") for k in ("m1", "m2")],
        riders=[batch.BatchCall("labels", "/gmail/v1/users/me/labels")],
    )
    assert failed == {} and done == {"m1": {"id": "m1"}, "m2": {"id": "m2"}, "labels": {}}
    assert len(responses.calls) == 2


@responses.activate
def test_a_batch_answer_that_is_not_multipart_is_unreadable_and_retried() -> None:
    url = BASE + "/batch/gmail/v1"
    keys = ("m1", "m2", "m3")  # more than ALONE_MAX: the retries stay batched
    ok = batch_response([(k, 200, {"id": k}) for k in keys])
    responses.post(url, body=b"<html>oops</html>", content_type="text/html")
    responses.post(url, body=ok[1], content_type=ok[0])
    calls = [(k, f"/gmail/v1/users/me/messages/{k}") for k in keys]
    done, failed = GmailClient(TOKEN).get_many(calls)
    assert (set(done), failed) == (set(keys), {})
    responses.replace(responses.POST, url, body=b"<html>oops</html>", content_type="text/html")
    done, failed = GmailClient(TOKEN).get_many(calls)
    assert done == {} and all(UNREADABLE in str(failed[k]) for k in keys)


@responses.activate
def test_a_batch_part_that_is_204_is_done_without_a_body() -> None:
    url = BASE + "/batch/gmail/v1"
    ctype, body = batch_response([("d1", 204, "")])
    responses.post(url, body=body.replace(b'""', b""), content_type=ctype)
    call = batch.BatchCall("d1", "/gmail/v1/users/me/drafts/d1", method="DELETE")
    assert GmailClient(TOKEN).call_many([call], key="") == ({"d1": None}, {})


@responses.activate
def test_a_204_part_of_a_call_that_answers_a_resource_is_unreadable() -> None:
    """``each`` and the callers expect the resource (with its ID), never None."""
    ctype, body = batch_response([(f"m{i}", 204, "") for i in range(3)])
    responses.post(BASE + "/batch/gmail/v1", body=body.replace(b'""', b""), content_type=ctype)
    calls = [(f"m{i}", f"/gmail/v1/users/me/messages/m{i}") for i in range(3)]
    done, failed = GmailClient(TOKEN).get_many(calls, each=lambda data, size: data["id"])
    assert done == {} and all(UNREADABLE in str(failed[f"m{i}"]) for i in range(3))


@responses.activate
def test_a_read_timeout_wrapped_by_urllib3_is_a_timeout() -> None:
    from urllib3.exceptions import MaxRetryError, ReadTimeoutError

    wrapped = MaxRetryError(None, "/p", ReadTimeoutError(None, "/p", "read timed out"))  # type: ignore[arg-type]
    responses.get(PROFILE, body=requests.ConnectionError(wrapped))
    with pytest.raises(TransientError, match="did not answer in time") as info:
        GmailClient(TOKEN).request("GET", "/gmail/v1/users/me/profile", retry=False)
    assert info.value.reason == "timeout"


# -- answers that are errors, uploads ---------------------------------------------------------
@responses.activate
def test_a_400_answer_is_an_error_naming_googles_reason() -> None:
    url = BASE + "/gmail/v1/users/me/messages/send"
    responses.post(url, status=400, json=google_error(400, "invalidArgument", "Invalid To header"))
    with pytest.raises(GmailApiError) as info:
        GmailClient(TOKEN).request("POST", "/gmail/v1/users/me/messages/send", json_body={})
    assert type(info.value) is GmailApiError and info.value.status == 400
    assert str(info.value) == (
        "Gmail rejected the request: Invalid To header. Check the values passed to this tool."
    )
    assert len(responses.calls) == 1  # a 400 is not retried


@responses.activate
def test_upload_with_metadata_is_multipart_related() -> None:
    url = BASE + "/upload/gmail/v1/users/me/messages/send"
    responses.post(url, json={"id": "m1", "threadId": "t1"})
    raw = b"From: a@example.com\r\nTo: b@example.com\r\n\r\nhello\r\n"
    got = GmailClient(TOKEN).upload("/messages/send", raw, metadata={"threadId": "t1"})
    assert got == {"id": "m1", "threadId": "t1"}
    request = responses.calls[0].request
    assert "uploadType=multipart" in str(request.url)
    ctype = request.headers["Content-Type"]
    assert ctype.startswith("multipart/related; boundary=")
    boundary = ctype.split("boundary=")[1].encode()
    body = b"".join(request.body) if not isinstance(request.body, bytes) else request.body  # type: ignore[arg-type]
    parts = body.split(b"--" + boundary)
    assert parts[0] == b"" and parts[-1] == b"--\r\n" and len(parts) == 4
    meta_head, meta = parts[1].split(b"\r\n\r\n", 1)
    assert b"application/json" in meta_head and json.loads(meta) == {"threadId": "t1"}
    media_head, media = parts[2].split(b"\r\n\r\n", 1)
    assert b"message/rfc822" in media_head and media == raw + b"\r\n"


@responses.activate
def test_upload_without_metadata_is_media() -> None:
    url = BASE + "/upload/gmail/v1/users/me/drafts"
    responses.post(url, json={"id": "r1", "message": {"id": "m1"}})
    raw = b"Subject: x\r\n\r\nhello\r\n"
    got = GmailClient(TOKEN).upload("/drafts", raw, what="draft")
    assert got == {"id": "r1", "message": {"id": "m1"}}
    request = responses.calls[0].request
    assert "uploadType=media" in str(request.url)
    assert request.headers["Content-Type"] == "message/rfc822"
    body = b"".join(request.body) if not isinstance(request.body, bytes) else request.body  # type: ignore[arg-type]
    assert body == raw


@responses.activate
def test_failed_batch_parts_back_off_longer_each_round(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    jitter_at_its_top(monkeypatch)
    url = BASE + "/batch/gmail/v1"
    busy = batch_response([("m1", 429, google_error(429, "rateLimitExceeded"))])
    responses.post(url, body=busy[1], content_type=busy[0])
    one = BASE + "/gmail/v1/users/me/messages/m1"  # retried on its own
    for _ in range(2):
        responses.get(one, status=429, json=google_error(429, "rateLimitExceeded"))
    responses.get(one, json={"id": "m1"})
    deadline = transport.Deadline(300.0, clock.now)
    done, failed = GmailClient(TOKEN, deadline=deadline).get_many(
        [("m1", "/gmail/v1/users/me/messages/m1")]
    )
    assert (done, failed) == ({"m1": {"id": "m1"}}, {})
    base = transport.BACKOFF_BASE
    assert clock.slept == [base, base * 2, base * 4]


@responses.activate
def test_failed_batch_parts_are_not_retried_past_the_budget(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    jitter_at_its_top(monkeypatch)
    url = BASE + "/batch/gmail/v1"
    busy = batch_response([("m1", 429, google_error(429, "rateLimitExceeded"))])
    responses.post(url, body=busy[1], content_type=busy[0])
    # 1.2 s left: a 0.5 s pause would leave less than the 1 s a retry needs
    deadline = transport.Deadline(1.2, clock.now)
    done, failed = GmailClient(TOKEN, deadline=deadline).get_many(
        [("m1", "/gmail/v1/users/me/messages/m1")]
    )
    assert done == {} and isinstance(failed["m1"], RateLimitError)
    assert clock.slept == [] and len(responses.calls) == 1


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, b"<html>Not Found</html>", "notFound"),
        (404, json.dumps(google_error(404, "gone")).encode(), "gone"),
        (401, b"", "authError"),
        (429, b"", "rateLimitExceeded"),
        (500, b"", "backendError"),
        (400, json.dumps(google_error(400, "", "Mail service not enabled")).encode(),
         "failedPrecondition"),
    ],
)  # fmt: skip
def test_error_reason_is_googles_or_the_documented_default(
    status: int, body: bytes, reason: str
) -> None:
    assert error_from_response(status, body).reason == reason


@pytest.mark.parametrize(
    ("detail", "kind", "needle"),
    [
        ("SERVICE_DISABLED", GmailApiError, "not enabled"),
        ("ACCESS_TOKEN_SCOPE_INSUFFICIENT", ScopeError, "tick every Gmail permission"),
    ],
)
def test_error_details_outrank_a_generic_reason(detail: str, kind: type, needle: str) -> None:
    """Google's 403s often say only "forbidden" in errors[]; the ErrorInfo detail says why."""
    body = {
        "error": {
            "code": 403,
            "message": "Forbidden",
            "errors": [{"reason": "forbidden"}],
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": detail}],
        }
    }
    err = error_from_response(403, json.dumps(body).encode())
    assert type(err) is kind and needle in str(err) and err.reason == detail


@pytest.mark.parametrize(("budget", "attempts", "pauses"), [(2.2, 1, []), (60.0, 3, [0.5, 1.0])])
def test_a_refused_send_is_retried_only_while_an_attempt_fits_the_budget(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, budget: float, attempts: int, pauses: list
) -> None:
    jitter_at_its_top(monkeypatch)
    client = GmailClient(TOKEN, deadline=transport.Deadline(budget, clock.now))
    tries: list[float] = []

    def attempt() -> None:
        tries.append(clock.now)
        raise RateLimitError("slow down", status=429)  # refused: nothing to look up

    with pytest.raises(RateLimitError):
        sending.send_once(client, attempt, "<m@example.com>", sleep=clock.sleep)
    assert len(tries) == attempts
    assert clock.slept == [p * transport.BACKOFF_BASE / 0.5 for p in pauses]
    assert clock.now - tries[0] <= budget


@pytest.mark.parametrize(
    "status_line", [b"HTTP/1.1 200 OK", b"HTTP/1.1 200", b"HTTP/2 200"], ids=["ok", "bare", "h2"]
)
@pytest.mark.parametrize("newline", [b"\r\n", b"\n"], ids=["crlf", "lf"])
def test_batch_decode_reads_every_status_line_shape(status_line: bytes, newline: bytes) -> None:
    inner = newline.join([status_line, b"Content-Type: application/json", b"", b'{"id": "a"}'])
    body = b"\r\n".join(
        [
            b"--b",
            b"Content-Type: application/http",
            b"Content-ID: <response-a>",
            b"",
            inner,
            b"--b--",
        ]
    )
    got = batch.decode("multipart/mixed; boundary=b", body)
    assert got["a"].status == 200 and json.loads(got["a"].body) == {"id": "a"}
    assert got["a"].headers["content-type"] == "application/json"


@pytest.mark.parametrize("status_line", [b"HTTP/1.1", b"HTTP/1.1 abc", b""])
def test_batch_decode_leaves_out_a_part_without_a_status(status_line: bytes) -> None:
    body = b"\r\n".join(
        [b"--b", b"Content-Type: application/http", b"Content-ID: <response-a>", b"",
         status_line, b"", b"{}", b"--b--"]
    )  # fmt: skip
    assert batch.decode("multipart/mixed; boundary=b", body) == {}


READ_ONLY = "https://www.googleapis.com/auth/gmail.readonly"


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda c: sending.create_draft(c, b"x", "<m@example.com>"), "manage drafts"),
        (lambda c: sending.update_draft(c, "r1", b"x"), "manage drafts"),
        (lambda c: sending.delete_draft(c, "r1"), "manage drafts"),
        (lambda c: sending.send_draft(c, "r1"), "send email"),
        (lambda c: sending.send_raw(c, b"x", "<m@example.com>"), "send email"),
    ],
    ids=["create_draft", "update_draft", "delete_draft", "send_draft", "send_raw"],
)
@responses.activate  # no URL registered: any request would fail the test
def test_sending_refuses_before_any_request_without_the_permission(call: Any, needle: str) -> None:
    with pytest.raises(ScopeError, match=needle):
        call(GmailClient(TOKEN, granted_scopes=READ_ONLY))
    assert len(responses.calls) == 0


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
