"""Give the memory of large, finished work back to the operating system.

A plugin process serves many calls in 256 MB (manifest ``resource.memory``). Three things
keep memory after a large attachment has been handled, and each has its answer here:

- glibc raises its mmap threshold to 32 MB the first time a large buffer is freed ("dynamic
  mmap threshold"), after which 20-30 MB buffers (a downloaded attachment, its JSON) come
  from the heap and stay with the process. ``tune_allocator`` fixes the threshold at 1 MB,
  so every large buffer gets its own pages, returned when it is freed;
- parsers leave reference cycles (a PDF's pages point back at their reader, a Word package
  at its parts), freed only when Python's collector happens to run — freeing big buffers
  never makes it run;
- freed small blocks (lxml's, the worker thread's arena) stay with the process.

``release`` handles the last two after each file. Measured in ``bench/attachment_text.py``
(README, Performance): with both, the 20 MB PDF's peak fell from 108 to 66 MiB above idle,
and RSS after reading eight large attachments twice from ~205 to ~107 MiB.
``release_if_grown`` runs it after any call that left the process holding much more than
it did when it started: freed heap memory stays with the process while anything allocated
later lives above it (searches of 500 messages left ~0.5 MB each, so a process grew from
80 to 280 MiB over 600 of them, all of it free memory that ``malloc_trim`` gives back).
(``freeze_startup_objects`` and ``tune_collector`` are about time, not memory: the
collector's full passes skip what the process loaded at start, and its young passes no
longer run several times inside one search.)
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Callable

#: Allocations of this size or more get pages of their own, returned to the OS when freed.
LARGE_BUFFER_BYTES = 1024 * 1024
_M_MMAP_THRESHOLD = -3  # glibc <malloc.h>

# glibc's functions, looked up in the process's own symbols (no library named); None where
# the C library has none (macOS; musl's are no-ops): there only the collection runs.
_mallopt: Callable[[int, int], int] | None
_malloc_trim: Callable[[int], int] | None
try:
    _libc = ctypes.CDLL(None)
except OSError:
    _mallopt = _malloc_trim = None
else:
    _mallopt = getattr(_libc, "mallopt", None)
    _malloc_trim = getattr(_libc, "malloc_trim", None)


def tune_allocator() -> None:
    """Once, when the plugin process starts: large buffers in pages of their own."""
    if _mallopt is not None:
        _mallopt(_M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES)


#: Net new container objects that start the collector's young pass (CPython's default: 700).
#: A search holds a few thousand short-lived ones at its peak (a chunk's JSON, the messages,
#: the answer), all freed when it ends: at 700 it made ~2 young passes per search of 100 and
#: ~8 per search of 500 (0.3-0.4 and 1.4-2.3 ms of CPU), which walked objects about to be
#: freed anyway and found ~20 in cycles. At 10,000 a search of 500 rarely starts one; cycles
#: are still collected every 10,000 new objects, and ``release`` still runs after each file.
YOUNG_COLLECTION_THRESHOLD = 10_000


def tune_collector() -> None:
    """Once, when the plugin process starts: young collections less often (see above)."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, older, oldest)


def freeze_startup_objects() -> None:
    """Once, when the plugin process has loaded (the SDK, the tools, their libraries): the
    cyclic collector never walks these objects again. They live as long as the process, yet
    every full collection walked all of them: ~70 ms that could fall inside any call (a
    search of 500 messages ran into one every other call; bench/search.py)."""
    gc.collect()
    gc.freeze()


def release() -> None:
    """After a large file: collect reference cycles, then return every arena's free pages."""
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)  # ctypes lets other threads run meanwhile (10-20 ms at 250 MiB)


#: Memory a process may hold above what it held when it started before a finished call
#: gives the free part back (``release_if_grown``): one large search's worth, so the trim,
#: a few milliseconds, runs about once per fifty searches of 500 messages.
KEEP_ABOVE_START_BYTES = 32 * 1024 * 1024

_started_with = 0  # the process's resident bytes when it started serving (process-wide)
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """This process's resident memory (0 where /proc is not there to say)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return 0


def mark_start() -> None:
    """Once, when the plugin process is ready to serve: what it holds then is its floor."""
    global _started_with
    _started_with = resident_bytes()


def release_if_grown() -> None:
    """After a call: ``release`` when the process holds more than
    ``KEEP_ABOVE_START_BYTES`` above what it held at start (see the module's docstring)."""
    if _started_with and resident_bytes() > _started_with + KEEP_ABOVE_START_BYTES:
        release()
