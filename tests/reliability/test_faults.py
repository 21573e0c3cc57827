"""Fault injection on the three busiest tools: every fault kind either recovers or ends in a
short message that says the failure is temporary; rate-limit hints are honoured; batch parts
are retried on their own; expired tokens and missing scopes name the fix."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from devkit.fakegoogle import (
    ALL_KINDS,
    GMAIL_MODIFY,
    GMAIL_READONLY,
    GMAIL_SEND,
    FakeGoogle,
    FaultPlan,
)
from gmail_core import client, sending, transport
from tests.reliability import (
    failure,
    fast_retries,
    fill,
    invoke,
    raw_message,
    says_temporary,
    use_fake,
)

N = 100
TOKEN = "tok-faults"
SEARCH = ("search_messages", {"query": "", "max_results": N})
TOOLS = ("search_messages", "get_message", "send_message")
MAX_MESSAGE = 400  # "short": a sentence or two
# Where a test shortens the read timeout: the fake shares the test's event loop, so a pause of
# the whole process as long as GIVE_UP_S would time out an answer that was on time.
GIVE_UP_S = 0.5
LATE_S = 0.7  # when a "timeout" fault's request is done, after the client gave up


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=11) as fake:
        box = fake.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
        fill(box, N, tag="faults")
        yield fake


@pytest.fixture
def fake(server: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> FakeGoogle:
    use_fake(monkeypatch, server, budget=30)
    fast_retries(monkeypatch, read_timeout=1.0)
    server.faults = None
    server.send_accept_then_drop = 0
    server.stats.reset()
    server.mailboxes[0].sent.clear()
    return server


def box_of(fake: FakeGoogle):  # type: ignore[no-untyped-def]
    return fake.mailboxes[0]


def params_for(tool: str, fake: FakeGoogle) -> dict[str, object]:
    if tool == "search_messages":
        return dict(SEARCH[1])
    if tool == "get_message":
        return {"message_id": sorted(box_of(fake).messages)[0], "body_format": "text"}
    return {"to": "friend@example.com", "subject": "Fault test", "body": "Hello"}


def check_success(tool: str, fake: FakeGoogle, run) -> None:  # type: ignore[no-untyped-def]
    if tool == "search_messages":
        assert run.variables["count"] == N
        assert run.variables["failed_ids"] == []
        found = run.variables["messages"]
        box = box_of(fake)  # an empty query lists the inbox (other tests add sent mail, drafts)
        inbox = [m for m in box.messages.values() if "INBOX" in m.label_ids]
        newest_first = sorted(inbox, key=lambda m: m.internal_date_ms, reverse=True)
        assert [m["id"] for m in found] == [m.id for m in newest_first]
        # what the field mask must bring back: labels (unread), snippet, date
        assert all(m["unread"] and m["snippet"] and m["date"] for m in found)
    elif tool == "get_message":
        assert "Body of faults message" in run.variables["body"]
    else:
        assert len(box_of(fake).sent) == 1
        assert run.variables["message_id"]


def applicable(kind: str, tool: str) -> bool:
    return kind != "batch_part" or tool == "search_messages"


CASES = [(k, t) for k in ALL_KINDS for t in TOOLS if applicable(k, t)]


# A send that fails this way may have gone out: it is looked for in Sent, never resent.
UNCLEAR_SEND = ("500", "502", "503", "reset")


@pytest.mark.parametrize(("kind", "tool"), CASES)
def test_a_few_faults_are_recovered(fake: FakeGoogle, kind: str, tool: str) -> None:
    # A send reads the send-as addresses first (a read, retried like any): the faults are
    # aimed at the send and what follows it.
    paths = ["/messages", "/batch/"] if tool == "send_message" else None
    fake.faults = FaultPlan(
        rate=1.0, kinds=(kind,), max_faults=2, timeout_s=1.5, seed=1, paths=paths
    )
    if tool == "send_message" and kind in UNCLEAR_SEND:
        message = failure(tool, params_for(tool, fake), TOKEN)
        assert "may still have been sent" in message and box_of(fake).sent == []
        return
    run = invoke(tool, params_for(tool, fake), TOKEN)
    assert len(fake.faults.injected) == 2
    check_success(tool, fake, run)
    if tool == "get_message":
        assert fake.stats.http_requests == 3  # two failures, then the message
    elif tool == "search_messages" and kind != "batch_part":
        assert fake.stats.http_requests == 5  # the list fails twice; then 2 batches of ≤ 51
    elif tool == "search_messages":
        assert fake.stats.http_requests == 4  # list, 2 batches, 1 batch of the failed parts


RATE_LIMITED = (
    "Gmail is rate-limiting this account (too many requests at once). This is temporary: wait a "
    "minute and try again."
)
NETWORK = (
    "Could not reach Gmail (network error). This is usually temporary: check the plugin's network "
    "access and try again."
)
TIMED_OUT = "Gmail did not answer in time. This is usually temporary: try again in a minute."


def unavailable(status: str) -> str:
    return f"Gmail is temporarily unavailable (HTTP {status}). Try again in a minute."


# Attempts before giving up (client.MAX_ATTEMPTS, sending.SEND_ATTEMPTS), written out so that
# a changed count is a decision that updates this test, not a silent change.
READ_ATTEMPTS = 5
SEND_ATTEMPTS = 3


def test_attempt_counts_are_the_documented_ones() -> None:
    assert (client.MAX_ATTEMPTS, sending.SEND_ATTEMPTS) == (READ_ATTEMPTS, SEND_ATTEMPTS)


def persistent_outcome(kind: str, tool: str) -> tuple[str, int, int]:
    """(the failure message, HTTP requests made, copies sent) when every read fails."""
    message = {
        "429": RATE_LIMITED,
        "429_retry_after": RATE_LIMITED,
        "403_rate": RATE_LIMITED,
        "reset": NETWORK,
        "timeout": TIMED_OUT,
    }.get(kind) or unavailable(kind)
    return message, READ_ATTEMPTS, 0


def wait_for_sent(fake: FakeGoogle, seconds: float = 3.0) -> int:
    """Copies sent once the requests the client gave up on have finished."""
    end = time.monotonic() + seconds
    while fake.stats.in_flight_now() and time.monotonic() < end:
        time.sleep(0.05)
    return len(box_of(fake).sent)


@pytest.mark.parametrize(("kind", "tool"), CASES)
def test_persistent_faults_have_one_outcome_each(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, kind: str, tool: str
) -> None:
    monkeypatch.setattr(transport, "READ_TIMEOUT", GIVE_UP_S)
    fake.faults = FaultPlan(rate=1.0, kinds=(kind,), timeout_s=LATE_S, seed=2)
    if kind == "batch_part":
        # Every batch answer has failing parts, and the messages' own GETs (how a lone
        # part is retried) fail too: the search returns what it got and names the messages
        # it could not fetch.
        fake.faults = FaultPlan(
            rate=1.0, kinds=(kind, "503"), paths=["/batch/", "/users/me/messages/"], seed=2
        )
        fake.faults.part_rate = 0.05
        run = invoke(tool, params_for(tool, fake), TOKEN)
        failed = run.variables["failed_ids"]
        assert failed, "some parts should still fail after the retries"
        assert run.variables["count"] + len(failed) == N
        text = run.texts[0]
        for msg_id in failed[:20]:
            assert msg_id in text
        assert says_temporary(text) or "temporarily" in text
        return
    message = failure(tool, params_for(tool, fake), TOKEN)
    if tool == "send_message":
        # Gmail failing every request, the check by Message-ID too: the honest answer is
        # "look in the Sent folder before sending again".
        assert len(message) < MAX_MESSAGE, message
        assert says_temporary(message) or "Sent folder" in message, message
        if kind != "timeout":  # refused before acceptance; a timed-out send may land later
            assert wait_for_sent(fake) == 0
        return
    expected, requests, copies = persistent_outcome(kind, tool)
    assert message == expected
    assert fake.stats.http_requests == requests
    assert wait_for_sent(fake) == copies


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k != "batch_part"])
def test_send_failing_persistently_while_lookups_work(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(transport, "READ_TIMEOUT", GIVE_UP_S)
    fake.faults = FaultPlan(rate=1.0, kinds=(kind,), paths=["/messages/send"], timeout_s=LATE_S)
    params = params_for("send_message", fake)
    if kind == "timeout":
        # Gmail accepts each send after the client gave up: the check by Message-ID finds
        # it, so the tool reports success and there is exactly one copy.
        run = invoke("send_message", params, TOKEN)
        assert len(box_of(fake).sent) == 1
        assert run.variables["message_id"]
        return
    message = failure("send_message", params, TOKEN)
    assert wait_for_sent(fake) == 0
    assert len(message) < MAX_MESSAGE
    if kind in UNCLEAR_SEND:
        assert "may still have been sent" in message and "Sent folder" in message
    else:
        assert says_temporary(message), message


@pytest.mark.parametrize("kind", ["500", "503", "429", "reset"])
def test_batch_endpoint_failing_persistently_says_temporary(fake: FakeGoogle, kind: str) -> None:
    """messages.list works; every batch request fails: the message must say it is temporary
    (and not only that "the batch answer left out this item")."""
    fake.faults = FaultPlan(rate=1.0, kinds=(kind,), paths=["/batch/"], seed=3)
    message = failure(*SEARCH, TOKEN)
    assert "Could not fetch any of the 100 messages" in message
    assert len(message) < MAX_MESSAGE
    assert says_temporary(message), message


# -- the invocation's time budget ------------------------------------------------------------
BUDGET = 2.0
SLACK = 1.5  # the raise and the rendering after the deadline, on a busy machine; not a speed target


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ("search_messages", TIMED_OUT),
        ("get_message", TIMED_OUT),
        ("send_message", TIMED_OUT),  # its first request reads the send-as addresses
        ("reply_to_message", TIMED_OUT),
    ],
    ids=["search", "get", "send", "reply"],
)
def test_a_silent_gmail_ends_within_the_time_budget(
    monkeypatch: pytest.MonkeyPatch, tool: str, expected: str
) -> None:
    """Gmail accepts connections but never answers: real timeouts and backoff (no fast
    retries), GMAIL_TIME_BUDGET_SECONDS=2. The tool gives up by then, with a message."""
    with FakeGoogle(seed=14) as fake:
        box = fake.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
        fill(box, 3, tag="budget")
        params = {
            "search_messages": {"query": ""},
            "get_message": {"message_id": sorted(box.messages)[0]},
            "send_message": {"to": "a@example.com", "subject": "s", "body": "b"},
            "reply_to_message": {"message_id": sorted(box.messages)[0], "body": "ok"},
        }[tool]
        use_fake(monkeypatch, fake, budget=BUDGET)
        fake.faults = FaultPlan(rate=1.0, kinds=("timeout",), timeout_s=BUDGET + 5)
        started = time.monotonic()
        message = failure(tool, params, TOKEN)
        elapsed = time.monotonic() - started
        assert message == expected
        assert BUDGET - 0.1 < elapsed <= BUDGET + SLACK, elapsed


# -- rate-limit hints ---------------------------------------------------------------------
@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Delays the client asks for (recorded, then slept for at most 10 ms)."""
    recorded: list[float] = []
    real = time.sleep

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)
        real(min(seconds, 0.01))

    monkeypatch.setattr(time, "sleep", fake_sleep)
    monkeypatch.setattr(transport, "MAX_HINT", 60.0)
    return recorded


