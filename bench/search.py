"""search_messages through the plugin process vs. a naive client doing one GET per message.

Both talk to the same fake Google with the same simulated latency (``--rtt-ms`` per request,
``--new-connection-ms`` more on a fresh TCP connection). The fake keeps its answers once built
(``cache_answers``: the field mask and prettyPrint applied, as Google would answer), so its own
CPU drops out and the figures are the plugin's. For each N the plugin is invoked with
``max_results=N`` (one warm-up, then ``--runs`` measured runs, median reported); its CPU time
per message comes from ``/proc/<pid>/stat`` over those runs and more, until at least
``--cpu-messages`` messages were read (Linux counts CPU time in 10 ms ticks). The naive client
(a plain ``requests.Session`` in this process) does messages.list then
``messages.get?format=metadata`` for each message, one after another.

``--bodies`` adds searches with ``include_body=true`` and the plugin's peak memory above its
idle RSS (VmHWM after a reset through ``clear_refs``), each size in a fresh plugin process.
The other reading paths are measured the same way, in a fresh process (``--no-others``
skips them): get_thread (12 messages, a user label), list_drafts (100), list_labels (counts:
one labels.get each, batched) and the bulk trash/untrash of 100 messages.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from typing import Any

import requests

from bench import (
    CREDENTIALS,
    ME,
    TOKEN,
    check,
    median,
    populate,
    reply_thread,
    start_plugin,
    stop_plugin,
    table,
)
from bench.cpu import cpu_seconds, machine_load, reset_peak, status_kb
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import PluginProcess

BATCH = 50


@dataclass
class Run:
    requests: int
    connections: int
    ms: float
    count: int
    fake_ms: float = 0.0


class AnswerTimer:
    """CPU time the fake spends answering requests, listings and batches (it runs in this
    process, so it does not count in the plugin's CPU, but it shares the machine's cores and
    adds to wall times)."""

    def __init__(self, fake: FakeGoogle) -> None:
        self.ms = 0.0
        inner = getattr(fake, "_route", None)
        if inner is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.thread_time()  # this thread's CPU: the requests overlap in time
            try:
                return inner(*args, **kwargs)
            finally:
                self.ms += (time.thread_time() - t0) * 1000

        fake._route = timed  # type: ignore[method-assign]


def _plugin_run(
    plugin: PluginProcess, fake: FakeGoogle, n: int, timer: AnswerTimer, bodies: bool = False
) -> Run:
    fake.stats.reset()
    timer.ms = 0.0
    params: dict[str, Any] = {"max_results": n}
    if bodies:
        params["include_body"] = True
    t0 = time.perf_counter()
    result = check(plugin.invoke_tool("search_messages", params, CREDENTIALS), "search")
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


@dataclass
class Measured:
    median: Run
    worst_requests: int
    cpu_ms_per_message: float
    peak_mib: float = 0.0


def _measure(
    plugin: PluginProcess,
    fake: FakeGoogle,
    n: int,
    timer: AnswerTimer,
    runs: int,
    cpu_messages: int,
    *,
    bodies: bool = False,
) -> Measured:
    """Warm-up, ``runs`` timed runs, then more runs until ``cpu_messages`` were read. With
    ``bodies``, the peak RSS of the timed runs above the RSS before the warm-up."""
    pid = plugin.proc.pid
    before_kb = status_kb(pid, "VmRSS")
    peak_ok = bodies and reset_peak(pid)
    _plugin_run(plugin, fake, n, timer, bodies)  # warm-up: the fake's answers are built here
    cpu0 = cpu_seconds(pid)
    timed = [_plugin_run(plugin, fake, n, timer, bodies) for _ in range(runs)]
    peak_mib = (status_kb(pid, "VmHWM") - before_kb) / 1024 if peak_ok else 0.0
    read = sum(r.count for r in timed)
    while read < cpu_messages:
        read += _plugin_run(plugin, fake, n, timer, bodies).count
    cpu_ms = (cpu_seconds(pid) - cpu0) * 1000
    return Measured(
        _median_run(timed),
        max(r.requests for r in timed),
        cpu_ms / read if read else 0.0,
        peak_mib,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.search", description=__doc__)
    ap.add_argument("--sizes", default="20,100,500", help="comma-separated N (max_results)")
    ap.add_argument("--bodies", default="100,500", help="N searched with include_body=true")
    ap.add_argument("--mailbox", type=int, default=600, help="messages in the mailbox")
    ap.add_argument("--runs", type=int, default=3, help="measured runs per N (median)")
    ap.add_argument("--cpu-messages", type=int, default=1000, help="messages read for CPU")
    ap.add_argument("--rtt-ms", type=float, default=20)
    ap.add_argument("--new-connection-ms", type=float, default=40)
    ap.add_argument("--no-naive", action="store_true", help="skip the naive client")
    ap.add_argument("--no-others", action="store_true", help="skip the other reading paths")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    body_sizes = [int(s) for s in args.bodies.split(",") if s.strip()]

    print(
        f"== search_messages: plugin (batch) vs naive (1 GET per message) — mailbox of "
        f"{args.mailbox}, rtt {args.rtt_ms:g} ms, new connection +{args.new_connection_ms:g} ms, "
        f"median of {args.runs} after 1 warm-up; {machine_load()} at the start"
    )
    rows = []
    body_rows = []
    checks = []
    with FakeGoogle(rtt_ms=0, new_connection_ms=0, seed=42) as fake:
        box = fake.add_mailbox(
            TOKEN, ME[1], {GMAIL_MODIFY}, cache_answers=True, stable_attachment_ids=True
        )
        populate(box, args.mailbox, seed=7)
        in_inbox = sum("INBOX" in m.label_ids for m in box.messages.values())
        fake.rtt_ms, fake.new_connection_ms = args.rtt_ms, args.new_connection_ms
        timer = AnswerTimer(fake)
        plugin = start_plugin(fake)
        session = requests.Session()
        session.trust_env = False  # 127.0.0.1 only, never via a proxy
        try:
            # Wait for the process to be up without touching Gmail (an empty ID fails locally),
            # then time the first real call: it opens the connection pool.
            plugin.invoke_tool("get_message", {"message_id": ""}, CREDENTIALS)
            cold = _plugin_run(plugin, fake, sizes[0], timer)
            for n in sizes:
                got = _measure(plugin, fake, n, timer, args.runs, args.cpu_messages)
                p = got.median
                row = [n, p.count, p.requests, p.connections, p.ms, got.cpu_ms_per_message,
                       p.fake_ms]  # fmt: skip
                if not args.no_naive:
                    _naive_run(session, fake, n)
                    q = _median_run([_naive_run(session, fake, n) for _ in range(args.runs)])
                    speed = f"{q.ms / p.ms:.1f}x" if p.ms else "-"
                    row += [q.requests, q.connections, q.ms, speed]
                rows.append(row)
                checks.append((n, got.worst_requests, 1 + math.ceil(n / BATCH)))
        finally:
            stop_plugin(plugin)
            session.close()
        for n in body_sizes:  # each in a fresh process: its peak above a known idle
            plugin = start_plugin(fake)
            try:
                _plugin_run(plugin, fake, 1, timer)  # imports and the connection pool
                got = _measure(
                    plugin, fake, n, timer, args.runs, min(args.cpu_messages, 3 * n), bodies=True
                )
            finally:
                stop_plugin(plugin)
            p = got.median
            body_rows.append([n, p.count, p.requests, p.ms, got.cpu_ms_per_message, got.peak_mib])
        other_rows = _other_tools(fake, box, args.runs) if not args.no_others else []
        if fake.server_errors:
            print("fake Google server errors:", *fake.server_errors, sep="\n")
    print(
        f"inbox: {in_inbox} messages. got = messages returned. CPU ms/msg = the plugin "
        "process's user+system CPU time per message read. fake ms = CPU time the fake "
        "spent answering the listing and the batches (in this process, on the same cores)."
    )
    headers = ["N", "got", "plugin req", "plugin conn", "plugin ms", "CPU ms/msg", "fake ms"]
    if not args.no_naive:
        headers += ["naive req", "naive conn", "naive ms", "speed-up"]
    print(table(headers, [_cpu_cell(r, 5) for r in rows]))
    print(
        f"first search of a started plugin process (N={sizes[0]}): {cold.requests} requests, "
        f"{cold.connections} new connections, {cold.ms:,.0f} ms"
    )
    for n, worst, bound in checks:
        verdict = "yes" if worst <= bound else "NO"
        print(f"N={n}: plugin requests {worst} <= 1 + ceil(N/{BATCH}) = {bound}: {verdict}")
    if body_rows:
        print("include_body=true (the first 4,000 characters of each body as text):")
        body_headers = ["N", "got", "plugin req", "plugin ms", "CPU ms/msg", "peak MiB"]
        print(table(body_headers, [_cpu_cell(r, 4) for r in body_rows]))
        print(
            "peak MiB = the plugin's peak RSS over the warm-up and measured runs, above its RSS "
            "before them (a fresh process that has run one search of 1)"
        )
    if other_rows:
        print("other reading paths (median of the runs; CPU per call over all of them):")
        print(table(["tool", "requests", "ms", "CPU ms/call"], other_rows))
    print(f"{machine_load()} at the end")
    print()
    return 0


def _other_tools(fake: FakeGoogle, box: Any, runs: int) -> list[list[Any]]:
    """get_thread, list_drafts, list_labels and bulk trash/untrash in a fresh plugin process:
    [tool, requests, median ms, CPU ms per call]."""
    label = box.add_label("Projects/Q4")
    thread_id, ids = reply_thread(box, replies=12)
    box.modify(box.messages[ids[0]], [label], [])
    for msg_id in list(box.messages)[:100]:
        box.create_draft(box.messages[msg_id].raw)
    inbox = [m.id for m in box.messages.values() if "INBOX" in m.label_ids][:100]
    cases = [
        ("get_thread (12 messages)", "get_thread", {"thread_id": thread_id}),
        ("list_drafts (100)", "list_drafts", {"max_results": 100}),
        ("list_labels (with counts)", "list_labels", {}),
        ("trash_messages (100)", "trash_messages", {"message_ids": inbox}),
        ("untrash_messages (100)", "untrash_messages", {"message_ids": inbox}),
    ]
    plugin = start_plugin(fake)
    rows = []
    try:
        plugin.invoke_tool("get_message", {"message_id": ""}, CREDENTIALS)
        for name, tool, params in cases:
            check(plugin.invoke_tool(tool, params, CREDENTIALS), tool)  # warm-up
            pid = plugin.proc.pid
            cpu0 = cpu_seconds(pid)
            times, requests_made = [], []
            calls = max(runs, 10)
            for _ in range(calls):
                fake.stats.reset()
                t0 = time.perf_counter()
                check(plugin.invoke_tool(tool, params, CREDENTIALS), tool)
                times.append((time.perf_counter() - t0) * 1000)
                requests_made.append(fake.stats.http_requests)
            cpu_ms = (cpu_seconds(pid) - cpu0) * 1000 / calls
            rows.append([name, int(median(requests_made)), median(times), f"{cpu_ms:.1f}"])
    finally:
        stop_plugin(plugin)
    return rows


def _cpu_cell(row: list[Any], index: int) -> list[Any]:
    """The CPU column with two decimals (the table prints floats with one)."""
    return [f"{v:.2f}" if i == index else v for i, v in enumerate(row)]


if __name__ == "__main__":
    raise SystemExit(main())
