"""search_messages through the plugin process vs. a naive client doing one GET per message.

Both talk to the same fake Google with the same simulated latency (``--rtt-ms`` per request,
``--new-connection-ms`` more on a fresh TCP connection). For each N the plugin is invoked
with ``max_results=N`` (one warm-up, then ``--runs`` measured runs, median reported); the
naive client (a plain ``requests.Session`` in this process) does messages.list then
``messages.get?format=metadata`` for each message, one after another.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import requests

from bench import (
    CREDENTIALS,
    ME,
    TOKEN,
    check,
    median,
    populate,
    start_plugin,
    stop_plugin,
    table,
)
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle

BATCH = 50


@dataclass
class Run:
    requests: int
    connections: int
    ms: float
    count: int
    fake_ms: float = 0.0


class BatchTimer:
    """Time the fake spends building batch answers (it runs in this process, so its CPU
    time competes with nothing in the plugin but does add to the plugin's wall time)."""

    def __init__(self, fake: FakeGoogle) -> None:
        self.ms = 0.0
        inner = getattr(fake, "_batch", None)
        if inner is None:
            return

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.ms += (time.perf_counter() - t0) * 1000

        fake._batch = timed  # type: ignore[method-assign]


def _plugin_run(plugin, fake: FakeGoogle, n: int, timer: BatchTimer) -> Run:
    fake.stats.reset()
    timer.ms = 0.0
    t0 = time.perf_counter()
    result = check(plugin.invoke_tool("search_messages", {"max_results": n}, CREDENTIALS), "search")
    ms = (time.perf_counter() - t0) * 1000
    count = int(result.variables().get("count", 0))
    return Run(fake.stats.http_requests, fake.stats.connections, ms, count, timer.ms)


def _naive_run(session: requests.Session, fake: FakeGoogle, n: int) -> Run:
    fake.stats.reset()
    base = fake.base_url + "/gmail/v1/users/me/messages"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    t0 = time.perf_counter()
    resp = session.get(base, params={"maxResults": n, "labelIds": "INBOX"}, headers=auth)
    resp.raise_for_status()
    refs = resp.json().get("messages") or []
    got = 0
    for ref in refs:
        r = session.get(f"{base}/{ref['id']}", params={"format": "metadata"}, headers=auth)
        r.raise_for_status()
        got += bool(r.json().get("id"))
    ms = (time.perf_counter() - t0) * 1000
    return Run(fake.stats.http_requests, fake.stats.connections, ms, got)


def _median_run(runs: list[Run]) -> Run:
    return Run(
        requests=int(median([r.requests for r in runs])),
        connections=int(median([r.connections for r in runs])),
        ms=median([r.ms for r in runs]),
        count=runs[-1].count,
        fake_ms=median([r.fake_ms for r in runs]),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.search", description=__doc__)
    ap.add_argument("--sizes", default="20,100,500", help="comma-separated N (max_results)")
    ap.add_argument("--mailbox", type=int, default=600, help="messages in the mailbox")
    ap.add_argument("--runs", type=int, default=3, help="measured runs per N (median)")
    ap.add_argument("--rtt-ms", type=float, default=20)
    ap.add_argument("--new-connection-ms", type=float, default=40)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    print(
        f"== search_messages: plugin (batch) vs naive (1 GET per message) — mailbox of "
        f"{args.mailbox}, rtt {args.rtt_ms:g} ms, new connection +{args.new_connection_ms:g} ms, "
        f"median of {args.runs} after 1 warm-up"
    )
    rows = []
    checks = []
    with FakeGoogle(rtt_ms=0, new_connection_ms=0, seed=42) as fake:
        box = fake.add_mailbox(TOKEN, ME[1], {GMAIL_MODIFY})
        populate(box, args.mailbox, seed=7)
        in_inbox = sum("INBOX" in m.label_ids for m in box.messages.values())
        fake.rtt_ms, fake.new_connection_ms = args.rtt_ms, args.new_connection_ms
        timer = BatchTimer(fake)
        plugin = start_plugin(fake)
        session = requests.Session()
        session.trust_env = False  # 127.0.0.1 only, never via a proxy
        try:
            # Wait for the process to be up without touching Gmail (an empty ID fails locally),
            # then time the first real call: it opens the connection pool.
            plugin.invoke_tool("get_message", {"message_id": ""}, CREDENTIALS)
            cold = _plugin_run(plugin, fake, sizes[0], timer)
            for n in sizes:
                _plugin_run(plugin, fake, n, timer)  # warm-up
                runs = [_plugin_run(plugin, fake, n, timer) for _ in range(args.runs)]
                p = _median_run(runs)
                _naive_run(session, fake, n)
                q = _median_run([_naive_run(session, fake, n) for _ in range(args.runs)])
                rows.append(
                    [n, p.count, p.requests, p.connections, p.ms, p.fake_ms, q.requests,
                     q.connections, q.ms, f"{q.ms / p.ms:.1f}x" if p.ms else "-"]
                )  # fmt: skip
                bound = 1 + math.ceil(n / BATCH)
                checks.append((n, max(r.requests for r in runs), bound))
        finally:
            stop_plugin(plugin)
            session.close()
        if fake.server_errors:
            print("fake Google server errors:", *fake.server_errors, sep="\n")
    print(
        f"inbox: {in_inbox} messages. got = messages returned. fake ms = time the fake spent "
        "building batch answers (same process as this script; part of plugin ms)."
    )
    headers = ["N", "got", "plugin req", "plugin conn", "plugin ms", "fake ms"]
    headers += ["naive req", "naive conn", "naive ms", "speed-up"]
    print(table(headers, rows))
    print(
        f"first search of a started plugin process (N={sizes[0]}): {cold.requests} requests, "
        f"{cold.connections} new connections, {cold.ms:,.0f} ms"
    )
    for n, got, bound in checks:
        verdict = "yes" if got <= bound else "NO"
        print(f"N={n}: plugin requests {got} <= 1 + ceil(N/{BATCH}) = {bound}: {verdict}")
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
