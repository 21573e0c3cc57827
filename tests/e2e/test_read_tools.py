"""Every reading tool through the plugin process, against the fake Gmail."""

from __future__ import annotations

import base64
import math

import pytest

from devkit.fakegoogle import FakeGoogle
from devkit.fakegoogle.mailbox import Mailbox
from devkit.plugin_process import PluginProcess
from tests.e2e import mail

pytestmark = pytest.mark.e2e

MODIFY = "https://www.googleapis.com/auth/gmail.modify"
CREDS = {"access_token": "tok-read", "refresh_token": "rt", "scope": MODIFY}


@pytest.fixture(scope="module")
def box(fake: FakeGoogle) -> Mailbox:
    box = fake.add_mailbox("tok-read", email="me@example.com")
    work = box.add_label("Work/Clients")
    for i in range(120):
        labels = ("INBOX", "UNREAD", work) if i % 4 == 0 else ("INBOX",)
        box.add_message(
            mail.plain(i), label_ids=labels, internal_date_ms=1_790_000_000_000 + i * 60_000
        )
    box.ids = {}  # type: ignore[attr-defined]
    for name, raw in (
        ("newsletter", mail.newsletter()),
        ("invoice", mail.with_attachment()),
        ("japanese", mail.japanese()),
    ):
        box.ids[name] = box.add_message(raw, internal_date_ms=1_780_000_000_000)  # type: ignore[attr-defined]
    t1, t2 = mail.thread()
    box.ids["t1"] = box.add_message(t1, internal_date_ms=1_780_000_000_000)  # type: ignore[attr-defined]
    box.ids["t2"] = box.add_message(t2, label_ids=("SENT",), internal_date_ms=1_780_003_600_000)  # type: ignore[attr-defined]
    return box


def call(plugin: PluginProcess, tool: str, **params: object):  # type: ignore[no-untyped-def]
    return plugin.invoke_tool(tool, params, CREDS)


@pytest.mark.parametrize("n", [20, 100])
def test_search_is_newest_first_in_one_list_and_few_batches(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox, n: int
) -> None:
    fake.stats.reset()
    result = call(plugin, "search_messages", query="Plain message", max_results=n)
    assert result.error is None, result.error
    got = result.variables()
    assert got["count"] == n == len(got["messages"])
    dates = [m["date"] for m in got["messages"]]
    assert dates == sorted(dates, reverse=True)  # the fake shuffles; the plugin sorts
    assert fake.stats.http_requests <= 1 + math.ceil(n / 50)
    first = got["messages"][0]
    assert set(first) >= {
        "id", "thread_id", "from", "to", "cc", "reply_to", "subject", "date", "snippet",
        "labels", "unread", "starred", "has_attachments", "attachments",
    }  # fmt: skip
    assert got["next_page_token"]
    assert got["failed_ids"] == []


def test_search_pages_and_labels_by_name(plugin: PluginProcess, box: Mailbox) -> None:
    page1 = call(plugin, "search_messages", label="work/clients", max_results="20").variables()
    assert page1["count"] == 20
    assert all("Work/Clients" in m["labels"] and m["unread"] for m in page1["messages"])
    page2 = call(
        plugin, "search_messages", label="Work/Clients", page_token=page1["next_page_token"]
    ).variables()
    assert page2["count"] == 10
    assert not {m["id"] for m in page1["messages"]} & {m["id"] for m in page2["messages"]}


def test_search_unknown_label_names_the_closest(plugin: PluginProcess, box: Mailbox) -> None:
    result = call(plugin, "search_messages", label="Work/Client")
    assert result.error is not None
    assert "Work/Clients" in result.error["message"]


def test_empty_query_is_the_inbox_and_include_body(plugin: PluginProcess, box: Mailbox) -> None:
    got = call(plugin, "search_messages", max_results=5, include_body="true").variables()
    assert got["count"] == 5
    assert all("body" in m and m["body"] for m in got["messages"])


