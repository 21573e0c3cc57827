"""offload.run under the SDK's gevent patch: the time limit holds when the reading threads
are busy with reads given up earlier (Python cannot stop a thread; the limits bound it)."""

from __future__ import annotations

import time

import gevent
import pytest
from gevent import monkey

import gmail_core.dify  # noqa: F401  (the SDK's gevent patch, as in the plugin process)
from gmail_core import offload

BUSY_SECONDS = 1.0
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
    assert time.perf_counter() - started < LIMIT + 0.3  # not the hogs' remaining ~0.8 s
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
    monkeypatch.setattr(offload, "_last_turn", time.monotonic())
    other = gevent.spawn(lambda: seen.append(len(done)))
    for _ in range(20):
        offload.run(lambda: done.append(0), size=offload.INLINE_BELOW - 1)
    other.join()
    assert seen == [20]  # 20 reads of microseconds: well within one turn
