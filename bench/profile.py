"""Where the plugin process spends its CPU on one tool: cProfile inside the real plugin process.

The plugin runs as Dify runs it (``python -m main``, stdio), wrapped by
``bench.profiled_plugin``; the fake Google keeps its answers (``cache_answers``) and runs in
this process, so the profile holds only the plugin's work. After ``--warm`` calls that are not
counted, ``--calls`` calls of the tool are profiled and the costliest functions printed.

    python -m bench.profile                                  # search_messages, N = 100
    python -m bench.profile --tool get_thread --sort cumulative
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import CREDENTIALS, ME, TOKEN, check, populate, reply_thread, stop_plugin
from bench.cpu import cpu_seconds
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import PluginProcess


def _params(tool: str, n: int, ids: dict[str, str]) -> dict[str, Any]:
    if tool == "search_messages":
        return {"max_results": n}
    if tool == "search_bodies":
        return {"max_results": n, "include_body": True}
    if tool == "get_thread":
        return {"thread_id": ids["thread"]}
    if tool == "list_drafts":
        return {"max_results": n}
    return {}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.profile", description=__doc__)
    ap.add_argument(
        "--tool",
        default="search_messages",
        choices=["search_messages", "search_bodies", "get_thread", "list_drafts", "list_labels"],
    )
    ap.add_argument("-n", type=int, default=100, help="max_results")
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--warm", type=int, default=3)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    ap.add_argument("--mailbox", type=int, default=600)
    args = ap.parse_args(argv)

    out = Path(tempfile.mkdtemp(prefix="plugin-profile-")) / "plugin.prof"
    with FakeGoogle(seed=42) as fake:
        box = fake.add_mailbox(
            TOKEN, ME[1], {GMAIL_MODIFY}, cache_answers=True, stable_attachment_ids=True
        )
        populate(box, args.mailbox, seed=7)
        thread_id, _ = reply_thread(box, replies=12)
        for msg_id in list(box.messages)[: args.n]:
            box.create_draft(box.messages[msg_id].raw)
        ids = {"thread": thread_id}
        tool = "search_messages" if args.tool == "search_bodies" else args.tool
        params = _params(args.tool, args.n, ids)
        env = {**fake.env(), "PLUGIN_PROFILE_OUT": str(out)}
        plugin = PluginProcess(env, module="bench.profiled_plugin")
        try:
            for _ in range(args.warm):
                check(plugin.invoke_tool(tool, params, CREDENTIALS), tool)
            os.kill(plugin.proc.pid, signal.SIGUSR1)  # drop the warm-up from the profile
            _wait_for(out)
            out.unlink()
            cpu0 = cpu_seconds(plugin.proc.pid)
            t0 = time.perf_counter()
            for _ in range(args.calls):
                check(plugin.invoke_tool(tool, params, CREDENTIALS), tool)
            wall = time.perf_counter() - t0
            cpu = cpu_seconds(plugin.proc.pid) - cpu0
            os.kill(plugin.proc.pid, signal.SIGUSR1)
            _wait_for(out)
        finally:
            stop_plugin(plugin)
    print(
        f"== {args.tool} {params}: {args.calls} calls, {wall / args.calls * 1000:,.1f} ms each, "
        f"plugin CPU {cpu / args.calls * 1000:,.1f} ms each (profiled: slower than unprofiled)"
    )
    text = io.StringIO()
    stats = pstats.Stats(str(out), stream=text)
    stats.sort_stats(args.sort).print_stats(args.top)
    print(text.getvalue().split("\n", 6)[-1])  # without pstats' own header lines
    return 0


def _wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the plugin process wrote no profile to {path}")
        time.sleep(0.05)


if __name__ == "__main__":
    raise SystemExit(main())
