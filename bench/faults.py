"""Success rate and extra HTTP requests when 20 % of Gmail calls fail transiently.

In-process (tools invoked as the SDK does) against the fake Google with a seeded
``FaultPlan(rate=0.2)`` of every kind (429, 429 with Retry-After, 403 usage limit, 500, 502,
503, connection reset, timeout, failing batch parts). Retry waits are shortened (backoff base
2 ms, Retry-After capped at 20 ms, read timeout 0.25 s) so the run takes seconds; the
figures that matter here, success share and request counts, do not depend on the waits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter
from typing import Any

from devkit.fakegoogle import ALL_KINDS, GMAIL_MODIFY, FakeGoogle, FaultPlan
from gmail_core import dify, sending, transport
from tests.reliability import fill, invoke

TOKEN = "tok-bench-faults"


def shorten_waits() -> None:
    transport.BACKOFF_BASE = 0.002
    transport.BACKOFF_CAP = 0.02
    transport.MAX_HINT = 0.02
    transport.READ_TIMEOUT = 0.25
    sending.LOOKUP_PAUSE = 0.3


def measure(
    fake: FakeGoogle, tool: str, params: dict[str, Any], runs: int, rate: float, expect: int
) -> dict[str, Any]:
    ok = 0
    requests: list[int] = []
    kinds: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    started = time.perf_counter()
    for seed in range(runs):
        fake.stats.reset()
        plan = FaultPlan(rate=rate, kinds=ALL_KINDS, seed=1000 + seed, timeout_s=0.5)
        fake.faults = plan if rate else None
        try:
            result = invoke(tool, params, TOKEN)
            complete = tool != "search_messages" or result.variables["count"] == expect
            ok += complete
            if not complete:
                failures["incomplete"] += 1
        except dify.ToolFailure as exc:
            failures[str(exc)[:70]] += 1
        requests.append(fake.stats.http_requests)
        kinds.update(k for _, k in plan.injected)
    fake.faults = None
    return {
        "ok": ok,
        "runs": runs,
        "mean_requests": statistics.mean(requests),
        "max_requests": max(requests),
        "faults": sum(kinds.values()),
        "kinds": kinds,
        "failures": failures,
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--n", type=int, default=100, help="messages per search")
    args = parser.parse_args()
    shorten_waits()
    with FakeGoogle(seed=61) as fake:
        os.environ.update(fake.env())
        os.environ["GMAIL_TIME_BUDGET_SECONDS"] = "30"
        box = fake.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
        ids = fill(box, args.n, tag="bench")
        cases = [
            ("search_messages", {"query": "", "max_results": args.n}),
            ("get_message", {"message_id": ids[0]}),
        ]
        print(
            f"{args.runs} invocations per tool; {args.rate:.0%} of Gmail HTTP requests fail "
            f"(seeded, kinds: {', '.join(ALL_KINDS)})"
        )
        header = (
            f"{'tool':<26} | {'succeeded':>9} | {'HTTP req (no faults)':>20} | "
            f"{'HTTP req (faults) mean/max':>26} | {'extra/inv':>9} | {'faults':>6} | seconds"
        )
        print(header)
        print("-" * len(header))
        for tool, params in cases:
            label = f"{tool} (N={args.n})" if tool == "search_messages" else tool
            base = measure(fake, tool, params, 1, 0.0, args.n)
            res = measure(fake, tool, params, args.runs, args.rate, args.n)
            extra = res["mean_requests"] - base["mean_requests"]
            print(
                f"{label:<26} | {res['ok'] / res['runs']:>9.0%} | "
                f"{base['mean_requests']:>20.0f} | "
                f"{res['mean_requests']:>20.2f} / {res['max_requests']:>3} | {extra:>9.2f} | "
                f"{res['faults']:>6} | {res['seconds']:.1f}"
            )
            for text, count in res["failures"].most_common(3):
                print(f"    failed {count}x: {text}")
        print("faults injected are whole-request faults plus batch answers with failing parts;")
        print("extra/inv = mean HTTP requests per invocation minus the fault-free count.")


if __name__ == "__main__":
    main()
