"""Body parts Gmail sends apart (``attachmentId``, no ``data``): fetched within their limits,
one batch answer at a time, holding the transfer budget until the reading is over; a part
that is not fetched is named in its message's notes. Tools run in-process against the fake."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle, FaultPlan
from gmail_core import messages, reading, transfers, transport
from tests.reliability import failure, fast_retries, invoke, raw_message, use_fake

TOKEN = "tok-apart"
PART = 9_000  # bytes of each report's body part (the fake sends parts over 5,000 apart)


def _report(i: int) -> bytes:
    lines = "\n".join(f"Report {i}, line {n:04d}: figures for the month." for n in range(200))
    body = f"{lines}\nEND {i}"
    assert len(body) > PART - 200
    return raw_message(i, subject=f"Report {i}", body=body, message_id=f"<report-{i}@example.com>")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=77) as server:
        box = server.add_mailbox(
            TOKEN, "me@example.com", {GMAIL_MODIFY}, detach_body_parts_above=5_000
        )
        first = box.add_message(_report(0), internal_date_ms=1_790_000_000_000)
        thread = box.get(first).thread_id
        for i in (1, 2):
            box.add_message(_report(i), internal_date_ms=1_790_000_000_000 + i, thread_id=thread)
        server.thread_id = thread  # type: ignore[attr-defined]
        server.first_id = first  # type: ignore[attr-defined]
        use_fake(monkeypatch, server, budget=60)
        fast_retries(monkeypatch)
        yield server


def _thread(fake: FakeGoogle) -> list[dict[str, Any]]:
    params = {"thread_id": fake.thread_id, "trim_quoted": False}  # type: ignore[attr-defined]
    found: list[dict[str, Any]] = invoke("get_thread", params, TOKEN).variables["messages"]
    return found


def _batches(fake: FakeGoogle) -> list[int]:
    """attachments.get calls per batch request, in order."""
    sizes: list[int] = []
    for call in fake.stats.calls:
        if call.path.startswith("/batch/"):
            sizes.append(0)
        elif "/attachments/" in call.path and call.in_batch:
            sizes[-1] += 1
    return sizes


def test_parts_are_fetched_one_batch_answer_at_a_time(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "HELD_APART_BATCH_BYTES", 2 * PART)
    fake.stats.reset()
    found = _thread(fake)
    assert [m["body"].rsplit("\n", 1)[-1] for m in found] == ["END 0", "END 1", "END 2"]
    assert _batches(fake) == [0, 2, 1]  # the thread (and label list), then the parts: 2, 1


def test_a_part_over_the_limit_is_not_fetched_and_its_message_says_so(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "MAX_HELD_APART_PART_BYTES", 5_000)
    fake.stats.reset()
    got = invoke("get_message", {"message_id": fake.first_id}, TOKEN)  # type: ignore[attr-defined]
    assert got.variables["body"] == ""
    (note,) = got.variables["notes"]
    assert note.startswith("A text part of 8 KB that Gmail sends separately is more than the 4 KB")
    assert note.endswith("read per part: its text is not shown. Open it in Gmail.")
    assert note in got.texts[0]  # the agent reads it too
    assert _batches(fake) == []


def test_a_call_fetches_no_more_than_its_share_of_such_parts(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "MAX_HELD_APART_BYTES", 2 * PART)
    found = _thread(fake)
    assert [m["notes"] for m in found[:2]] == [[], []]
    assert found[2]["body"] == ""
    assert found[2]["notes"] == [
        "A text part of 8 KB that Gmail sends separately was not fetched: this call already "
        "reads 17 KB of such parts. Read the message alone with get_message."
    ]


def test_a_part_that_cannot_be_fetched_is_named(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # retried on its own as a plain attachments.get: that fails too
    fake.faults = FaultPlan(rate=1.0, kinds=["500"], paths=["/batch/", "/attachments/"])
    got = invoke("get_message", {"message_id": fake.first_id}, TOKEN).variables  # type: ignore[attr-defined]
    assert got["body"] == "" and got["subject"] == "Report 0"
    assert got["notes"] == [
        "A text part of 8 KB that Gmail sends separately could not be fetched (a temporary "
        "error): its text is not shown. Try again, or open the message in Gmail."
    ]


def test_late_in_the_call_parts_are_not_fetched(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "HELD_APART_MIN_SECONDS", 1_000.0)
    got = invoke("get_message", {"message_id": fake.first_id}, TOKEN).variables  # type: ignore[attr-defined]
    assert got["notes"] == [
        "A text part of 8 KB that Gmail sends separately was not fetched: this call's time "
        "budget is used up. Read the message alone with get_message."
    ]


def test_the_parts_hold_the_transfer_budget_until_their_messages_are_read(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfers, "SMALL", 1_000)  # count these small parts
    seen: list[int] = []
    parse = reading.parse_message

    def parse_and_look(*args: Any, **kwargs: Any) -> Any:
        seen.append(transfers.in_flight())
        return parse(*args, **kwargs)

    monkeypatch.setattr(reading, "parse_message", parse_and_look)
    assert [m["notes"] for m in _thread(fake)] == [[], [], []]
    assert seen == [sum(_part_sizes(fake))] * 3  # each message is read holding all three
    assert transfers.in_flight() == 0


def _part_sizes(fake: FakeGoogle) -> list[int]:
    box = fake.mailbox_for_token(TOKEN)
    assert box is not None
    return [
        box.render(m, "full")["payload"]["body"]["size"]
        for m in box.thread(fake.thread_id)  # type: ignore[attr-defined]
    ]


def _box(fake: FakeGoogle) -> Any:
    return fake.mailbox_for_token(TOKEN)


@pytest.mark.parametrize(
    ("tool", "params", "fix"),
    [
        ("reply_to_message", {"body": "Thanks"}, "or reply without quote_original."),
        ("reply_to_message", {"body": "Thanks", "as_draft": True}, "quote_original."),
        ("forward_message", {"to": "boss@example.com"}, "Open it in Gmail."),
        ("forward_message", {"to": "boss@example.com", "as_draft": True}, "Open it in Gmail."),
    ],
)
def test_a_reply_or_forward_never_carries_a_text_that_was_not_read_whole(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, tool: str, params: dict[str, Any], fix: str
) -> None:
    """The recipient could not tell the quote or the forwarded text is cut: refuse, send
    nothing, save nothing, and say why and what to do."""
    monkeypatch.setattr(messages, "MAX_HELD_APART_PART_BYTES", 5_000)
    box = _box(fake)
    sent, drafts = len(box.sent), len(box.drafts)
    message = failure(tool, {"message_id": fake.first_id, **params}, TOKEN)  # type: ignore[attr-defined]
    assert message.startswith(f"The text of message {fake.first_id} could not be read")  # type: ignore[attr-defined]
    assert "that Gmail sends separately is more than the 4 KB read per part" in message
    assert "nothing was sent or saved" in message and message.endswith(fix)
    assert (len(box.sent), len(box.drafts)) == (sent, drafts)


def test_a_reply_without_the_quote_does_not_need_the_text(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "MAX_HELD_APART_PART_BYTES", 5_000)
    box = _box(fake)
    sent = len(box.sent)
    params = {"message_id": fake.first_id, "body": "Thanks", "quote_original": False}  # type: ignore[attr-defined]
    invoke("reply_to_message", params, TOKEN)
    assert len(box.sent) == sent + 1 and b"Thanks" in box.sent[-1]


def test_while_others_hold_the_transfer_budget_the_messages_are_read_without_those_parts(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another call's large attachment may hold the budget for minutes: wait a moment, then
    read every message anyway, naming the parts not fetched, instead of failing the call."""
    monkeypatch.setattr(transfers, "SMALL", 1_000)  # count these small parts
    monkeypatch.setattr(messages, "HELD_APART_WAIT_SECONDS", 0.2)
    monkeypatch.setattr(messages, "HELD_APART_MIN_SECONDS", 1.0)
    with transfers.large_transfer(transfers.BUDGET, transport.Deadline(100)):
        started = time.monotonic()
        found = invoke("search_messages", {"query": "", "include_body": True}, TOKEN).variables
        assert time.monotonic() - started < 10
    assert len(found["messages"]) == 3
    for message in found["messages"]:
        assert message["notes"] == [
            "A text part of 8 KB that Gmail sends separately was not fetched: the plugin is "
            "busy with other large transfers. Try again in a minute."
        ]
    assert transfers.in_flight() == 0


