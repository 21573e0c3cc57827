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
from collections.abc import Callable

from gevent import Timeout, monkey
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

_pool_lock = threading.Lock()
_pool: ThreadPool | None = None  # one per process, like the HTTP session


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


def run[T](work: Callable[[], T], *, size: int, seconds: float = READ_SECONDS) -> T:
    """``work()`` on ``size`` bytes of mail, in a reading thread when gevent runs the process
    and the mail is not small.

    Raises TookTooLong after ``seconds`` (the thread finishes in the background: Python
    cannot stop it, and the limits bound it). ``work`` must be pure: no I/O, no logging,
    no gevent objects.
    """
    pool = _gevent_pool() if size >= INLINE_BELOW else None
    if pool is None:
        return work()
    result = pool.spawn(work)
    try:
        value: T = result.get(timeout=max(seconds, 0.001))
    except Timeout:
        raise TookTooLong from None
    return value