@pytest.mark.parametrize("tool", ["search_messages", "get_message"])
def test_retry_after_header_is_honoured(fake: FakeGoogle, sleeps: list[float], tool: str) -> None:
    fake.faults = FaultPlan(rate=1.0, kinds=("429_retry_after",), max_faults=1)
    check_success(tool, fake, invoke(tool, params_for(tool, fake), TOKEN))
    assert sleeps == [1.0]  # Retry-After: 1


@pytest.mark.parametrize("tool", ["search_messages", "get_message"])
def test_usage_limits_retry_after_text_is_honoured(
    fake: FakeGoogle, sleeps: list[float], tool: str
) -> None:
    fake.faults = FaultPlan(rate=1.0, kinds=("403_rate",), max_faults=1)
    check_success(tool, fake, invoke(tool, params_for(tool, fake), TOKEN))
    assert len(sleeps) == 1
    assert 0.5 < sleeps[0] <= 1.05  # "Retry after <now + 1 s>"


@pytest.mark.parametrize("tool", ["search_messages", "get_message"])
def test_429_without_hint_backs_off(fake: FakeGoogle, sleeps: list[float], tool: str) -> None:
    fake.faults = FaultPlan(rate=1.0, kinds=("429",), max_faults=3)
    check_success(tool, fake, invoke(tool, params_for(tool, fake), TOKEN))
    assert len(sleeps) == 3
    assert all(0 <= s <= transport.BACKOFF_CAP for s in sleeps)


