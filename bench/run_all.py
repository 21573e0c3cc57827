"""Every benchmark in sequence (``make bench``): search, agent view, quoted history of a
six-client thread, send memory, memory of two large transfers at once, pathological mail, a
slow read next to quick searches, attachment text.

``--quick`` runs tiny sizes (a smoke run of a few seconds each, figures not meaningful).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench import (
    agent_view,
    attachment_text,
    pathological,
    search,
    send_memory,
    stall,
    thread_trim,
    transfer_memory,
)

QUICK: dict[str, list[str]] = {
    "search": ["--sizes", "5,60", "--bodies", "5", "--mailbox", "80", "--runs", "1",
               "--cpu-messages", "10", "--rtt-ms", "2", "--new-connection-ms", "4"],
    "agent_view": ["--search", "5", "--mailbox", "10", "--sample", "0"],
    "thread_trim": ["--runs", "1"],
    "send_memory": ["--size-mb", "1"],
    "transfer_memory": ["--size-mb", "1", "--rtt-ms", "0"],
    "pathological": ["--case", "date_1mb", "--case", "html_comment_openers_80kb"],
    "stall": ["--messages", "3", "--searches", "2"],
    "attachment_text": ["--scale", "0.01", "--runs", "1"],
}  # fmt: skip


def benches() -> list[tuple[str, Callable[[list[str] | None], int]]]:
    return [
        ("search", search.main),
        ("agent_view", agent_view.main),
        ("thread_trim", thread_trim.main),
        ("send_memory", send_memory.main),
        ("transfer_memory", transfer_memory.main),
        ("pathological", pathological.main),
        ("stall", stall.main),
        ("attachment_text", attachment_text.main),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.run_all", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke run)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    status = 0
    for name, run in benches():
        t0 = time.perf_counter()
        rc = run(QUICK[name] if args.quick else [])
        status = status or rc
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]\n", flush=True)
    print(f"all benchmarks: {time.perf_counter() - started:.1f} s")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