def test_search_reports_attachments_without_fetching_bodies(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    got = call(plugin, "search_messages", query="subject:Invoice").variables()
    (invoice,) = got["messages"]
    assert invoice["has_attachments"] is True
    assert [a["filename"] for a in invoice["attachments"]] == ["invoice.pdf", "résumé.txt"]
    assert invoice["body"] == ""  # not asked for: empty, still a string


def test_get_message_markdown_html_and_text(plugin: PluginProcess, box: Mailbox) -> None:
    mid = box.ids["newsletter"]  # type: ignore[attr-defined]
    md = call(plugin, "get_message", message_id=mid).variables()["body"]
    assert "[the article](https://example.org/a)" in md
    assert "| Tea" in md and "alert(1)" not in md and "track.example.org" not in md
    assert "View this email" not in md  # the text/plain stub lost to the real HTML
    text = call(plugin, "get_message", message_id=mid, body_format="text").variables()["body"]
    assert "Top stories" in text and "](" not in text
    html = call(plugin, "get_message", message_id=mid, body_format="html").variables()["body"]
    assert html.startswith("<html>")


def test_get_message_by_rfc822_id_and_truncation(plugin: PluginProcess, box: Mailbox) -> None:
    got = call(plugin, "get_message", message_id="<plain-7@example.com>", max_body_chars=10)
    v = got.variables()
    assert v["subject"] == "Plain message 7"
    assert v["body"].startswith("Hello, thi")
    assert "truncated" in v["body"] and "max_body_chars" in v["body"]
    assert v["message_id_header"] == "<plain-7@example.com>"


def test_get_message_legacy_charset(plugin: PluginProcess, box: Mailbox) -> None:
    v = call(plugin, "get_message", message_id=box.ids["japanese"]).variables()  # type: ignore[attr-defined]
    assert v["subject"] == "会議の件"
    assert "明日の会議は十時からです。" in v["body"]
    assert v["from"].startswith("山田太郎")


def test_get_message_downloads_attachments_as_files(plugin: PluginProcess, box: Mailbox) -> None:
    result = call(plugin, "get_message", message_id=box.ids["invoice"], download_attachments=True)  # type: ignore[attr-defined]
    assert result.error is None, result.error
    blobs = blob_files(result)
    assert blobs == {"invoice.pdf": b"%PDF-1.4 invoice bytes", "résumé.txt": "Résumé data".encode()}


def blob_files(result) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """Reassemble blob messages (the SDK streams large blobs in chunks)."""
    files: dict[str, bytes] = {}
    chunks: dict[str, list[bytes]] = {}
    for m in result.messages:
        if m["type"] == "blob":
            files[m["meta"]["filename"]] = base64.b64decode(m["message"]["blob"])
        elif m["type"] == "blob_chunk":
            inner = m["message"]
            chunks.setdefault(inner["id"], []).append(base64.b64decode(inner["blob"]))
            if inner["end"]:
                files[m["meta"]["filename"]] = b"".join(chunks.pop(inner["id"]))
    return files


def test_download_attachment_by_name_part_and_all(plugin: PluginProcess, box: Mailbox) -> None:
    mid = box.ids["invoice"]  # type: ignore[attr-defined]
    one = call(plugin, "download_attachment", message_id=mid, attachment="invoice")
    assert blob_files(one) == {"invoice.pdf": b"%PDF-1.4 invoice bytes"}
    assert one.variables()["count"] == 1
    part = one.variables()["attachments"][0]["part_id"]
    again = call(plugin, "download_attachment", message_id=mid, attachment=part)
    assert list(blob_files(again)) == ["invoice.pdf"]
    everything = call(plugin, "download_attachment", message_id=mid)
    assert set(blob_files(everything)) == {"invoice.pdf", "résumé.txt"}
    missing = call(plugin, "download_attachment", message_id=mid, attachment="nope.doc")
    assert missing.error is not None and "invoice.pdf" in missing.error["message"]


def test_get_thread_in_order_with_quotes_trimmed(plugin: PluginProcess, box: Mailbox) -> None:
    for key in (box.ids["t2"], box.ids["t1"]):  # type: ignore[attr-defined]
        v = call(plugin, "get_thread", thread_id=key).variables()
        assert v["count"] == 2
        first, second = v["messages"]
        assert first["subject"] == "Project plan" and second["subject"] == "Re: Project plan"
        assert "Friday works for me." in second["body"]
        assert "wrote:" not in second["body"] and "> Here is the plan" not in second["body"]
    untrimmed = call(plugin, "get_thread", thread_id=box.ids["t1"], trim_quoted=False).variables()  # type: ignore[attr-defined]
    assert "> Here is the plan" in untrimmed["messages"][1]["body"]


def test_get_thread_names_its_user_labels_in_one_request(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    """The label list rides in the thread's batch request: a thread with a user label costs
    one HTTP request, not a second round trip for the label's name. A message ID that is not
    the thread's ID costs the 404 and the message's threadId on top."""
    label = box.add_label("Projects/Q4")
    t1, t2 = mail.thread()
    first = box.add_message(t1, label_ids=("INBOX", label), internal_date_ms=1_780_100_000_000)
    thread = box.messages[first].thread_id
    second = box.add_message(t2, label_ids=("SENT",), thread_id=thread,
                             internal_date_ms=1_780_100_600_000)  # fmt: skip
    fake.stats.reset()
    by_thread = call(plugin, "get_thread", thread_id=thread)
    assert by_thread.error is None, by_thread.error
    assert (fake.stats.http_requests, fake.stats.batch_requests) == (1, 1)
    assert by_thread.variables()["messages"][0]["labels"] == ["INBOX", "Projects/Q4"]
    assert "Labels: Projects/Q4" in by_thread.messages[0]["message"]["text"]
    fake.stats.reset()
    by_message = call(plugin, "get_thread", thread_id=second)
    assert by_message.variables()["count"] == 2
    assert fake.stats.http_requests == 3  # batch (thread not found), threadId, batch


def test_list_labels_with_counts(plugin: PluginProcess, box: Mailbox) -> None:
    v = call(plugin, "list_labels").variables()
    by_name = {lbl["name"]: lbl for lbl in v["labels"]}
    assert by_name["Work/Clients"]["type"] == "user"
    assert by_name["Work/Clients"]["messages_total"] == 30
    assert by_name["Work/Clients"]["messages_unread"] == 30
    assert "INBOX" in by_name and v["count"] == len(v["labels"])


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"message_id": "../../etc"}, "not a valid Gmail message ID"),
        ({"message_id": "ffffffffffffffff"}, "found no message"),
        ({"message_id": "<missing@example.com>"}, "No message in this mailbox"),
        ({"message_id": ""}, "required"),
        ({"message_id": "abc", "max_body_chars": "lots"}, "whole number"),
        ({"message_id": "abc", "body_format": "pdf"}, "must be one of"),
    ],
)
def test_get_message_errors_are_clear(
    plugin: PluginProcess, box: Mailbox, params: dict[str, object], needle: str
) -> None:
    result = plugin.invoke_tool("get_message", params, CREDS)
    assert result.error is not None
    assert needle in result.error["message"]
    assert "tok-read" not in result.error["message"]


def test_expired_token_and_missing_scope(
    fake: FakeGoogle, plugin: PluginProcess, box: Mailbox
) -> None:
    expired = plugin.invoke_tool("list_labels", {}, {"access_token": "tok-gone", "scope": MODIFY})
    assert expired.error is not None and "Reconnect" in expired.error["message"]
    send_only = {"access_token": "tok-read", "scope": "https://www.googleapis.com/auth/gmail.send"}
    before = fake.stats.http_requests
    denied = plugin.invoke_tool("search_messages", {}, send_only)
    assert denied.error is not None and "gmail.readonly or gmail.modify" in denied.error["message"]
    assert fake.stats.http_requests == before  # refused without a request
