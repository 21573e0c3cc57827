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


def test_small_reads_in_a_row_let_other_greenlets_in_between() -> None:
    """Mail under INLINE_BELOW is read in the event loop's thread; a call reading many such
    messages in a row (get_thread, search with bodies) must not hold the loop for all of them
    (a 19.9 kB list of 4,000 items takes ~0.6 s to convert: 50 of them were 30 s)."""
    done: list[int] = []
    seen: list[int] = []
    other = gevent.spawn(lambda: seen.append(len(done)))
    for _ in range(3):
        offload.run(lambda: done.append(0), size=offload.INLINE_BELOW - 1)
    other.join()
    assert seen == [1]  # it ran right after the first read, not after all three
