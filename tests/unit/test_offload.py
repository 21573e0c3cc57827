"""offload.run keeps the gevent hub free while CPU-heavy work runs (in a patched process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A gevent-patched process, as dify_plugin makes it: one greenlet ticks every 10 ms while
# another runs 0.5 s of pure-Python work, directly or through offload.run.
_PROBE = textwrap.dedent(
    """
    from gevent import monkey
    monkey.patch_all(sys=True)
    import sys, time
    import gevent
    from gmail_core import offload

    def busy(seconds):
        end = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < end:
            n += 1
        return n

    ticks = []
    def ticker():
        while True:
            ticks.append(time.perf_counter())
            gevent.sleep(0.01)

    gevent.spawn(ticker)
    gevent.sleep(0.05)
    before = len(ticks)
    if sys.argv[1] == "offload":
        assert offload.run(busy, 0.5) > 0
    else:
        busy(0.5)
    print(len(ticks) - before)
    try:
        offload.run(int, "not a number")  # the worker thread's exception reaches the caller
    except ValueError:
        print("raised")
    """
)


def _ticks_during(mode: str) -> int:
    """Ticks seen while 0.5 s of work ran; also checks an exception came back."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    ticks, raised = out.stdout.split()
    assert raised == "raised"
    return int(ticks)


def test_other_greenlets_keep_running_while_offloaded_work_computes() -> None:
    assert _ticks_during("inline") <= 2  # the stall offload exists to prevent
    assert _ticks_during("offload") >= 10  # 0.5 s of work, a tick every 10 ms: most go through


def test_without_gevent_the_function_runs_in_the_caller() -> None:
    code = (
        "import threading; from gmail_core import offload; "
        "print(offload.run(threading.get_ident) == threading.get_ident())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"
