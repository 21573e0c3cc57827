"""How long the plugin spends on each pathological message (devkit/hostile_mail.py).

For every case: the message is turned into the Gmail API resource the fake Google would
serve (not timed), then the plugin's own work is timed as ``get_thread`` does it —
``parse_message``, then the body as Markdown and as text, each with ``trim_quoted``. Each
case runs in its own process, stopped after ``--timeout`` seconds (shown as ">N s").

    python -m bench.pathological                 # every case, raw headers
    python -m bench.pathological --decoded       # the encoded-word cases, words decoded
    python -m bench.pathological --case parts_50000 --case date_1mb
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from devkit.hostile_mail import CASES, HIDDEN_TEXT_CASES, Case, gmail_resource


def measure(case: Case, *, decoded: bool) -> dict[str, float]:
    """Seconds spent in each stage of reading ``case`` (in this process)."""
    from gmail_core.reading import body_for, parse_message, trim_quoted

    build = case.decoded if decoded and case.decoded is not None else case.build
    res = gmail_resource(build(), decoded=decoded)
    # CPU time of this process: other processes on a shared machine do not count.
    t0 = time.process_time()
    message = parse_message(res)
    t1 = time.process_time()
    trim_quoted(body_for(message, "markdown", 0))
    t2 = time.process_time()
    trim_quoted(body_for(message, "text", 0))
    t3 = time.process_time()
    return {"parse": t1 - t0, "markdown": t2 - t1, "text": t3 - t2}


def _by_name(name: str) -> Case:
    for case in CASES + HIDDEN_TEXT_CASES:
        if case.name == name:
            return case
    raise SystemExit(f"unknown case {name!r}")


def _run_isolated(name: str, *, decoded: bool, timeout: float) -> dict[str, float] | None:
    cmd = [sys.executable, "-m", "bench.pathological", "--one", name]
    if decoded:
        cmd.append("--decoded")
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last}  # type: ignore[dict-item]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.pathological", description=__doc__)
    ap.add_argument("--case", action="append", default=[], help="only these cases")
    ap.add_argument("--decoded", action="store_true", help="RFC 2047 words already decoded")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one case, print JSON
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(measure(_by_name(args.one), decoded=args.decoded)))
        return 0
    names = args.case or [c.name for c in CASES if c.decoded is not None or not args.decoded]
    mode = "decoded" if args.decoded else "raw"
    print(f"pathological mail, header values {mode}: seconds of plugin CPU per message")
    print(f"{'case':36} {'parse':>8} {'markdown':>9} {'text':>8} {'total':>8}")
    worst = 0.0
    for name in names:
        timing = _run_isolated(name, decoded=args.decoded, timeout=args.timeout)
        if timing is None:
            print(f"{name:36} {'':>8} {'':>9} {'':>8} {f'>{args.timeout:.0f}':>8}", flush=True)
            worst = max(worst, args.timeout)
            continue
        if "error" in timing:
            print(f"{name:36} failed: {timing['error']}", flush=True)
            continue
        total = sum(timing.values())
        worst = max(worst, total)
        print(
            f"{name:36} {timing['parse']:8.3f} {timing['markdown']:9.3f} {timing['text']:8.3f} "
            f"{total:8.3f}",
            flush=True,
        )
    print(f"slowest case: {worst:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
