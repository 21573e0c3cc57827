"""Every writing/organising tool through the plugin process; the fake records what was sent."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from devkit.fakegoogle import FakeGoogle
from devkit.fakegoogle.mailbox import Mailbox
from devkit.plugin_process import PluginProcess
from tests.e2e import mail
from tests.e2e.conftest import FileServer

pytestmark = pytest.mark.e2e

MODIFY = "https://www.googleapis.com/auth/gmail.modify"
CREDS = {"access_token": "tok-write", "refresh_token": "rt", "scope": MODIFY}


@pytest.fixture(scope="module")
def box(fake: FakeGoogle) -> Mailbox:
    box = fake.add_mailbox("tok-write", email="me@example.com")
    box.add_label("Projects")
    return box


def call(plugin: PluginProcess, tool: str, **params: object):  # type: ignore[no-untyped-def]
    result = plugin.invoke_tool(tool, params, CREDS)
    return result


def ok(plugin: PluginProcess, tool: str, **params: object) -> dict[str, object]:
    result = call(plugin, tool, **params)
    assert result.error is None, result.error
    return result.variables()


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def last_sent(box: Mailbox) -> EmailMessage:
    return parse(box.sent[-1])


def test_send_markdown_with_attachments(
    plugin: PluginProcess, box: Mailbox, file_server: FileServer
) -> None:
    before = len(box.sent)
    v = ok(
        plugin,
        "send_message",
        to='"Doe, Jane" <jane@example.com>; 山田太郎 <taro@example.jp>',
        cc="bob@example.com",
        subject="Quarterly report — Q4 ✓",
        body="Hello **team**,\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        attachments=[
            file_server.file("report.pdf", b"%PDF-1.4 report", "application/pdf"),
            file_server.file("données.csv", b"a,b\n1,2\n", "text/csv"),
        ],
    )
    assert len(box.sent) == before + 1
    sent = last_sent(box)
    assert v["message_id"] in box.messages and v["thread_id"]
    assert v["message_id_header"] == sent["Message-ID"]
    assert sent["Subject"] == "Quarterly report — Q4 ✓"
    assert [a.addr_spec for a in sent["To"].addresses] == ["jane@example.com", "taro@example.jp"]
    assert sent["To"].addresses[0].display_name == "Doe, Jane"
    html = sent.get_body(("html",))
    assert html is not None and "<strong>team</strong>" in html.get_content()
    assert "<table>" in html.get_content()
    files = {p.get_filename(): p.get_content() for p in sent.iter_attachments()}
    assert files == {"report.pdf": b"%PDF-1.4 report", "données.csv": "a,b\n1,2\n"}


def test_send_refuses_bad_input_and_sends_nothing(plugin: PluginProcess, box: Mailbox) -> None:
    before = len(box.sent)
    for params, needle in [
        ({"to": "bob@"}, "'bob@' in to"),
        ({"to": "a@example.com", "subject": "Hi\r\nBcc: evil@example.com"}, "subject"),
        ({"to": "a@example.com", "body_format": "pdf"}, "must be one of"),
        ({"to": ""}, "'to' is required"),
    ]:
        result = call(plugin, "send_message", **params)
        assert result.error is not None and needle in result.error["message"], result.error
    assert len(box.sent) == before


def test_send_refuses_missing_file(
    plugin: PluginProcess, box: Mailbox, file_server: FileServer
) -> None:
    gone = file_server.file("gone.pdf", b"x")
    file_server.files.clear()
    before = len(box.sent)
    result = call(plugin, "send_message", to="a@example.com", attachments=[gone])
    assert result.error is not None and "gone.pdf" in result.error["message"]
    assert len(box.sent) == before


def test_reply_threads_and_quotes(plugin: PluginProcess, box: Mailbox) -> None:
    first, _ = mail.thread()
    original_id = box.add_message(first)
    original = box.messages[original_id]
    v = ok(plugin, "reply_to_message", message_id=original_id, body="Sounds good.")
    sent = last_sent(box)
    assert sent["Subject"] == "Re: Project plan"
    assert sent["In-Reply-To"] == "<t1@example.com>"
    assert "<t1@example.com>" in sent["References"]
    assert [a.addr_spec for a in sent["To"].addresses] == ["alice@example.com"]
    plain = sent.get_body(("plain",)).get_content()
    assert "Sounds good." in plain and "wrote:" in plain and "> Here is the plan" in plain
    assert v["thread_id"] == original.thread_id
    assert box.messages[v["message_id"]].thread_id == original.thread_id


def test_reply_all_leaves_out_my_address_and_can_be_a_draft(
    plugin: PluginProcess, box: Mailbox
) -> None:
    _, second = mail.thread()
    incoming = parse(second)
    incoming.replace_header("From", "Alice <alice@example.com>")
    incoming.replace_header(
        "To", "Me <me@example.com>, Carol <carol@example.com>, Me Too <me.alias@example.com>"
    )
    box.add_alias("me.alias@example.com")  # a send-as alias is the user too
    mid = box.add_message(incoming.as_bytes())
    sent_before = len(box.sent)
    v = ok(plugin, "reply_to_message", message_id=mid, body="Noted", reply_all=True, as_draft=True)
    assert len(box.sent) == sent_before  # a draft, not a send
    assert v["draft_id"] in box.drafts
    assert "me@example.com" not in v["to"] and "me.alias@example.com" not in v["to"]
    for who in ("alice@example.com", "carol@example.com", "bob@example.com"):
        assert who in v["to"]
    sent = ok(plugin, "send_draft", draft_id=v["draft_id"])
    assert len(box.sent) == sent_before + 1
    assert sent["thread_id"] == box.messages[mid].thread_id
    assert v["draft_id"] not in box.drafts


def test_forward_with_original_attachments(plugin: PluginProcess, box: Mailbox) -> None:
    mid = box.add_message(mail.with_attachment())
    v = ok(plugin, "forward_message", message_id=mid, to="accounts@example.com", note="FYI")
    sent = last_sent(box)
    assert sent["Subject"] == "Fwd: Invoice November"
    plain = sent.get_body(("plain",)).get_content()
    assert (
        plain.startswith("FYI") and "Forwarded message" in plain and "billing@example.com" in plain
    )
    names = sorted(p.get_filename() for p in sent.iter_attachments())
    assert names == ["invoice.pdf", "résumé.txt"]
    assert v["message_id"]
    ok(plugin, "forward_message", message_id=mid, to="x@example.com", include_attachments=False)
    assert list(last_sent(box).iter_attachments()) == []


def test_draft_lifecycle(plugin: PluginProcess, box: Mailbox, file_server: FileServer) -> None:
    created = ok(
        plugin,
        "create_draft",
        subject="Draft subject",
        body="first version",
        body_format="text",
        attachments=[file_server.file("notes.txt", b"keep me", "text/plain")],
    )
    draft_id = created["draft_id"]
    listed = ok(plugin, "list_drafts", query="subject:Draft")
    mine = [d for d in listed["drafts"] if d["draft_id"] == draft_id]
    assert mine and mine[0]["subject"] == "Draft subject"
    updated = ok(plugin, "update_draft", draft_id=draft_id, to="carol@example.com")
    assert updated["draft_id"] == draft_id
    stored = parse(box.messages[box.drafts[draft_id].message_id].raw)
    assert stored["Subject"] == "Draft subject"  # kept
    assert stored["To"] == "carol@example.com"  # changed
    assert "first version" in stored.get_body(("plain",)).get_content()  # kept
    assert [p.get_filename() for p in stored.iter_attachments()] == ["notes.txt"]  # kept
    ok(plugin, "delete_draft", draft_id=draft_id)
    assert draft_id not in box.drafts
    gone = call(plugin, "send_draft", draft_id=draft_id)
    assert gone.error is not None and "found no draft" in gone.error["message"]


def test_modify_trash_untrash_and_labels(plugin: PluginProcess, box: Mailbox) -> None:
    ids = [box.add_message(mail.plain(500 + i)) for i in range(3)]
    v = ok(
        plugin,
        "modify_messages",
        message_ids=", ".join(ids),
        add_labels="projects",
        mark_read=True,
        star="true",
        archive=True,
    )
    assert v["count"] == 3
    for i in ids:
        labels = set(box.messages[i].label_ids)
        assert "STARRED" in labels and "UNREAD" not in labels and "INBOX" not in labels
        assert box.label_by_name("Projects").id in labels
    unknown = call(plugin, "modify_messages", message_ids=ids[0], add_labels="Projecs")
    assert unknown.error is not None and "Projects" in unknown.error["message"]
    created = ok(
        plugin,
        "modify_messages",
        message_ids=ids[0],
        add_labels="Brand/New",
        create_missing_labels=True,
    )
    assert created["created_labels"] == ["Brand/New"]
    assert box.label_by_name("Brand/New") is not None
    clash = call(plugin, "modify_messages", message_ids=ids[0], star=True, unstar=True)
    assert clash.error is not None and "contradict" in clash.error["message"]

    trashed = ok(plugin, "trash_messages", message_ids="\n".join(ids))
    assert trashed["count"] == 3 and all("TRASH" in box.messages[i].label_ids for i in ids)
    restored = ok(plugin, "untrash_messages", message_ids=ids)
    assert restored["count"] == 3 and not any("TRASH" in box.messages[i].label_ids for i in ids)


def test_create_label_with_palette_colours(plugin: PluginProcess, box: Mailbox) -> None:
    v = ok(
        plugin,
        "create_label",
        name="Clients/ACME",
        background_color="#4a86e8",
        text_color="#ffffff",
    )
    assert v["name"] == "Clients/ACME" and box.label_by_name("Clients/ACME") is not None
    dup = call(plugin, "create_label", name="Clients/ACME")
    assert dup.error is not None and "already exists" in dup.error["message"]
    bad = call(plugin, "create_label", name="Other", background_color="#123456")
    assert bad.error is not None and "Closest allowed" in bad.error["message"]


def test_read_only_connection_cannot_send(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    before = fake.stats.http_requests
    result = plugin.invoke_tool(
        "send_message",
        {"to": "a@example.com"},
        {"access_token": "tok-write", "scope": "https://www.googleapis.com/auth/gmail.readonly"},
    )
    assert result.error is not None and "send email" in result.error["message"]
    assert fake.stats.http_requests == before


def test_send_accepted_then_connection_dropped_sends_exactly_once(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    before = len(box.sent)
    fake.send_accept_then_drop = 1
    v = ok(plugin, "send_message", to="once@example.com", subject="Exactly once", body="x")
    assert len(box.sent) == before + 1
    assert v["message_id"] in box.messages


def test_reply_to_exchange_and_ses_mail_stays_in_the_thread(
    plugin: PluginProcess, box: Mailbox
) -> None:
    first, second = mail.exchange_thread()
    box.add_message(first)
    mid = box.add_message(second)
    thread_id = box.messages[mid].thread_id
    v = ok(plugin, "reply_to_message", message_id=mid, body="Confirmed.")
    head = box.sent[-1].split(b"\r\n\r\n", 1)[0]
    assert b"=?" not in head  # ids are folded between, never encoded
    sent = last_sent(box)
    assert sent["In-Reply-To"] == mail.SES_ID
    assert sent["References"].split() == [mail.EXCHANGE_ID, mail.SES_ID]
    # the fake threads like Gmail: only when References/In-Reply-To name a thread member
    assert box.messages[v["message_id"]].thread_id == thread_id

    draft = ok(plugin, "reply_to_message", message_id=mid, body="Draft", as_draft=True)
    ok(plugin, "update_draft", draft_id=draft["draft_id"], to="carol@example.com")
    stored = box.messages[box.drafts[draft["draft_id"]].message_id]
    assert b"=?" not in stored.raw.split(b"\r\n\r\n", 1)[0]
    assert parse(stored.raw)["In-Reply-To"] == mail.SES_ID
    assert stored.thread_id == thread_id
