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
    box.add_alias("sales@example.com", display_name="Sales Team")
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


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def rich_draft(box: Mailbox, sender: str = "Sales Team <sales@example.com>") -> str:
    """A draft as Gmail's editor saves one: send-as From, HTML with an inline image, a file."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "bob@example.com"
    m["Subject"] = "Quote"
    m.set_content("See the logo.\n")
    m.add_alternative('<p>See the <img src="cid:logo@acme"> logo.</p>', subtype="html")
    html = m.get_body(("html",))
    assert html is not None
    html.add_related(
        PNG, "image", "png", cid="<logo@acme>", filename="logo.png", disposition="inline"
    )
    m.add_attachment(b"%PDF-1.4 quote", maintype="application", subtype="pdf", filename="q.pdf")
    return box.create_draft(m.as_bytes()).id


def inline_parts(msg: EmailMessage) -> dict[str, bytes]:
    return {
        str(p["Content-ID"]): p.get_content()
        for p in msg.walk()
        if p["Content-ID"] and not p.is_multipart()
    }


def test_update_draft_keeps_send_as_from_inline_images_and_files(
    plugin: PluginProcess, box: Mailbox
) -> None:
    draft_id = rich_draft(box)
    result = plugin.invoke_tool(
        "update_draft", {"draft_id": draft_id, "subject": "Quote v2"}, CREDS
    )
    assert result.error is None, result.error
    stored = draft_message(box, draft_id)
    assert stored["Subject"] == "Quote v2" and stored["To"] == "bob@example.com"
    assert stored["From"] == "Sales Team <sales@example.com>"  # the send-as alias stays
    html = stored.get_body(("html",))
    assert html is not None and 'src="cid:logo@acme"' in html.get_content()
    assert inline_parts(stored) == {"<logo@acme>": PNG}  # the picture the HTML shows
    assert [p.get_filename() for p in stored.iter_attachments()] == ["q.pdf"]


def test_update_draft_with_a_new_plain_body_drops_only_the_unused_inline_image(
    plugin: PluginProcess, box: Mailbox
) -> None:
    draft_id = rich_draft(box)
    result = plugin.invoke_tool(
        "update_draft", {"draft_id": draft_id, "body": "New text", "body_format": "text"}, CREDS
    )
    assert result.error is None, result.error
    stored = draft_message(box, draft_id)
    assert inline_parts(stored) == {}
    assert [p.get_filename() for p in stored.iter_attachments()] == ["q.pdf"]


@pytest.mark.parametrize("value", NOT_FILES)
def test_update_draft_refuses_a_non_file_and_keeps_the_draft(
    plugin: PluginProcess, box: Mailbox, value: object
) -> None:
    draft_id = rich_draft(box)
    before = box.messages[box.drafts[draft_id].message_id].raw
    result = plugin.invoke_tool(
        "update_draft", {"draft_id": draft_id, "subject": "x", "attachments": value}, CREDS
    )
    assert result.error is not None and "not a file" in result.error["message"]
    assert box.messages[box.drafts[draft_id].message_id].raw == before


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "link-local"),
        ("http://10.0.0.8/internal/report.pdf", "private-network"),
        ("http://localhost:9/files/x", "loopback"),
    ],
)
def test_a_file_link_to_an_internal_address_is_refused(
    plugin: PluginProcess, box: Mailbox, file_server: FileServer, url: str, why: str
) -> None:
    """A file added "by URL" reaches the tool as that URL: it must not mail internal data out."""
    sent = len(box.sent)
    param = {**file_server.file("creds.txt", b"x"), "url": url}
    result = plugin.invoke_tool(
        "send_message", {"to": "a@example.com", "attachments": [param]}, CREDS
    )
    assert result.error is not None
    assert why in result.error["message"] and "GMAIL_DIFY_FILE_HOSTS" in result.error["message"]
    assert len(box.sent) == sent
