"""No answer can kill the plugin process: Dify's daemon drops a plugin whose stdout line
passes 5 MiB, with every invocation running in it. Each answer line is kept under the
plugin's 4 MB budget (render.LINE_BUDGET), measured as the daemon reads it, and the bodies of
an answer share it; ``PluginProcess`` dies on a longer line exactly as under the daemon."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.fakegoogle.mailbox import Mailbox
from devkit.plugin_process import DAEMON_LINE_LIMIT, PluginProcess, SessionResult

pytestmark = pytest.mark.e2e

TOKEN = "tok-budget"
CREDS = {"access_token": TOKEN, "refresh_token": "rt", "scope": GMAIL_MODIFY}
# Three bytes per character in UTF-8, which dify_plugin writes as it is (no \\u escapes).
CJK = "日本語のメール本文です。"
LINE_BUDGET = 4 * 1024 * 1024  # gmail_core.render.LINE_BUDGET


@pytest.fixture
def plugin(fake: FakeGoogle) -> Iterator[PluginProcess]:
    """A process per test: one that crossed the line would be gone for the next."""
    proc = PluginProcess(env={**fake.env(), "GMAIL_TIME_BUDGET_SECONDS": "60"})
    yield proc
    proc.close()


@pytest.fixture(scope="module")
def box(fake: FakeGoogle) -> Mailbox:
    return fake.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})


def add(box: Mailbox, subject: str, *, text: str = "", html: str = "", thread: str = "") -> str:
    msg = EmailMessage()
    msg["From"] = "Taro <taro@example.jp>"
    msg["To"] = "me@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash(subject))}@example.jp>"
    if html:
        msg.set_content(html, subtype="html", charset="utf-8")
    else:
        msg.set_content(text, charset="utf-8")
    return box.add_message(msg.as_bytes(), label_ids=("INBOX",), thread_id=thread or None)


def ok(plugin: PluginProcess, result: SessionResult) -> SessionResult:
    assert not plugin.oversized_lines, plugin.oversized_lines
    assert result.error is None, result.error
    return result


def the_text(result: SessionResult) -> str:
    (message,) = result.of_type("text")
    return str(message["message"]["text"])


def test_an_html_body_of_6_mb_no_longer_kills_the_plugin(
    plugin: PluginProcess, box: Mailbox
) -> None:
    html = "<html><body><p>" + CJK * 170_000 + "</p></body></html>"  # 2 M characters, 6 MB
    message_id = add(box, "Huge newsletter", html=html)
    params = {"message_id": message_id, "body_format": "html", "max_body_chars": 0}
    result = ok(plugin, plugin.invoke_tool("get_message", params, CREDS, timeout=120))
    assert plugin.longest_line <= DAEMON_LINE_LIMIT
    body = result.variables()["body"]
    assert body.startswith("<html><body><p>" + CJK * 1000)
    assert "more characters not shown" in body and "4 MB" in body
    assert "body_format markdown or text" in body and len(body.encode()) < LINE_BUDGET
    assert "more characters not shown" in the_text(result)
    # the same process still answers
    ok(plugin, plugin.invoke_tool("list_labels", {}, CREDS))


def test_a_thread_of_three_3_mb_bodies_shares_the_budget(
    plugin: PluginProcess, box: Mailbox
) -> None:
    first = add(box, "Long thread", text=CJK * 83_000)  # ~1 M characters, 3 MB each
    thread = box.messages[first].thread_id
    ids = [
        first,
        *(add(box, f"Re: Long thread {i}", text=CJK * 83_000, thread=thread) for i in (1, 2)),
    ]
    params = {"thread_id": thread, "max_body_chars": 0, "trim_quoted": False}
    result = ok(plugin, plugin.invoke_tool("get_thread", params, CREDS, timeout=120))
    assert plugin.longest_line <= DAEMON_LINE_LIMIT
    found = result.variables()["messages"]
    assert [m["id"] for m in found] == ids
    sizes = [len(m["body"].encode()) for m in found]
    assert max(sizes) - min(sizes) < 2_000  # one share each
    assert sum(sizes) > 3 * 1024 * 1024  # and most of the budget used
    for m in found:
        assert f"read it alone with get_message (message_id {m['id']})" in m["body"]
    text = the_text(result)
    assert all(f"message_id {i})" in text for i in ids)


def test_a_search_of_500_cjk_bodies_fits(plugin: PluginProcess, fake: FakeGoogle) -> None:
    box = fake.add_mailbox("tok-budget-500", "me@example.com", {GMAIL_MODIFY})
    for i in range(500):
        add(box, f"Bulk {i}", text=CJK * 400)  # 4,800 characters: 4,000 shown, 12 kB each
    creds = {**CREDS, "access_token": "tok-budget-500"}
    params: dict[str, Any] = {"max_results": 500, "include_body": True}
    result = ok(plugin, plugin.invoke_tool("search_messages", params, creds, timeout=180))
    assert plugin.longest_line <= DAEMON_LINE_LIMIT
    found = result.variables()["messages"]
    assert len(found) == 500 and all(m["body"].startswith(CJK * 100) for m in found)
    assert all("read it with get_message" in m["body"] for m in found)