def test_persistent_429_with_retry_after_is_called_a_rate_limit(fake: FakeGoogle) -> None:
    fake.faults = FaultPlan(rate=1.0, kinds=("429_retry_after",))
    message = failure("get_message", params_for("get_message", fake), TOKEN)
    assert "rate-limiting" in message


def test_daily_limit_is_not_called_temporary_in_a_minute(fake: FakeGoogle) -> None:
    from gmail_core.client import error_from_response

    body = b'{"error": {"code": 403, "message": "Daily Limit Exceeded", "errors": [{"reason": "dailyLimitExceeded", "domain": "usageLimits"}]}}'
    err = error_from_response(403, body, {})
    assert "tomorrow" in str(err)


# -- batch parts ----------------------------------------------------------------------------
def test_failed_batch_parts_are_retried_individually(fake: FakeGoogle) -> None:
    fake.faults = FaultPlan(rate=1.0, kinds=("batch_part",), part_rate=0.3, max_faults=2, seed=5)
    run = invoke(*SEARCH, TOKEN)
    check_success("search_messages", fake, run)
    assert len(fake.faults.injected) == 2  # both first batches had failing parts
    # The fake executes only the parts it does not fail: if whole batches were re-sent,
    # messages would be fetched twice. Each one is fetched exactly once.
    inner = [c.path for c in fake.stats.calls if c.in_batch and "/messages/" in c.path]
    assert len(inner) == N and len(set(inner)) == N
    # the failed parts travelled together in one more batch, not as single requests
    assert fake.stats.batch_requests == 3
    assert fake.stats.http_requests == 4  # list + 2 batches + 1 retry batch


