"""Peak memory of the plugin process with two large transfers at once.

Two scenarios, each in a fresh plugin process started as Dify's daemon starts it:
two ``download_attachment`` calls for 25 MiB attachments sent in the same instant, and two
``send_message`` calls with a 25 MiB Dify file each. Measured as in ``bench.send_memory``:
VmHWM after a reset (``clear_refs``), cross-checked by sampling VmRSS every 10 ms. The
plugin bounds the large transfers in flight per process (``gmail_core.transfers``), so the
second call waits for the first instead of doubling the peak; the wall time shows the queue.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from email.message import EmailMessage
from typing import Any

from bench import CREDENTIALS, ME, TOKEN, check, start_plugin, stop_plugin, table
from bench.send_memory import (
    MB,
    FileServer,
    Sampler,
    _reset_hwm,
    _status_kb,
    dify_file,
    manifest_memory,
)
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import PROVIDER, PluginProcess


def _request(tool: str, params: dict[str, Any], token: str = TOKEN) -> dict[str, Any]:
    return {
        "type": "tool",
        "action": "invoke_tool",
        "user_id": "u1",
        "provider": PROVIDER,
        "tool": tool,
        "credentials": {**CREDENTIALS, "access_token": token},
        "credential_type": "oauth2",
        "tool_parameters": params,
    }


def _parallel(plugin: PluginProcess, requests: list[dict[str, Any]]) -> list[float]:
    """Send every request at once; seconds until each one ended (in request order)."""
    t0 = time.perf_counter()
    sessions = [plugin.send(r) for r in requests]
    ended: list[float] = [0.0] * len(sessions)

    def wait(i: int, sid: str) -> None:
        check(plugin.collect(sid, timeout=300), requests[i]["tool"])
        ended[i] = time.perf_counter() - t0

    threads = [threading.Thread(target=wait, args=(i, s)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ended


def _mail_with_attachment(data: bytes, i: int) -> bytes:
    m = EmailMessage()
    m["From"] = "Archive <archive@example.com>"
    m["To"] = ME[1]
    m["Subject"] = f"Scan {i}"
    m["Message-ID"] = f"<scan-{i}@example.com>"
    m.set_content("The scan is attached.")
    m.add_attachment(data, maintype="application", subtype="pdf", filename=f"scan-{i}.pdf")
    return m.as_bytes()


def measure(
    fake: FakeGoogle,
    warm: list[dict[str, Any]],
    run: list[dict[str, Any]],
    env: dict[str, str],
    *,
    one_by_one: bool = False,
) -> dict[str, float]:
    plugin = start_plugin(fake, **env)
    try:
        pid = plugin.proc.pid
        _parallel(plugin, warm)
        time.sleep(0.3)
        idle_kb = _status_kb(pid, "VmRSS")
        hwm_ok = _reset_hwm(pid)
        with Sampler(pid) as sampler:
            if one_by_one:
                t0 = time.perf_counter()
                for r in run:
                    _parallel(plugin, [r])
                ended = [time.perf_counter() - t0]
            else:
                ended = _parallel(plugin, run)
        hwm_kb = _status_kb(pid, "VmHWM") if hwm_ok else 0
    finally:
        stop_plugin(plugin)
    peak_kb = max(hwm_kb, sampler.peak_kb)
    return {
        "idle": idle_kb / 1024,
        "peak": peak_kb / 1024,
        "first": min(ended),
        "last": max(ended),
        "samples": sampler.samples,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.transfer_memory", description=__doc__)
    ap.add_argument("--size-mb", type=float, default=25, help="each file, in MiB")
    ap.add_argument("--rtt-ms", type=float, default=300, help="the fake's delay per request")
    args = ap.parse_args(argv)
    size = int(args.size_mb * MB)
    small = random.Random(3).randbytes(64 * 1024)
    big = [random.Random(10 + i).randbytes(size) for i in range(2)]
    files = FileServer({"small.pdf": small, "a.pdf": big[0], "b.pdf": big[1]})
    env = {"GMAIL_DIFY_FILE_HOSTS": "127.0.0.1"}  # the file server plays Dify's, on loopback
    rows: list[list[Any]] = []
    try:
        with FakeGoogle(seed=7, rtt_ms=args.rtt_ms) as fake:
            # Two users of one plugin process (the fake serves each mailbox in turn, Gmail
            # would serve them at once: separate mailboxes keep the fake out of the way).
            tokens = [TOKEN, TOKEN + "-2"]
            boxes = [fake.add_mailbox(t, ME[1], {GMAIL_MODIFY}) for t in tokens]
            ids = [
                b.add_message(_mail_with_attachment(d, i))
                for i, (b, d) in enumerate(zip(boxes, big, strict=True))
            ]
            warm_id = boxes[0].add_message(_mail_with_attachment(small, 9))

            def download(msg_id: str, who: int = 0) -> dict[str, Any]:
                return _request("download_attachment", {"message_id": msg_id}, tokens[who])

            def send(name: str, data: bytes, who: int = 0) -> dict[str, Any]:
                params = {
                    "to": "Alex Doe <alex@example.org>",
                    "subject": f"Bench: {name}",
                    "body": "Attached.",
                    "attachments": [dify_file(files.url(name), name, len(data))],
                }
                return _request("send_message", params, tokens[who])

            two_downloads = [download(ids[0]), download(ids[1], 1)]
            two_sends = [send("a.pdf", big[0]), send("b.pdf", big[1], 1)]
            scenarios = [
                ("1 download", [download(warm_id)], [download(ids[0])], False),
                ("2 downloads, one after the other", [download(warm_id)], two_downloads, True),
                ("2 downloads at once", [download(warm_id)], two_downloads, False),
                ("1 send", [send("small.pdf", small)], [send("a.pdf", big[0])], False),
                ("2 sends, one after the other", [send("small.pdf", small)], two_sends, True),
                ("2 sends at once", [send("small.pdf", small)], two_sends, False),
            ]
            for label, warm, run, one_by_one in scenarios:
                got = measure(fake, warm, run, env, one_by_one=one_by_one)
                for b in boxes:
                    b.sent.clear()
                rows.append(
                    [
                        label,
                        got["idle"],
                        got["peak"],
                        got["peak"] - got["idle"],
                        f"{got['first']:.1f} / {got['last']:.1f}",
                    ]
                )
    finally:
        files.close()
    limit = manifest_memory() / MB
    print(f"== two large transfers at once: plugin process RSS ({size / MB:g} MiB files)")
    print(f"peak = max(VmHWM after reset, VmRSS sampled every 10 ms); limit {limit:g} MiB")
    for row in rows:
        row.append("PASS" if row[2] <= limit else "FAIL")
    print(
        table(["", "idle MiB", "peak MiB", "peak - idle", "done s (1st / last)", "≤ limit"], rows)
    )
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
