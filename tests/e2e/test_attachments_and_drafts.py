"""Attachment parameters and update_draft through the plugin process: a value that is not a
Dify file is refused (nothing is sent, nothing of a draft is lost), and update_draft keeps
what it was not asked to change — the send-as From and inline images included."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from devkit.fakegoogle import FakeGoogle
from devkit.fakegoogle.mailbox import Mailbox
from devkit.plugin_process import PluginProcess
from tests.e2e.conftest import FileServer

pytestmark = pytest.mark.e2e

MODIFY = "https://www.googleapis.com/auth/gmail.modify"
TOKEN = "tok-attach"
CREDS = {"access_token": TOKEN, "refresh_token": "rt", "scope": MODIFY}


@pytest.fixture(scope="module")
def box(fake: FakeGoogle) -> Mailbox:
    box = fake.add_mailbox(TOKEN, email="me@example.com")
    box.aliases = ["sales@example.com"]
    return box


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def draft_message(box: Mailbox, draft_id: str) -> EmailMessage:
    return parse(box.messages[box.drafts[draft_id].message_id].raw)


NOT_FILES = [
    pytest.param("report.pdf", id="text"),
    pytest.param(["report.pdf"], id="list-of-text"),
    pytest.param({"url": "http://x/y"}, id="dict"),
]


@pytest.mark.parametrize("value", NOT_FILES)
@pytest.mark.parametrize(
    ("tool", "params"),
    [
        ("send_message", {"to": "a@example.com", "subject": "s", "body": "b"}),
        ("create_draft", {"to": "a@example.com", "subject": "s", "body": "b"}),
    ],
)
def test_a_value_that_is_not_a_file_is_refused(
    plugin: PluginProcess, box: Mailbox, tool: str, params: dict[str, object], value: object
) -> None:
    sent, drafts = len(box.sent), len(box.drafts)
    result = plugin.invoke_tool(tool, {**params, "attachments": value}, CREDS)
    assert result.error is not None
    assert "attachments" in result.error["message"] and "file" in result.error["message"]
    assert len(box.sent) == sent and len(box.drafts) == drafts


def test_a_mixed_list_is_refused_not_trimmed(
    plugin: PluginProcess, box: Mailbox, file_server: FileServer
) -> None:
    sent = len(box.sent)
    mixed = [file_server.file("a.pdf", b"%PDF-1.4 a", "application/pdf"), "b.pdf"]
    result = plugin.invoke_tool(
        "send_message", {"to": "a@example.com", "attachments": mixed}, CREDS
    )
    assert result.error is not None and "item 2" in result.error["message"]
    assert len(box.sent) == sent