# -- auth and scope ----------------------------------------------------------------------
def expire_after(fake: FakeGoogle, token: str, requests: int) -> None:
    """Let ``requests`` HTTP requests through, then the token expires (mid-invocation)."""
    count = fake.stats.count_request

    def counting(call, *, batch=False):  # type: ignore[no-untyped-def]
        count(call, batch=batch)
        if fake.stats.http_requests == requests + 1:
            fake.expire_token(token)

    fake.stats.count_request = counting  # type: ignore[method-assign]


@pytest.mark.parametrize(
    ("tool", "params"),
    [
        SEARCH,
        ("get_message", {"message_id": "<msg-3-faults@example.com>"}),
        ("reply_to_message", {"message_id": "<msg-3-faults@example.com>", "body": "ok"}),
    ],
)
def test_token_expiring_mid_run_says_reconnect(
    server: FakeGoogle, monkeypatch: pytest.MonkeyPatch, tool: str, params: dict[str, object]
) -> None:
    with FakeGoogle(seed=12) as fake:
        use_fake(monkeypatch, fake, budget=30)
        fast_retries(monkeypatch)
        box = fake.add_mailbox("tok-exp", "me@example.com", {GMAIL_MODIFY})
        fill(box, 10, tag="faults")
        expire_after(fake, "tok-exp", 1)
        message = failure(tool, params, "tok-exp")
        assert "expired or was revoked" in message
        assert "Reconnect" in message
        assert len(message) < MAX_MESSAGE
        assert box.sent == []
        # 401 is not retried: the first refused request is the last
        assert fake.stats.http_requests == 2