def test_parts_not_reached_in_time_are_named(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The time budget is checked before each batch (the wait for the transfer budget, or
    the batches before, may have used it up)."""
    monkeypatch.setattr(messages, "HELD_APART_BATCH_BYTES", PART)  # one part per batch
    real = messages.GmailClient.call_many

    def slow_call_many(self: Any, *args: Any, **kwargs: Any) -> Any:
        answer = real(self, *args, **kwargs)
        if kwargs.get("what") == "message part":  # the first batch uses up the budget
            monkeypatch.setattr(messages, "HELD_APART_MIN_SECONDS", 1_000.0)
        return answer

    monkeypatch.setattr(messages.GmailClient, "call_many", slow_call_many)
    found = _thread(fake)
    assert found[0]["notes"] == [] and found[0]["body"].endswith("END 0")
    for message in found[1:]:
        assert message["body"] == ""
        assert message["notes"] == [
            "A text part of 8 KB that Gmail sends separately was not fetched: this call's time "
            "budget is used up. Read the message alone with get_message."
        ]


def test_a_message_of_many_such_parts_fetches_no_more_than_its_text_read(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading keeps MAX_TEXT_CHARS of a message's text: the parts past that many bytes are
    not fetched (one message of 1,500 of them cost 30 batch requests), and one note says so."""
    monkeypatch.setattr(messages, "MAX_HELD_APART_MESSAGE_BYTES", 3 * PART + 100)
    body = EmailMessage()
    body["From"], body["To"], body["Subject"] = "a@example.com", "me@example.com", "Many"
    body.set_content("intro")
    for i in range(8):
        body.add_attachment(f"Part {i} ".ljust(PART, "x"), disposition="inline")
    message_id = _box(fake).add_message(body.as_bytes())
    fake.stats.reset()
    got = invoke("get_message", {"message_id": message_id}, TOKEN).variables
    assert _batches(fake) == [3]  # the three parts that fit (the first, "intro", is inline)
    assert [f"Part {i} " in got["body"] for i in range(8)] == [True] * 3 + [False] * 5
    assert got["notes"] == [
        "The text parts that Gmail sends separately past the first 26 KB of them were not "
        "fetched: no more of a message's text is read. Open it in Gmail."
    ]
