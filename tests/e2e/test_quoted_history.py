"""Quoted history through the plugin process, on a six-message thread answered from six
clients (devkit/mail_clients.py ``mixed_thread``): Gmail, an iPhone, Gmail, Outlook for
Windows quoting that Gmail reply (which itself ends in "On … wrote:"), Thunderbird in
German, Outlook on the web in French. Each message's own sentence must reach every reader
exactly once."""

from __future__ import annotations

import pytest

from devkit.fakegoogle import FakeGoogle
from devkit.mail_clients import MIXED_SENTENCES, mixed_thread
from devkit.plugin_process import PluginProcess

pytestmark = pytest.mark.e2e

MODIFY = "https://www.googleapis.com/auth/gmail.modify"
CREDS = {"access_token": "tok-quotes", "refresh_token": "rt", "scope": MODIFY}


@pytest.fixture(scope="module")
def ids(fake: FakeGoogle) -> list[str]:
    box = fake.add_mailbox("tok-quotes", email="sam.taylor@example.com")
    ids = [
        box.add_message(mail.raw(), internal_date_ms=int(mail.when.timestamp() * 1000))
        for mail in mixed_thread()
    ]
    assert len({box.get(i).thread_id for i in ids}) == 1
    return ids


def _readers(plugin: PluginProcess, tool: str, params: dict[str, object]) -> dict[str, str]:
    """The text each of Dify's readers gets (the Tool node's text, each agent's LLM)."""
    node = plugin.invoke_tool(tool, params, CREDS)
    app = plugin.invoke_tool(tool, params, CREDS, agent_app=True)
    assert node.error is None and app.error is None, (node.error, app.error)
    return {"tool node": node.tool_node().text, "agent node": node.agent_node(),
            "agent app": app.agent_app()}  # fmt: skip


def test_get_thread_shows_each_messages_own_sentence_exactly_once(
    plugin: PluginProcess, ids: list[str]
) -> None:
    for reader, text in _readers(plugin, "get_thread", {"thread_id": ids[-1]}).items():
        for sentence in MIXED_SENTENCES:
            assert text.count(sentence) == 1, (reader, sentence)
        assert "wrote:" not in text and "schrieb" not in text and "Sent from my" not in text
    variables = plugin.invoke_tool("get_thread", {"thread_id": ids[0]}, CREDS).variables()
    assert variables["count"] == 6
    for message, own in zip(variables["messages"], MIXED_SENTENCES, strict=True):
        assert [s for s in MIXED_SENTENCES if s in message["body"]] == [own], message["body"]


def test_without_trimming_every_reply_repeats_the_history(
    plugin: PluginProcess, ids: list[str]
) -> None:
    result = plugin.invoke_tool("get_thread", {"thread_id": ids[0], "trim_quoted": False}, CREDS)
    text = result.tool_node().text
    assert text.count(MIXED_SENTENCES[0]) == 6 and text.count(MIXED_SENTENCES[-1]) == 1


def test_get_message_trims_only_when_asked(plugin: PluginProcess, ids: list[str]) -> None:
    outlook = ids[3]  # Outlook for Windows quoting a Gmail reply
    whole = plugin.invoke_tool("get_message", {"message_id": outlook}, CREDS).variables()["body"]
    assert all(sentence in whole for sentence in MIXED_SENTENCES[:4])
    for body_format in ("markdown", "text"):
        own = plugin.invoke_tool(
            "get_message",
            {"message_id": outlook, "trim_quoted": True, "body_format": body_format},
            CREDS,
        ).variables()["body"]
        assert [s for s in MIXED_SENTENCES if s in own] == [MIXED_SENTENCES[3]], own
        assert own.startswith("Hello Alice,") and own.rstrip().endswith("Northwind Traders GmbH")
    html = plugin.invoke_tool(
        "get_message", {"message_id": outlook, "trim_quoted": True, "body_format": "html"}, CREDS
    ).variables()["body"]
    assert MIXED_SENTENCES[2] in html  # HTML is the original markup: never trimmed
