"""CPU-heavy work off the gevent hub, so one user's big file never stalls everyone else's calls.

``dify_plugin`` gevent-patches the process and runs every invocation as a greenlet in one OS
thread: a function that computes for two seconds (parsing a 20 MB PDF, converting a large
HTML file) blocks every other invocation, heartbeat included, for those two seconds. ``run``
executes such a function in a real OS thread of gevent's thread pool — what the SDK itself
does for token counting (``dify_plugin.interfaces.model.ai_model``) — while the calling
greenlet waits without blocking the hub. The GIL still lets one thread run Python at a time,
but it switches every few milliseconds, so the other greenlets keep answering.

The function must be pure (no gevent-cooperative I/O: sockets belong to the hub's thread).
Outside a gevent-patched process (unit tests, scripts) it simply runs in the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import gevent.monkey
import gevent.threadpool

#: OS threads for CPU-heavy work per plugin process. The GIL lets one of them compute at a
#: time, so a second thread would not finish the work sooner; it would only let two large
#: files sit parsed in memory side by side. Work waits its turn instead.
WORKERS = 1

_pool: gevent.threadpool.ThreadPool | None = None
_pool_lock = threading.Lock()  # patched to a gevent lock: greenlets creating the pool at once


def run[T](function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` in a worker thread; its result, or its exception."""
    if not gevent.monkey.is_module_patched("threading"):
        return function(*args, **kwargs)
    result: T = _shared_pool().spawn(function, *args, **kwargs).get()
    return result


def _shared_pool() -> gevent.threadpool.ThreadPool:
    """One pool per process (threads, not user data: nothing of a call is kept in it)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = gevent.threadpool.ThreadPool(WORKERS)
        return _pool