def test_mailbox_without_send_scope_names_the_permission(
    server: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGoogle(seed=13) as fake:
        use_fake(monkeypatch, fake)
        box = fake.add_mailbox("tok-ro", "me@example.com", {GMAIL_READONLY})
        message = failure(
            "send_message", {"to": "a@example.com", "subject": "s", "body": "b"}, "tok-ro"
        )
        assert box.sent == []
        assert "permission" in message and "Reconnect" in message and "full" in message
        assert len(message) < MAX_MESSAGE


def test_mailbox_without_send_scope_message_names_send(
    server: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGoogle(seed=13) as fake:
        use_fake(monkeypatch, fake)
        fake.add_mailbox("tok-ro", "me@example.com", {GMAIL_READONLY})
        message = failure(
            "send_message", {"to": "a@example.com", "subject": "s", "body": "b"}, "tok-ro"
        )
        assert "send" in message.lower()


@pytest.mark.parametrize(
    ("tool", "params", "granted", "needle"),
    [
        ("send_message", {"to": "a@example.com", "body": "b"}, GMAIL_READONLY, "send email"),
        ("search_messages", {"query": "x"}, GMAIL_SEND, "read your email"),
        ("get_message", {"message_id": "18c0000000000001"}, GMAIL_SEND, "read your email"),
        (
            "modify_messages",
            {"message_ids": "18c0000000000001", "star": True},
            GMAIL_READONLY,
            "change labels",
        ),
        ("create_draft", {"to": "a@example.com"}, GMAIL_READONLY, "manage drafts"),
        ("send_draft", {"draft_id": "r123"}, GMAIL_READONLY, "send email"),
        ("create_label", {"name": "X"}, GMAIL_READONLY, "manage labels"),
    ],
)
def test_granted_scope_missing_is_refused_before_any_request(
    fake: FakeGoogle, tool: str, params: dict[str, object], granted: str, needle: str
) -> None:
    creds = {"access_token": TOKEN, "scope": granted}
    message = failure(tool, params, creds)
    assert needle in message
    assert "Reconnect" in message and "'full'" in message
    assert fake.stats.http_requests == 0
    assert box_of(fake).sent == []


def test_update_draft_is_retried_after_a_temporary_failure(fake: FakeGoogle) -> None:
    """Replacing a draft (PUT) is idempotent, so a 503 is retried like a read."""
    box = box_of(fake)
    draft_id = box.create_draft(raw_message(7, to="a@example.com", subject="before")).id
    fake.faults = FaultPlan(rate=1.0, kinds=("503",), paths=["/upload/"], max_faults=1)
    run = invoke("update_draft", {"draft_id": draft_id, "subject": "after"}, TOKEN)
    assert run.variables["draft_id"] == draft_id
    draft = box.drafts[draft_id]
    assert run.variables["message_id"] == draft.message_id  # from Gmail's answer
    assert box.messages[draft.message_id].parsed.header("Subject") == "after"
    assert [c.method for c in fake.stats.calls if c.path.startswith("/upload/")] == ["PUT"] * 2


def test_get_thread_reads_its_thread_when_the_batch_endpoint_fails(fake: FakeGoogle) -> None:
    """The thread and its label list travel in one batch request; when the batch endpoint
    itself keeps failing, the retry sends them as plain requests, which work."""
    box = box_of(fake)
    first = sorted(box.messages)[0]
    fake.faults = FaultPlan(rate=1.0, kinds=("503",), paths=["/batch/"])
    fake.stats.reset()
    run = invoke("get_thread", {"thread_id": box.messages[first].thread_id}, TOKEN)
    assert [m["id"] for m in run.variables["messages"]] == [first]
    assert fake.stats.batch_requests == client.MAX_ATTEMPTS  # the first round, given up
    assert fake.stats.http_requests == client.MAX_ATTEMPTS + 2  # then the thread, the labels
