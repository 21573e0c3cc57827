"""Body parts Gmail sends apart — ``format=full`` gives a large text or HTML part as
``body.attachmentId`` without ``body.data`` — read through the plugin process: every tool
that shows or quotes a body fetches their bytes (batched), and nothing is dropped unsaid."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from devkit.fakegoogle import FakeGoogle
from devkit.fakegoogle.mailbox import Mailbox
from devkit.plugin_process import PluginProcess
from tests.e2e import mail

pytestmark = pytest.mark.e2e

MODIFY = "https://www.googleapis.com/auth/gmail.modify"
CREDS = {"access_token": "tok-apart", "refresh_token": "rt", "scope": MODIFY}
APART_ABOVE = 8_000  # the fake sends body parts of more bytes apart, as Gmail sends large ones


def _report(i: int, lines: int = 400) -> bytes:
    body = "\n".join(f"Line {n} of report {i}: figures for site {n % 7}." for n in range(lines))
    return mail.plain(100 + i, subject=f"Report {i}", body=f"{body}\nEND OF REPORT {i}")


def _newsletter() -> bytes:
    m = EmailMessage()
    m["From"] = "News <news@example.org>"
    m["To"] = "me@example.com"
    m["Subject"] = "Long digest"
    m["Message-ID"] = "<long-digest@example.org>"
    m.set_content("View this email in your browser: https://example.org/view")
    items = "".join(f"<li>Story {n}: something happened somewhere.</li>" for n in range(300))
    m.add_alternative(
        f"<html><body><h1>Top stories</h1><ul>{items}</ul><p>LAST ITEM</p>", subtype="html"
    )
    return m.as_bytes()


@pytest.fixture(scope="module")
def box(fake: FakeGoogle) -> Mailbox:
    box = fake.add_mailbox("tok-apart", detach_body_parts_above=APART_ABOVE)
    box.ids = {  # type: ignore[attr-defined]
        "report": box.add_message(_report(0), internal_date_ms=1_790_000_000_000),
        "newsletter": box.add_message(_newsletter(), internal_date_ms=1_790_000_060_000),
    }
    first = box.add_message(_report(1), internal_date_ms=1_790_000_120_000)
    thread = box.get(first).thread_id
    for i in (2, 3):
        box.add_message(_report(i), internal_date_ms=1_790_000_120_000 + i, thread_id=thread)
    box.ids["thread"] = thread  # type: ignore[attr-defined]
    return box


def call(plugin: PluginProcess, tool: str, **params: object):  # type: ignore[no-untyped-def]
    result = plugin.invoke_tool(tool, params, CREDS)
    assert result.error is None, result.error
    return result


def _attachment_gets(fake: FakeGoogle) -> list[bool]:
    """For each attachments.get the plugin made: whether it was inside a batch."""
    return [c.in_batch for c in fake.stats.calls if "/attachments/" in c.path]


def test_the_fake_sends_large_body_parts_apart(fake: FakeGoogle, box: Mailbox) -> None:
    payload = box.render(box.get(box.ids["report"]), "full")["payload"]  # type: ignore[attr-defined]
    assert "data" not in payload["body"] and payload["body"]["attachmentId"]
    assert payload["body"]["size"] > APART_ABOVE


def test_get_message_fetches_a_body_sent_apart(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    fake.stats.reset()
    got = call(plugin, "get_message", message_id=box.ids["report"]).variables()  # type: ignore[attr-defined]
    assert got["body"].startswith("Line 0 of report 0") and got["body"].endswith("END OF REPORT 0")
    assert got["notes"] == []
    assert _attachment_gets(fake) == [True]  # one attachments.get, batched


def test_an_html_body_sent_apart_wins_over_its_stub(plugin: PluginProcess, box: Mailbox) -> None:
    got = call(plugin, "get_message", message_id=box.ids["newsletter"]).variables()  # type: ignore[attr-defined]
    assert "Story 299" in got["body"] and "LAST ITEM" in got["body"]
    assert "View this email" not in got["body"] and got["notes"] == []


def test_get_thread_fetches_every_body_in_one_batch(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    fake.stats.reset()
    got = call(plugin, "get_thread", thread_id=box.ids["thread"], trim_quoted=False).variables()  # type: ignore[attr-defined]
    assert [m["body"].rsplit("\n", 1)[-1] for m in got["messages"]] == [
        "END OF REPORT 1",
        "END OF REPORT 2",
        "END OF REPORT 3",
    ]
    assert all(m["notes"] == [] for m in got["messages"])
    assert _attachment_gets(fake) == [True, True, True]
    # The thread and the label list in one batch request, the three bodies in one more.
    assert fake.stats.http_requests == fake.stats.batch_requests == 2


def test_search_with_bodies_fetches_them_and_without_fetches_nothing(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    fake.stats.reset()
    # in:inbox: the reply and forward another test sends (in any order) are "Report" too
    got = call(
        plugin, "search_messages", query="subject:Report in:inbox", include_body=True
    ).variables()
    assert got["count"] == 4
    assert all(m["body"].startswith("Line 0 of report") for m in got["messages"])
    assert all(m["notes"] == [] for m in got["messages"])
    assert len(_attachment_gets(fake)) == 4
    fake.stats.reset()
    got = call(plugin, "search_messages", query="subject:Report in:inbox").variables()
    assert all(m["notes"] == [] for m in got["messages"]) and _attachment_gets(fake) == []


def test_a_reply_and_a_forward_quote_the_whole_original(
    plugin: PluginProcess, box: Mailbox
) -> None:
    sent = len(box.sent)
    call(plugin, "reply_to_message", message_id=box.ids["report"], body="Thanks!")  # type: ignore[attr-defined]
    call(plugin, "forward_message", message_id=box.ids["report"], to="boss@example.com")  # type: ignore[attr-defined]
    reply, forward = box.sent[sent:]
    assert b"> END OF REPORT 0" in reply
    assert b"END OF REPORT 0" in forward and b"Forwarded message" in forward


def test_download_attachment_does_not_fetch_the_body(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    fake.stats.reset()
    result = plugin.invoke_tool("download_attachment", {"message_id": box.ids["report"]}, CREDS)  # type: ignore[attr-defined]
    assert result.error is not None and "no attachments" in result.error["message"]
    assert _attachment_gets(fake) == []


def test_update_draft_keeps_a_body_sent_apart(plugin: PluginProcess, box: Mailbox) -> None:
    """The draft was parsed without its body: the update saved it with an empty one."""
    draft_id = box.create_draft(_report(9)).id
    call(plugin, "update_draft", draft_id=draft_id, subject="Report 9, corrected")
    stored = email.message_from_bytes(
        box.messages[box.drafts[draft_id].message_id].raw, policy=email.policy.default
    )
    assert stored["Subject"] == "Report 9, corrected"
    body = stored.get_body(("plain",))
    assert body is not None and body.get_content().rstrip().endswith("END OF REPORT 9")
