"""A process-wide bound on the large transfers in flight, so invocations queue, not crash.

The SDK runs invocations concurrently (greenlets) in one process, and a large attachment
costs several times its size while it is downloaded, decoded, encoded or uploaded. Two at
once could pass the manifest's memory limit and take every invocation of the process down.
So each large transfer holds a share of one byte budget for as long as its bytes are in
memory; one that does not fit waits (within its invocation's time budget) until others end.
Transfers enter in the order they asked (first come, first served): otherwise smaller ones
that keep overlapping would never leave room for a large one.
One transfer holds one share: asking for a second while holding one could wait behind a
transfer that waits for the first.
This is shared capacity, not per-user state: it holds sizes, never data or tokens.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from gmail_core import transport
from gmail_core.errors import TransientError

MiB = 1024 * 1024
# Payload bytes of large transfers in memory at once: one 25 MB attachment (Gmail's limit)
# with room for smaller ones beside it. bench/transfer_memory.py measures what it buys.
BUDGET = 32 * MiB
# Smaller transfers cost too little to queue.
SMALL = 1 * MiB
# What a file of unknown size (a Dify file without one) is counted as: Gmail's largest.
UNKNOWN = 25 * MiB


class _Budget:
    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        # Created on first use, after the SDK's gevent patching: then waiting yields to
        # the other greenlets instead of blocking the process.
        self.cond = threading.Condition()
        self.waiting: deque[object] = deque()  # one ticket per transfer waiting, in order


_budget: _Budget | None = None
_budget_lock = threading.Lock()


def _shared() -> _Budget:
    global _budget
    if _budget is None or _budget.total != BUDGET:
        with _budget_lock:
            if _budget is None or _budget.total != BUDGET:
                _budget = _Budget(BUDGET)
    return _budget


def share(nbytes: int) -> int:
    """What a transfer of ``nbytes`` holds of the budget (0 = small, not counted)."""
    return 0 if nbytes < SMALL else min(nbytes, BUDGET)


class Share:
    """What one transfer holds of the budget. Its block holds it; work the block hands the
    bytes to (a file a reading thread parses) may hold it too (``keep``): it goes back when
    the block has ended and every keeper has let go."""

    def __init__(self, budget: _Budget | None, nbytes: int) -> None:
        self._budget = budget
        self._nbytes = nbytes
        self._holders = 1  # the block

    def keep(self) -> Callable[[], None]:
        """One more holder, past the block: it lets go by calling what this returns (once)."""
        self._holders += 1
        let_go = True

        def release() -> None:
            nonlocal let_go
            if let_go:
                let_go = False
                self.let_go()

        return release

    def let_go(self) -> None:
        self._holders -= 1
        budget = self._budget
        if self._holders or budget is None:
            return  # still held, or small (never counted)
        self._budget = None
        with budget.cond:
            budget.free += self._nbytes
            budget.cond.notify_all()


@contextmanager
def large_transfer(
    nbytes: int, deadline: transport.Deadline, *, wait: float | None = None
) -> Iterator[Share]:
    """Hold a share of the budget for ``nbytes`` while the block runs (and while the work it
    hands the bytes to ``keep``s it); wait for it if the budget is taken, until ``deadline``
    nearly runs out, or at most ``wait`` seconds (then a temporary error, before the block)."""
    want = share(nbytes)
    if not want:
        yield Share(None, 0)
        return
    budget = _shared()
    ticket = object()
    give_up = None if wait is None else time.monotonic() + wait
    with budget.cond:
        budget.waiting.append(ticket)
        try:
            while budget.waiting[0] is not ticket or budget.free < want:
                left = deadline.remaining() - 5
                if give_up is not None:
                    left = min(left, give_up - time.monotonic())
                if left <= 0:
                    raise TransientError(
                        "The plugin is busy with other large attachments right now. Try again "
                        "in a minute.",
                        reason="busy",
                    )
                budget.cond.wait(timeout=min(left, 5.0))
            budget.free -= want
        finally:
            budget.waiting.remove(ticket)
            budget.cond.notify_all()  # the next in line may fit now
    held = Share(budget, want)
    try:
        yield held
    finally:
        held.let_go()


def in_flight() -> int:
    """Bytes of the budget held right now (for tests and benchmarks)."""
    budget = _shared()
    return budget.total - budget.free
