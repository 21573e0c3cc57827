"""offload.run under the SDK's gevent patch: the time limit holds when the reading threads
are busy with reads given up earlier (Python cannot stop a thread; the limits bound it)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import gevent
import pytest
from gevent import monkey

import gmail_core.dify  # noqa: F401  (the SDK's gevent patch, as in the plugin process)
from gmail_core import extract, messages, offload, transfers, transport
from gmail_core.message import Attachment

BUSY_SECONDS = 1.5
LIMIT = 0.2


def _busy() -> None:
    end = time.perf_counter() + BUSY_SECONDS
    while time.perf_counter() < end:
        pass


def _give_up_on(work: object) -> None:
    with pytest.raises(offload.TookTooLong):
        offload.run(work, size=offload.INLINE_BELOW, seconds=LIMIT)  # type: ignore[arg-type]


def test_the_limit_covers_the_wait_for_a_thread_and_abandoned_work_never_runs() -> None:
    assert monkey.is_module_patched("threading")
    ran: list[str] = []
    # Every thread busy with a read given up on, and one more waiting for a thread.
    hogs = [gevent.spawn(_give_up_on, _busy) for _ in range(offload.POOL_SIZE)]
    gevent.sleep(0.05)
    queued = gevent.spawn(_give_up_on, lambda: ran.append("queued"))
    gevent.sleep(0.05)
    started = time.perf_counter()
    _give_up_on(lambda: ran.append("late"))
    assert time.perf_counter() - started < LIMIT + 0.6  # not the hogs' remaining ~1.3 s
    gevent.joinall([*hogs, queued])
    time.sleep(BUSY_SECONDS)  # the hogs finish; then the pool would run what was queued
    assert offload.run(lambda: "free again", size=offload.INLINE_BELOW) == "free again"
    assert ran == []  # given up before a thread took it: never run


def test_small_reads_in_a_row_let_other_greenlets_in_between(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Mail under INLINE_BELOW is read in the event loop's thread; a call reading many such
    messages in a row (get_thread, search with bodies) must not hold the loop for all of them
    (a 19.9 kB list of 4,000 items takes ~0.6 s to convert: 50 of them were 30 s): the other
    greenlets get their turn once TURN_SECONDS have passed, after the read under way."""
    done: list[int] = []
    seen: list[int] = []

    def read() -> None:  # a read that holds the loop for 0.6 of a turn
        end = time.perf_counter() + offload.TURN_SECONDS * 0.6
        while time.perf_counter() < end:
            pass
        done.append(0)

    monkeypatch.setattr(offload, "_last_turn", time.monotonic())
    other = gevent.spawn(lambda: seen.append(len(done)))
    for _ in range(4):
        offload.run(read, size=offload.INLINE_BELOW - 1)
    other.join()
    assert seen and 1 <= seen[0] <= 2  # after the read that passed the turn, not after all


def test_quick_small_reads_do_not_each_pay_for_a_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """A search of 500 small messages would otherwise run the event loop 500 times."""
    seen: list[int] = []
    done: list[int] = []
    # A turn as long as a second: the process may be paused for a few ms anywhere in here
    # (the machine is shared), which must not count as a read that took its time.
    monkeypatch.setattr(offload, "TURN_SECONDS", 1.0)
    monkeypatch.setattr(offload, "_last_turn", time.monotonic())
    other = gevent.spawn(lambda: seen.append(len(done)))
    for _ in range(20):
        offload.run(lambda: done.append(0), size=offload.INLINE_BELOW - 1)
    other.join()
    assert seen == [20]  # 20 reads of microseconds: well within one turn


def test_when_over_is_called_once_the_work_is_over_even_work_given_up_on() -> None:
    events: list[str] = []

    def work() -> None:
        _busy()
        events.append("work done")  # in the reading thread

    offload.run(lambda: None, size=offload.INLINE_BELOW, seconds=5)  # a thread is free
    with pytest.raises(offload.TookTooLong):
        offload.run(
            work, size=offload.INLINE_BELOW, seconds=LIMIT, when_over=lambda: events.append("over")
        )
    assert events == []  # given up on, but a thread still does it
    deadline = time.perf_counter() + BUSY_SECONDS + 2
    while len(events) < 2 and time.perf_counter() < deadline:
        gevent.sleep(0.05)
    assert events == ["work done", "over"]
    # In time, in a thread or in place: before run returns.
    calls: list[int] = []
    for size in (offload.INLINE_BELOW, 10):
        assert offload.run(lambda: 7, size=size, when_over=lambda s=size: calls.append(s)) == 7
    assert calls == [offload.INLINE_BELOW, 10]


def test_a_file_given_up_on_keeps_its_transfer_share_until_its_thread_is_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two large files must never be in memory together: a reading thread that still parses
    a file given up on still holds it, so its share of the budget stays taken until then."""
    events: list[str] = []

    def slow_text_of(*_: object, **__: object) -> extract.Extracted:
        _busy()
        events.append("parsed")
        return extract.Extracted("pdf", "text")

    monkeypatch.setattr(extract, "text_of", slow_text_of)
    monkeypatch.setattr(extract, "SECONDS_PER_FILE", 0.1)  # 0.5 s: the least a file gets
    monkeypatch.setattr(messages, "EXTRACT_GRACE_SECONDS", 0.0)
    client = SimpleNamespace(deadline=transport.Deadline(seconds=60))
    size = 2 * transfers.MiB
    big = Attachment("big.pdf", "application/pdf", size, "1", data=bytes(size))
    offload.run(lambda: None, size=offload.INLINE_BELOW, seconds=5)  # a thread is free
    [(_, found)] = messages.read_attachment_texts(
        client,  # type: ignore[arg-type]
        "m1",
        [big],
        extract.Allowance(),
    )
    assert found.note == "Reading this file took longer than 0.5 s: it is not shown."
    assert events == [] and transfers.in_flight() == size  # the thread still has the file
    deadline = time.perf_counter() + BUSY_SECONDS + 2
    while transfers.in_flight() and time.perf_counter() < deadline:
        gevent.sleep(0.05)
    assert events == ["parsed"] and transfers.in_flight() == 0


def test_a_message_read_past_the_time_budget_still_gets_a_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Late in a call what is left of the budget may be below zero: a read still gets
    MIN_READ_SECONDS, and its note never says it "took longer than -0.3 s"."""
    # A read that waits (in its thread, on a real Event) until the test is over, rather than
    # spinning on into the tests that come next.
    over = monkey.get_original("threading", "Event")()
    monkeypatch.setattr(messages.reading, "parse_message", lambda *_, **__: over.wait(10))
    client = messages.GmailClient("tok", deadline=transport.Deadline(seconds=-0.3))
    try:
        found = messages.read_message({"id": "m1"}, client, size=offload.INLINE_BELOW)
    finally:
        over.set()
    assert found.id == "m1"
    assert found.notes[0].startswith("Reading this message took longer than 0.5 s:")
