"""Reading mail off the event loop, so one hostile message cannot stall other invocations.

The SDK monkey-patches the process with gevent and runs every invocation as a greenlet in
one OS thread: a parse that holds the CPU for half a second freezes every other user's call
(and their in-flight sends) for that half second. Under gevent, :func:`run` hands the work to
a small pool of real threads and waits cooperatively, so the event loop keeps serving the
other greenlets (Python hands the GIL over every 5 ms). Without gevent (unit tests, scripts)
it simply calls the function.

Reading is bounded by the limits in ``reading`` and ``html`` (well under a second per message
here); the time limit is the last line of defence against an input nobody has thought of:
the caller gets :class:`TookTooLong` and shows what it has, with a note.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from gevent import Timeout, monkey, sleep, spawn
from gevent.event import AsyncResult
from gevent.threadpool import ThreadPool

# How long one piece of reading may take before it is given up (the limits keep real and
# hostile mail under ~0.5 s on a 2-core machine).
READ_SECONDS = 10.0
# Threads for reading: as many as the plugin's usual CPU share; more would only queue on
# the GIL, and gevent's own pool (DNS lookups) stays free.
POOL_SIZE = 2
# Less mail than this (bytes or characters) is read in place: it takes a few milliseconds,
# less than handing it to a thread, and it must not queue behind another user's heavy read.
INLINE_BELOW = 20_000
# Reading in place gives the other greenlets their turn once this long has passed since the
# last turn it gave: a call reading many small messages in a row never holds the event loop
# for more than this plus one message, and a search of 500 does not pay a loop iteration for
# each of them (~15 us apiece with sockets open).
TURN_SECONDS = 0.005

_pool_lock = threading.Lock()
_pool: ThreadPool | None = None  # one per process, like the HTTP session
_last_turn = 0.0  # time.monotonic() of the last turn given by reading in place (any call)


class TookTooLong(Exception):
    """Reading did not finish within its time limit."""


def _gevent_pool() -> ThreadPool | None:
    """The process's reading pool, or None when gevent does not run the process."""
    global _pool
    if not monkey.is_module_patched("threading"):
        return None
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPool(POOL_SIZE)
        return _pool


class _Task[T]:
    """``work``, unless its caller gave up while it waited for a thread: work nobody waits
    for would only hold a thread from the reads that come after it."""

    __slots__ = ("abandoned", "work")

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self.abandoned = False

    def __call__(self) -> T | None:
        return None if self.abandoned else self.work()


def run[T](
    work: Callable[[], T],
    *,
    size: int,
    seconds: float = READ_SECONDS,
    when_over: Callable[[], None] | None = None,
) -> T:
    """``work()`` on ``size`` bytes of mail, in a reading thread when gevent runs the process
    and the mail is not small (small mail is read in place, and the other greenlets get their
    turn at least every ``TURN_SECONDS``).

    Raises TookTooLong after ``seconds``, the wait for a free thread included (threads may
    still be busy with reads given up earlier). Work given up before a thread took it never
    runs; work already running finishes in the background (Python cannot stop a thread,
    and the limits bound it). ``work`` must be pure: no I/O, no logging, no gevent objects.

    ``when_over`` is called once when the work is over: before ``run`` returns or raises,
    or, for work given up while a thread still does it, when that thread is done (in a
    greenlet of its own) — so what the work holds, such as its share of the transfer
    budget, is given back when its memory is, not while a thread still parses.
    """
    global _last_turn
    result: AsyncResult | None = None  # the reading thread's, once the work is handed over
    try:
        pool = _gevent_pool()
        if pool is None or size < INLINE_BELOW:
            try:
                return work()
            finally:
                now = time.monotonic()
                if pool is not None and now - _last_turn >= TURN_SECONDS:
                    # The other greenlets' turn (see TURN_SECONDS).
                    _last_turn = now
                    sleep(0)
        task = _Task(work)
        timeout = Timeout(max(seconds, 0.001))
        timeout.start()
        try:
            result = pool.spawn(task)
            value: T = result.get()
        except Timeout as exc:
            if exc is not timeout:
                raise
            task.abandoned = True
            raise TookTooLong from None
        finally:
            timeout.close()
        return value
    finally:
        if when_over is not None:
            if result is None or result.ready():
                when_over()
            else:  # a thread still does it: over when it is (links run in the hub: no waiting)
                result.rawlink(lambda _: spawn(when_over))
