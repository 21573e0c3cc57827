"""Does a slow hostile read stall other invocations? Quick searches next to a get_thread of
CPU-heavy messages, in one plugin process started as Dify's daemon does.

Prints the searches' latency alone and while the slow read runs (medians and maxima), and
how long the slow read took. Timings share the machine with everything else running:
compare medians.

    python -m bench.stall [--messages 12] [--searches 5]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from dataclasses import dataclass

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.hostile_mail import html_message
from devkit.plugin_process import PluginProcess

BASE_MS = 1_772_000_000_000


@dataclass
class Stall:
    alone: list[float]  # seconds per search, nothing else running
    during: list[float]  # seconds per search started while the slow read ran
    slow_seconds: float  # the slow read, start to end
    slow_messages: int  # messages the slow read returned (0 if it failed)
    slow_error: object


def heavy_message(i: int) -> bytes:
    """~200 kB of HTML dense in tags: the plugin's CPU (parsing, cleaning, converting) is
    what takes time, not the fake's answer."""
    return html_message(f"<p>Heavy {i}</p>" + "<td><b>x</b></td>" * 12_000).replace(
        b"<hostile@example.com>", f"<heavy-{i}@example.com>".encode()
    )


def quick_message(i: int) -> bytes:
    return (
        f"From: Alice <alice@example.com>\r\nTo: quick@example.com\r\nSubject: Quick {i}\r\n"
        f"Date: Mon, 2 Mar 2026 08:00:00 +0000\r\nMessage-ID: <quick-{i}@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n"
    ).encode()


def measure(messages: int = 12, searches: int = 5, slow_timeout: float = 600) -> Stall:
    with FakeGoogle(seed=93) as fake:
        quick = fake.add_mailbox("tok-quick", "quick@example.com", {GMAIL_MODIFY})
        for i in range(5):
            quick.add_message(quick_message(i), internal_date_ms=BASE_MS + i)
        slow = fake.add_mailbox("tok-slow", "slow@example.com", {GMAIL_MODIFY})
        first = slow.add_message(heavy_message(0), internal_date_ms=BASE_MS)
        thread = slow.get(first).thread_id
        for i in range(1, messages):
            slow.add_message(heavy_message(i), internal_date_ms=BASE_MS + i, thread_id=thread)
        plugin = PluginProcess(env={**fake.env(), "GMAIL_TIME_BUDGET_SECONDS": "600"})
        try:
            quick_creds = {"access_token": "tok-quick", "scope": GMAIL_MODIFY}

            def search_seconds() -> float:
                started = time.perf_counter()
                result = plugin.invoke_tool(
                    "search_messages", {"max_results": 5}, quick_creds, timeout=slow_timeout
                )
                assert result.error is None and result.variables()["count"] == 5
                return time.perf_counter() - started

            search_seconds()  # warm: imports, pooled connection
            alone = [search_seconds() for _ in range(searches)]
            # Searches one after another, from another thread, for as long as the slow read
            # runs: each one that starts before it ends counts.
            started = time.perf_counter()
            slow_done = threading.Event()
            timed: list[tuple[float, float]] = []  # (start, seconds)

            def keep_searching() -> None:
                while not slow_done.is_set():
                    began = time.perf_counter()
                    timed.append((began, search_seconds()))

            sid = plugin.send(
                {
                    "type": "tool",
                    "action": "invoke_tool",
                    "user_id": "u1",
                    "provider": "gmail",
                    "tool": "get_thread",
                    "credentials": {"access_token": "tok-slow", "scope": GMAIL_MODIFY},
                    "credential_type": "oauth2",
                    "tool_parameters": {"thread_id": thread, "body_format": "markdown"},
                }
            )
            time.sleep(1.0)  # let the slow read start (and the fake finish answering it)
            searcher = threading.Thread(target=keep_searching, daemon=True)
            searcher.start()
            slow = plugin.collect(sid, timeout=slow_timeout)
            ended = time.perf_counter()
            slow_done.set()
            searcher.join(timeout=slow_timeout)
            slow_seconds = ended - started
            during = [seconds for began, seconds in timed if began < ended]
        finally:
            plugin.close()
    found = slow.variables().get("messages", []) if slow.error is None else []
    return Stall(alone, during, slow_seconds, len(found), slow.error)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.stall", description=__doc__)
    ap.add_argument("--messages", type=int, default=12, help="heavy messages in the thread")
    ap.add_argument("--searches", type=int, default=5, help="searches alone (the baseline)")
    args = ap.parse_args(argv)
    stall = measure(args.messages, args.searches)
    ms = stall.during
    print(f"search_messages (5 messages) next to get_thread of {args.messages} heavy messages")
    print(
        f"  alone:  median {statistics.median(stall.alone) * 1000:.0f} ms, "
        f"max {max(stall.alone) * 1000:.0f} ms"
    )
    if stall.during:
        print(
            f"  during: {len(ms)} searches, median {statistics.median(ms) * 1000:.0f} ms, "
            f"max {max(ms) * 1000:.0f} ms"
        )
    else:
        print("  during: no search started while the slow read ran (add --messages)")
    outcome = f"{stall.slow_messages} messages" if stall.slow_error is None else "failed"
    print(f"  the slow read: {stall.slow_seconds:.1f} s, {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
