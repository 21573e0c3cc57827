"""What sending as the user costs: requests and time per writing tool, and the CPU of signatures.

Part 1 runs the plugin process against the fake Gmail with ``--rtt-ms`` per request (one
warm-up, then ``--runs`` measured invocations, median): each writing tool from the default
address with its Gmail signature, from a send-as alias, and with ``include_signature=false``;
plus a send refused at the "Read and draft (never sends)" access level. The fake answers at
once apart from the simulated round trip, so the times are the plugin's plus the round trips.

Part 2 times the pure signature work in this process (median of ``--repeat``): sanitising a
typical signature and one of Gmail's maximum size (10,000 characters), and appending one to
a 2 MB HTML body (the check for a signature already written only reads the body's end).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from bench import CREDENTIALS, ME, TOKEN, check, median, populate, start_plugin, stop_plugin, table
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from gmail_core import signatures, writing

SIGNATURE = (
    '<div dir="ltr"><table><tr><td style="color:#333;font-family:Arial,sans-serif">'
    "<b>Sam Taylor</b><br>Account Manager, Northwind<br>"
    '<a href="https://northwind.example">northwind.example</a> · '
    '<a href="tel:+15550100">+1 555 0100</a></td><td>'
    '<img src="https://ci3.googleusercontent.com/mail-sig/logo.png" width="96"></td></tr>'
    "</table></div>"
)
ALIAS = "support@example.com"
LEVEL_CREDS = {**CREDENTIALS, "access_level": "read_and_draft"}


def timed(run: Callable[[], Any], runs: int) -> tuple[float, Any]:
    run()  # warm-up
    times, last = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        last = run()
        times.append((time.perf_counter() - t0) * 1000)
    return median(times), last


def plugin_rows(args: argparse.Namespace) -> list[list[Any]]:
    rows: list[list[Any]] = []
    with FakeGoogle(rtt_ms=args.rtt_ms, seed=5) as fake:
        box = fake.add_mailbox(TOKEN, ME[1], {GMAIL_MODIFY})
        box.primary.display_name, box.primary.signature = ME[0], SIGNATURE
        box.add_alias(ALIAS, display_name="Northwind Support", signature=SIGNATURE)
        original = populate(box, 5)[0]
        plugin = start_plugin(fake)
        try:
            new = {"to": "jonas@northwind-traders.example", "subject": "Renewal", "body": "Hi"}
            cases: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
                ("send_message", "default, signed", new, CREDENTIALS),
                ("send_message", "send_as alias, signed", {**new, "send_as": ALIAS}, CREDENTIALS),
                ("send_message", "include_signature=false",
                 {**new, "include_signature": False}, CREDENTIALS),
                ("reply_to_message", "default, signed",
                 {"message_id": original, "body": "Thanks"}, CREDENTIALS),
                ("forward_message", "default, signed",
                 {"message_id": original, "to": "a@example.com", "include_attachments": False},
                 CREDENTIALS),
                ("create_draft", "default, signed", new, CREDENTIALS),
                ("send_message", "refused: read-and-draft level", new, LEVEL_CREDS),
            ]  # fmt: skip
            for tool, what, params, creds in cases:

                def once(
                    tool: str = tool, params: dict[str, Any] = params, creds: dict[str, Any] = creds
                ) -> Any:
                    fake.stats.reset()
                    result = plugin.invoke_tool(tool, params, creds)
                    if creds is not LEVEL_CREDS:
                        check(result, tool)
                    elif result.error is None:
                        raise RuntimeError("the read-and-draft level sent a message")
                    return fake.stats.http_requests

                ms, requests = timed(once, args.runs)
                rows.append([tool, what, requests, ms])
        finally:
            stop_plugin(plugin)
    return rows


def cpu_rows(args: argparse.Namespace) -> list[list[Any]]:
    biggest = (SIGNATURE * 40)[:10_000]
    body = "Paragraph with **bold** and [a link](https://example.com/x).\n\n" * 30_000
    plain, html = writing.render_bodies(body, "markdown")
    size = f"{len(html) / 1e6:.1f} MB"
    sig = signatures.from_gmail(SIGNATURE)
    assert sig is not None
    rows: list[list[Any]] = []
    for what, run in (
        ("sanitise + text of a typical signature", lambda: signatures.from_gmail(SIGNATURE)),
        ("sanitise + text of a 10,000-character one", lambda: signatures.from_gmail(biggest)),
        (f"append to a {size} HTML body", lambda: signatures.append(plain, html, sig)),
    ):  # fmt: skip
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            run()
            times.append((time.perf_counter() - t0) * 1000)
        rows.append([what, median(times)])
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.send_as", description=__doc__)
    ap.add_argument("--rtt-ms", type=float, default=20.0, help="simulated round trip")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args(argv)
    print(f"Writing tools through the plugin process (round trip {args.rtt_ms:g} ms, "
          f"median of {args.runs})")  # fmt: skip
    print(table(["tool", "case", "requests", "ms"], plugin_rows(args)))
    print("\nSignature work in-process (median of", args.repeat, "runs)")
    print(table(["step", "ms"], cpu_rows(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
