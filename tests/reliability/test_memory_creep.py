"""A long-lived plugin process does not creep: after many searches of 500 messages it holds
at most ``memory.KEEP_ABOVE_START_BYTES`` more than when it started, plus one search's worth.

glibc keeps freed heap memory while anything allocated later lives above it; each search
of 500 left ~0.5 MB that way, and a process grew from 80 to 280 MiB over 600 searches (the
manifest grants 256 MB). ``GmailTool`` now gives free memory back after a call once the
process holds more than that margin above its start (``memory.release_if_grown``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import CREDENTIALS, ME, TOKEN, check, populate, stop_plugin
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import PluginProcess
from gmail_core.memory import KEEP_ABOVE_START_BYTES

pytestmark = pytest.mark.e2e
SEARCHES = 120  # ~60 MB of creep before the fix
ONE_SEARCH_BYTES = 16 << 20  # a search of 500's own peak, with room


def _resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def plugin() -> Iterator[PluginProcess]:
    with FakeGoogle(seed=42) as fake:
        box = fake.add_mailbox(TOKEN, ME[1], {GMAIL_MODIFY}, cache_answers=True)
        populate(box, 600, seed=7)  # the bench mailbox: 523 in the inbox
        process = PluginProcess(fake.env())
        try:
            yield process
        finally:
            stop_plugin(process)


def test_many_large_searches_leave_the_process_near_its_start(plugin: PluginProcess) -> None:
    search = {"max_results": 500}
    check(plugin.invoke_tool("search_messages", {"max_results": 1}, CREDENTIALS), "warm-up")
    started = _resident_bytes(plugin.proc.pid)
    for _ in range(SEARCHES):
        check(plugin.invoke_tool("search_messages", search, CREDENTIALS), "search")
    grown = _resident_bytes(plugin.proc.pid) - started
    assert grown <= KEEP_ABOVE_START_BYTES + ONE_SEARCH_BYTES, f"{grown >> 20} MiB above start"
