"""What trimming quoted history saves on a real conversation, and what it costs.

A six-message thread answered from six clients (``devkit.mail_clients.mixed_thread``: Gmail,
an iPhone, Gmail, Outlook for Windows quoting that Gmail reply, Thunderbird in German,
Outlook on the web in French), each reply quoting everything before it as its client does.
``get_thread`` runs through the plugin process with ``trim_quoted`` on and off; the figures
are the characters each of Dify's readers gets, how often each message's own sentence
appears in them (exactly once when trimmed), and the CPU the plugin spends converting the
six bodies with and without trimming (in this process; medians).

    python -m bench.thread_trim
"""

from __future__ import annotations

import argparse
import time

from bench import CREDENTIALS, TOKEN, check, median, start_plugin, stop_plugin, table
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.hostile_mail import gmail_resource
from devkit.mail_clients import MIXED_SENTENCES, Mail, mixed_thread
from gmail_core.reading import parse_message, rendered_body

CLIENT_NAMES = {
    "gmail": "Gmail",
    "iphone": "iPhone Mail",
    "outlook": "Outlook for Windows",
    "thunderbird": "Thunderbird",
    "outlook_web": "Outlook on the web",
}


def _label(mail: Mail) -> str:
    return f"{CLIENT_NAMES.get(mail.client, mail.client)} ({mail.language})"


def conversion_ms(thread: list[Mail], runs: int) -> tuple[float, float]:
    """Median CPU milliseconds to turn the six parsed messages into Markdown bodies, without
    and with trimming (parsing, done once either way, is left out)."""
    messages = [parse_message(gmail_resource(mail.raw())) for mail in thread]
    timings: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(runs):
        for trim in (False, True):
            started = time.process_time()
            for message in messages:
                rendered_body(message, "markdown", 0, trim=trim)
            timings[trim].append((time.process_time() - started) * 1000)
    return median(timings[False]), median(timings[True])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.thread_trim", description=__doc__)
    ap.add_argument("--runs", type=int, default=21, help="runs of the CPU measurement")
    args = ap.parse_args(argv)

    thread = mixed_thread()
    views: dict[bool, dict[str, str]] = {}
    bodies: dict[bool, list[str]] = {}
    with FakeGoogle(seed=13) as fake:
        box = fake.add_mailbox(TOKEN, thread[0].sender.address, {GMAIL_MODIFY})
        ids = [
            box.add_message(mail.raw(), internal_date_ms=int(mail.when.timestamp() * 1000))
            for mail in thread
        ]
        plugin = start_plugin(fake)
        try:
            for trim in (True, False):
                params = {"thread_id": ids[-1], "trim_quoted": trim}
                node = check(plugin.invoke_tool("get_thread", params, CREDENTIALS), "get_thread")
                app = check(
                    plugin.invoke_tool("get_thread", params, CREDENTIALS, agent_app=True),
                    "get_thread",
                )
                views[trim] = {"Agent node": node.agent_node(), "Agent app": app.agent_app(),
                               "Tool node text": node.tool_node().text}  # fmt: skip
                bodies[trim] = [m["body"] for m in node.variables()["messages"]]
        finally:
            stop_plugin(plugin)

    print("== Quoted history: a six-message thread from six clients (get_thread, Markdown)")
    rows = []
    for index, (mail, sentence) in enumerate(zip(thread, MIXED_SENTENCES, strict=True)):
        rows.append(
            [
                f"[{index + 1}] {_label(mail)}",
                len(mail.own),
                len(bodies[False][index]),
                len(bodies[True][index]),
                views[False]["Agent node"].count(sentence),
                views[True]["Agent node"].count(sentence),
            ]
        )
    print(
        table(
            ["message (client)", "own text", "body untrimmed", "body trimmed",
             "own sentence shown, off", "on"],
            rows,
        )
    )  # fmt: skip
    for reader in ("Agent node", "Agent app", "Tool node text"):
        off, on = len(views[False][reader]), len(views[True][reader])
        print(f"{reader}: {off:,} characters untrimmed, {on:,} trimmed ({1 - on / off:.0%} less)")
    once = all(views[True]["Agent node"].count(s) == 1 for s in MIXED_SENTENCES)
    print(f"every message's own sentence exactly once when trimmed: {'yes' if once else 'NO'}")
    plain, trimmed = conversion_ms(thread, max(1, args.runs))
    print(
        f"CPU to convert the six bodies (median of {args.runs}): {plain:.1f} ms untrimmed, "
        f"{trimmed:.1f} ms trimmed"
    )
    print()
    return 0 if once else 1


if __name__ == "__main__":
    raise SystemExit(main())
