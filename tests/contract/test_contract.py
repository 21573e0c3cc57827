"""Contract tests: every request the tools make is one Gmail's discovery document allows.

Every tool runs in-process against the fake Google with typical and edge parameters; each
recorded call (batch inner calls included) must match a discovery method (path, HTTP method,
query parameters, enums, repetition, upload protocol) and each JSON body or upload metadata
part must fit the method's request schema. Each tool must also make the calls expected of it
(search = messages.list + batched messages.get; sending and drafts through upload paths).
"""

from __future__ import annotations

import email.utils
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from dify_plugin.entities.tool import ToolInvokeMessage
from dify_plugin.file.file import File, FileType

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle, Mailbox
from devkit.fakegoogle.mime import content_type_params, split_multipart
from gmail_core import scopes
from tests.contract import discovery
from tools.create_draft import CreateDraftTool
from tools.create_label import CreateLabelTool
from tools.delete_draft import DeleteDraftTool
from tools.download_attachment import DownloadAttachmentTool
from tools.forward_message import ForwardMessageTool
from tools.get_message import GetMessageTool
from tools.get_thread import GetThreadTool
from tools.list_drafts import ListDraftsTool
from tools.list_labels import ListLabelsTool
from tools.modify_messages import ModifyMessagesTool
from tools.reply_to_message import ReplyToMessageTool
from tools.search_messages import SearchMessagesTool
from tools.send_draft import SendDraftTool
from tools.send_message import SendMessageTool
from tools.trash_messages import TrashMessagesTool
from tools.untrash_messages import UntrashMessagesTool
from tools.update_draft import UpdateDraftTool

TOKEN = "tok-contract"
ME = "me@example.com"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
CSV = b"date,amount\n2024-05-01,12.50\n2024-05-02,7.25\n"


# -- seeding --------------------------------------------------------------------------------
def _mail(
    sender: str,
    to: str,
    subject: str,
    text: str,
    *,
    when: datetime,
    msgid: str,
    html: str | None = None,
    cc: str | None = None,
    reply_to_id: str | None = None,
    references: str | None = None,
    files: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(when)
    msg["Message-ID"] = msgid
    if reply_to_id:
        msg["In-Reply-To"] = reply_to_id
        msg["References"] = references or reply_to_id
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, ctype, data in files:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


@dataclass
class Seeded:
    plain: str = ""
    html: str = ""
    attach: str = ""
    thread_first: str = ""
    thread_mine: str = ""
    thread_last: str = ""
    spam: str = ""
    thread_id: str = ""
    long: str = ""


def _seed(box: Mailbox) -> Seeded:
    box.primary.display_name = "Me Myself"
    box.primary.signature = '<div dir="ltr">Me Myself<br>+1 555 0100</div>'
    box.add_alias(
        "sales@example.com",
        display_name="Sales Desk",
        signature="<b>Sales Desk</b> — <a href='https://example.com'>example.com</a>",
        reply_to="orders@example.com",
    )
    box.add_alias("pending@example.com", verification="pending")
    box.add_label("Work")
    box.add_label("Newsletters")
    t0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    s = Seeded()
    for i in range(55):  # enough for a search of 60 to need two batch chunks
        box.add_message(
            _mail(
                "news@shop.example",
                ME,
                f"Weekly deals #{i}",
                f"Deal number {i}.",
                when=t0 + timedelta(minutes=i),
                msgid=f"<news-{i}@shop.example>",
            ),
            label_ids=("INBOX", "Newsletters"),
        )
    s.plain = box.add_message(
        _mail(
            "Alice <alice@example.org>",
            ME,
            "Lunch on Friday?",
            "Hi,\n\nAre you free for lunch on Friday?\n\nAlice",
            when=t0 + timedelta(days=1),
            msgid="<plain-1@example.org>",
        ),
        label_ids=("INBOX", "UNREAD"),
    )
    s.html = box.add_message(
        _mail(
            "Bob <bob@corp.example>",
            ME,
            "Quarterly report",
            "The quarterly numbers are in.",
            html="<p>The <b>quarterly</b> numbers are <a href='https://corp.example/q'>in</a>.</p>"
            "<table><tr><td>Q1</td><td>10</td></tr></table>",
            when=t0 + timedelta(days=1, hours=1),
            msgid="<html-1@corp.example>",
        ),
        label_ids=("INBOX", "Work", "IMPORTANT"),
    )
    s.attach = box.add_message(
        _mail(
            "Carol <carol@billing.example>",
            ME,
            "Invoice May",
            "Please find the invoice and the statement attached.",
            when=t0 + timedelta(days=1, hours=2),
            msgid="<att-1@billing.example>",
            files=(("invoice.pdf", "application/pdf", PDF), ("statement.csv", "text/csv", CSV)),
        ),
        label_ids=("INBOX", "UNREAD", "Work"),
    )
    # A large body comes as an attachment ID without data, as Gmail sends large parts.
    box.detach_body_parts_above = 20_000
    s.long = box.add_message(
        _mail(
            "Frank <frank@corp.example>",
            ME,
            "Annual report",
            "Figures for the year.\n" * 1_500,
            when=t0 + timedelta(days=1, hours=3),
            msgid="<long-1@corp.example>",
        ),
        label_ids=("INBOX",),
    )
    s.thread_first = box.add_message(
        _mail(
            "Dave <dave@partner.example>",
            ME,
            "Project kickoff",
            "Shall we start on Monday?",
            cc="Erin <erin@partner.example>",
            when=t0 + timedelta(days=2),
            msgid="<kickoff-1@partner.example>",
        ),
        label_ids=("INBOX",),
    )
    s.thread_mine = box.add_message(
        _mail(
            ME,
            "Dave <dave@partner.example>",
            "Re: Project kickoff",
            "Monday works.\n\nOn Tue, Dave wrote:\n> Shall we start on Monday?",
            when=t0 + timedelta(days=2, hours=1),
            msgid="<kickoff-2@example.com>",
            reply_to_id="<kickoff-1@partner.example>",
        ),
        label_ids=("SENT",),
    )
    s.thread_last = box.add_message(
        _mail(
            "Dave <dave@partner.example>",
            ME,
            "Re: Project kickoff",
            "Great, see you then.\n\n> Monday works.",
            cc="Erin <erin@partner.example>",
            when=t0 + timedelta(days=2, hours=2),
            msgid="<kickoff-3@partner.example>",
            reply_to_id="<kickoff-2@example.com>",
            references="<kickoff-1@partner.example> <kickoff-2@example.com>",
        ),
        label_ids=("INBOX", "UNREAD"),
    )
    s.thread_id = box.messages[s.thread_last].thread_id
    assert s.thread_id == box.messages[s.thread_first].thread_id
    s.spam = box.add_message(
        _mail(
            "Prize <win@spam.example>",
            ME,
            "You won",
            "Claim your prize.",
            when=t0 + timedelta(days=3),
            msgid="<spam-1@spam.example>",
        ),
        label_ids=("SPAM",),
    )
    return s


# -- a tiny file server standing in for Dify's file service ---------------------------------
class _Files(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}  # noqa: RUF012 - set once before the server starts

    def do_GET(self) -> None:
        data = self.files.get(self.path)
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def file_server() -> Iterator[str]:
    _Files.files = {"/files/invoice.pdf": PDF, "/files/data.csv": CSV}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _file(base: str, name: str, mime: str, data: bytes) -> File:
    ext = "." + name.rsplit(".", 1)[1]
    return File(
        url=f"{base}/files/{name}",
        mime_type=mime,
        type=FileType.DOCUMENT,
        filename=name,
        extension=ext,
        size=len(data),
    )


# -- running the tools ----------------------------------------------------------------------
@dataclass
class Seen:
    """A request as the fake's API saw it (bodies are not in ``fake.stats``)."""

    method: str
    path: str
    content_type: str
    body: bytes
    in_batch: bool


@dataclass
class Outcome:
    calls: list[Any] = field(default_factory=list)  # fakegoogle.Call
    seen: list[Seen] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    blobs: list[bytes] = field(default_factory=list)
    error: str = ""


@dataclass
class Step:
    name: str
    tool: type
    params: Callable[[Context], dict[str, Any]]
    expect: set[str]  # discovery method IDs this step must call (at least)
    batched: set[str] = field(default_factory=set)  # of those, ones that must be batch-inner
    uploads: set[str] = field(default_factory=set)  # ones that must use the upload path
    forbid: set[str] = field(default_factory=set)  # method IDs this step must not call


@dataclass
class Context:
    seeded: Seeded
    files: str
    out: dict[str, Outcome]

    def var(self, step: str, name: str) -> Any:
        return self.out[step].variables[name]


def _steps() -> list[Step]:
    m = "gmail.users."
    LIST, GET, LABELS = m + "messages.list", m + "messages.get", m + "labels.list"
    SEND, DCREATE, DUPDATE = m + "messages.send", m + "drafts.create", m + "drafts.update"
    ATT = m + "messages.attachments.get"
    SEND_AS = m + "settings.sendAs.list"
    return [
        # search_messages
        Step("search_empty", SearchMessagesTool, lambda c: {}, {LIST, GET, LABELS}, {GET, LABELS}),
        Step(
            "search_two_chunks",
            SearchMessagesTool,
            lambda c: {"max_results": 60},
            {LIST, GET, LABELS},
            {GET, LABELS},
        ),
        Step(
            "search_query",
            SearchMessagesTool,
            lambda c: {"query": "from:carol has:attachment", "max_results": "5"},
            {LIST, GET, LABELS},
            {GET},
        ),
        Step(
            "search_label",
            SearchMessagesTool,
            lambda c: {"label": "Work, INBOX", "query": "invoice"},
            {LABELS, LIST, GET},
            {GET},
        ),
        Step(
            "search_body",
            SearchMessagesTool,
            lambda c: {"query": "subject:quarterly", "include_body": True},
            {LIST, GET},
            {GET},
        ),
        Step("search_page_1", SearchMessagesTool, lambda c: {"max_results": 2}, {LIST, GET}),
        Step(
            "search_page_2",
            SearchMessagesTool,
            lambda c: {
                "max_results": 2,
                "page_token": c.var("search_page_1", "next_page_token"),
            },
            {LIST, GET},
        ),
        Step(
            "search_spam_trash",
            SearchMessagesTool,
            lambda c: {"query": "prize", "include_spam_trash": "true"},
            {LIST, GET},
        ),
        Step(
            "search_nothing",
            SearchMessagesTool,
            lambda c: {"query": "from:nobody@nowhere.example"},
            {LIST},
            forbid={GET},
        ),
        # get_message
        Step(
            "get_message_id",
            GetMessageTool,
            lambda c: {"message_id": c.seeded.plain, "body_format": "text"},
            {GET},
            forbid={LABELS},
        ),
        Step(
            "get_message_user_label",
            GetMessageTool,
            lambda c: {"message_id": c.seeded.html, "max_body_chars": 50},
            {GET, LABELS},
        ),
        Step(
            "get_message_body_sent_apart",
            GetMessageTool,
            lambda c: {"message_id": c.seeded.long},
            {GET, ATT},
            {ATT},
        ),
        Step(
            "get_message_rfc822_download",
            GetMessageTool,
            lambda c: {"message_id": "<att-1@billing.example>", "download_attachments": True},
            {LIST, GET, ATT},
        ),
        Step(
            "get_message_bare_rfc822",
            GetMessageTool,
            lambda c: {"message_id": "kickoff-1@partner.example", "body_format": "html"},
            {LIST, GET},
        ),
        # get_thread
        Step(
            "get_thread_by_thread_id",
            GetThreadTool,
            lambda c: {"thread_id": c.seeded.thread_id},
            {m + "threads.get"},
        ),
        Step(
            "get_thread_by_message_id",
            GetThreadTool,
            lambda c: {"thread_id": c.seeded.thread_last, "trim_quoted": False},
            {m + "threads.get", GET},
        ),
        # download_attachment
        Step(
            "download_one",
            DownloadAttachmentTool,
            lambda c: {"message_id": c.seeded.attach, "attachment": "invoice.pdf"},
            {GET, ATT},
        ),
        Step(
            "download_all",
            DownloadAttachmentTool,
            lambda c: {"message_id": c.seeded.attach},
            {GET, ATT},
        ),
        # list_labels
        Step(
            "list_labels",
            ListLabelsTool,
            lambda c: {},
            {LABELS, m + "labels.get"},
            {m + "labels.get"},
        ),
        # send_message
        Step(
            "send_plain",
            SendMessageTool,
            lambda c: {
                "to": "Frank <frank@example.net>",
                "subject": "Hello",
                "body": "Hello **Frank**, see [the site](https://example.net).",
            },
            {SEND_AS, SEND},
            uploads={SEND},
        ),
        Step(
            "send_from_alias",
            SendMessageTool,
            lambda c: {
                "to": "frank@example.net",
                "subject": "From the sales desk",
                "body": "Hello",
                "send_as": "Sales Desk",
                "include_signature": "false",
            },
            {SEND_AS, SEND},
            uploads={SEND},
        ),
        Step(
            "send_attachments",
            SendMessageTool,
            lambda c: {
                "to": "frank@example.net, grace@example.net",
                "cc": "heidi@example.net",
                "bcc": "ivan@example.net",
                "subject": "Files — résumé",
                "body": "<p>Two files.</p>",
                "body_format": "html",
                "reply_to": "team@example.com",
                "attachments": [
                    _file(c.files, "invoice.pdf", "application/pdf", PDF),
                    _file(c.files, "data.csv", "text/csv", CSV),
                ],
            },
            {SEND},
            uploads={SEND},
        ),
        # reply_to_message
        Step(
            "reply_send",
            ReplyToMessageTool,
            lambda c: {"message_id": c.seeded.thread_last, "body": "Thanks, Dave."},
            {GET, SEND_AS, SEND},
            uploads={SEND},
        ),
        Step(
            "reply_all_draft",
            ReplyToMessageTool,
            lambda c: {
                "message_id": c.seeded.thread_last,
                "body": "Adding everyone.",
                "reply_all": True,
                "as_draft": True,
                "quote_original": False,
                "attachments": [_file(c.files, "data.csv", "text/csv", CSV)],
            },
            {GET, SEND_AS, DCREATE},
            uploads={DCREATE},
            forbid={SEND},
        ),
        # forward_message
        Step(
            "forward_with_attachments",
            ForwardMessageTool,
            lambda c: {"message_id": c.seeded.attach, "to": "judy@example.net", "note": "FYI"},
            {GET, SEND_AS, ATT, SEND},
            uploads={SEND},
        ),
        Step(
            "forward_as_draft",
            ForwardMessageTool,
            lambda c: {
                "message_id": c.seeded.attach,
                "to": "judy@example.net",
                "send_as": "sales@example.com",
                "as_draft": True,
            },
            {GET, SEND_AS, ATT, DCREATE},
            uploads={DCREATE},
            forbid={SEND},
        ),
        Step(
            "forward_without_attachments",
            ForwardMessageTool,
            lambda c: {
                "message_id": c.seeded.html,
                "to": "judy@example.net",
                "cc": "ken@example.net",
                "include_attachments": False,
            },
            {GET, SEND},
            uploads={SEND},
            forbid={ATT},
        ),
        # drafts
        Step(
            "create_draft",
            CreateDraftTool,
            lambda c: {"to": "leo@example.net", "subject": "Draft one", "body": "First draft."},
            {SEND_AS, DCREATE},
            uploads={DCREATE},
        ),
        Step(
            "create_draft_attachment",
            CreateDraftTool,
            lambda c: {
                "subject": "Draft two (no recipient yet)",
                "body": "With a file.",
                "attachments": [_file(c.files, "invoice.pdf", "application/pdf", PDF)],
            },
            {DCREATE},
            uploads={DCREATE},
        ),
        Step(
            "update_draft_subject",
            UpdateDraftTool,
            lambda c: {"draft_id": c.var("create_draft", "draft_id"), "subject": "Draft one v2"},
            {m + "drafts.get", DUPDATE},
            uploads={DUPDATE},
            forbid={ATT, SEND_AS},  # nothing to sign, no new address: no settings read
        ),
        Step(
            "update_draft_send_as",
            UpdateDraftTool,
            lambda c: {"draft_id": c.var("create_draft", "draft_id"), "send_as": "Sales Desk"},
            {m + "drafts.get", SEND_AS, DUPDATE},
            uploads={DUPDATE},
        ),
        Step(
            "update_draft_keep_attachment",
            UpdateDraftTool,
            lambda c: {
                "draft_id": c.var("create_draft_attachment", "draft_id"),
                "to": "mia@example.net",
                "body": "Now with a recipient.",
            },
            {m + "drafts.get", ATT, DUPDATE},
            uploads={DUPDATE},
        ),
        Step(
            "update_draft_new_attachments",
            UpdateDraftTool,
            lambda c: {
                "draft_id": c.var("create_draft_attachment", "draft_id"),
                "attachments": [_file(c.files, "data.csv", "text/csv", CSV)],
            },
            {m + "drafts.get", DUPDATE},
            uploads={DUPDATE},
            forbid={ATT},
        ),
        Step(
            "list_drafts",
            ListDraftsTool,
            lambda c: {},
            {m + "drafts.list", m + "drafts.get"},
            {m + "drafts.get"},
        ),
        Step(
            "list_drafts_query",
            ListDraftsTool,
            lambda c: {"query": "subject:draft", "max_results": 1},
            {m + "drafts.list", m + "drafts.get"},
        ),
        Step(
            "list_drafts_page_2",
            ListDraftsTool,
            lambda c: {
                "query": "subject:draft",
                "max_results": 1,
                "page_token": c.var("list_drafts_query", "next_page_token"),
            },
            {m + "drafts.list"},
        ),
        Step(
            "send_draft",
            SendDraftTool,
            lambda c: {"draft_id": c.var("create_draft", "draft_id")},
            {m + "drafts.get", m + "drafts.send"},
            forbid={SEND},
        ),
        Step(
            "delete_draft",
            DeleteDraftTool,
            lambda c: {"draft_id": c.var("create_draft_attachment", "draft_id")},
            {m + "drafts.delete"},
        ),
        # organising
        Step(
            "modify_shortcuts",
            ModifyMessagesTool,
            lambda c: {
                "message_ids": f"{c.seeded.plain}, {c.seeded.attach}",
                "mark_read": True,
                "star": "true",
                "archive": True,
            },
            {LABELS, m + "messages.batchModify"},
        ),
        Step(
            "modify_labels_create_missing",
            ModifyMessagesTool,
            lambda c: {
                "message_ids": [c.seeded.html],
                "add_labels": "Projects/Q3, Work",
                "remove_labels": "IMPORTANT",
                "create_missing_labels": True,
                "mark_unread": True,
            },
            {LABELS, m + "labels.create", m + "messages.batchModify"},
        ),
        Step(
            "trash",
            TrashMessagesTool,
            lambda c: {"message_ids": f"{c.seeded.plain}\n{c.seeded.spam}"},
            {m + "messages.trash"},
            {m + "messages.trash"},
        ),
        Step(
            "untrash",
            UntrashMessagesTool,
            lambda c: {"message_ids": json.dumps([c.seeded.plain, c.seeded.spam])},
            {m + "messages.untrash"},
            {m + "messages.untrash"},
        ),
        Step(
            "create_label",
            CreateLabelTool,
            lambda c: {"name": "Receipts"},
            {m + "labels.create"},
        ),
        Step(
            "create_label_colours",
            CreateLabelTool,
            lambda c: {
                "name": "Clients/ACME",
                "background_color": "#4a86e8",
                "text_color": "ffffff",
                "label_list_visibility": "labelShowIfUnread",
                "message_list_visibility": "hide",
            },
            {m + "labels.create"},
        ),
    ]


STEPS = _steps()


def _consume(tool: Any, params: dict[str, Any], out: Outcome) -> None:
    for msg in tool.invoke(params):
        inner = msg.message
        if msg.type == ToolInvokeMessage.MessageType.VARIABLE:
            out.variables[inner.variable_name] = inner.variable_value
        elif msg.type == ToolInvokeMessage.MessageType.TEXT:
            out.texts.append(inner.text)
        elif msg.type == ToolInvokeMessage.MessageType.BLOB:
            out.blobs.append(inner.blob)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=7) as server:
        yield server


@pytest.fixture(scope="module")
def scenario(fake: FakeGoogle, file_server: str) -> Iterator[tuple[dict[str, Outcome], Seeded]]:
    """Run every step once, in order (later steps use IDs from earlier ones)."""
    box = fake.add_mailbox(TOKEN, ME, {GMAIL_MODIFY})
    seeded = _seed(box)
    seen: list[Seen] = []
    original = fake.api.handle

    def recording(req: Any) -> Any:
        ctype = req.headers.get("content-type", "")
        seen.append(Seen(req.method, req.path, ctype, req.body, req.in_batch))
        return original(req)

    outcomes: dict[str, Outcome] = {}
    ctx = Context(seeded, file_server, outcomes)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in fake.env().items():
            mp.setenv(name, value)
        mp.setenv("GMAIL_TIME_BUDGET_SECONDS", "15")
        mp.setenv("GMAIL_DIFY_FILE_HOSTS", "127.0.0.1")  # the file server below, on loopback
        mp.setattr(fake.api, "handle", recording)
        for step in STEPS:
            out = outcomes[step.name] = Outcome()
            fake.stats.reset()
            seen.clear()
            tool = step.tool.from_credentials({"access_token": TOKEN, "scope": GMAIL_MODIFY})
            try:
                _consume(tool, step.params(ctx), out)
            except Exception as exc:
                out.error = f"{type(exc).__name__}: {exc}"
            out.calls = list(fake.stats.calls)
            out.seen = list(seen)
        yield outcomes, seeded
    assert not fake.server_errors, fake.server_errors


def _upload_metadata(seen: Seen) -> Any:
    """The JSON metadata part of a multipart upload, or None for a media upload."""
    mime_type, params = content_type_params(seen.content_type)
    if not mime_type.startswith("multipart/"):
        assert mime_type == "message/rfc822", f"{seen.path}: media upload of {mime_type}"
        return None
    parts = split_multipart(seen.body, params["boundary"])
    assert len(parts) == 2, f"{seen.path}: multipart upload with {len(parts)} parts"
    (meta_headers, meta), (media_headers, _) = parts
    assert meta_headers.get("Content-Type", "").startswith("application/json")
    assert media_headers.get("Content-Type", "").startswith("message/rfc822")
    return json.loads(meta)


def _matched_ids(out: Outcome) -> list[tuple[str, Any]]:
    return [(discovery.match(c.method, c.path, dict(c.query)), c) for c in out.calls]


# -- the checker itself ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/gmail/v1/users/me/messages", {"q": ["a"], "labelIds": ["X", "Y"]}, "gmail.users.messages.list"),
        ("GET", "/gmail/v1/users/me/messages/18c", {"format": ["full"], "fields": ["id,payload(partId)"]}, "gmail.users.messages.get"),
        ("GET", "/gmail/v1/users/me/messages/18c/attachments/ANGj", {}, "gmail.users.messages.attachments.get"),
        ("POST", "/gmail/v1/users/me/messages/batchModify", {}, "gmail.users.messages.batchModify"),
        ("POST", "/gmail/v1/users/me/drafts/send", {}, "gmail.users.drafts.send"),
        ("POST", "/upload/gmail/v1/users/me/messages/send", {"uploadType": ["multipart"]}, "gmail.users.messages.send"),
        ("PUT", "/upload/gmail/v1/users/me/drafts/r-12", {"uploadType": ["media"]}, "gmail.users.drafts.update"),
        ("GET", "/gmail/v1/users/me/profile", {"prettyPrint": ["false"], "alt": ["json"]}, "gmail.users.getProfile"),
        ("POST", "/batch/gmail/v1", {}, discovery.BATCH),
    ],
)  # fmt: skip
def test_match_accepts_valid_requests(method: str, path: str, query: dict, expected: str) -> None:
    assert discovery.match(method, path, query) == expected


@pytest.mark.parametrize(
    ("method", "path", "query", "complaint"),
    [
        ("GET", "/gmail/v1/users/me/messages", {"query": ["x"]}, "unknown query parameter 'query'"),
        ("GET", "/gmail/v1/users/me/messages/1", {"format": ["FULL"]}, "not one of the allowed"),
        ("GET", "/gmail/v1/users/me/threads/1", {"format": ["raw"]}, "not one of the allowed"),
        ("GET", "/gmail/v1/users/me/drafts/1", {"metadataHeaders": ["To"]}, "unknown query parameter"),
        ("GET", "/gmail/v1/users/me/messages", {"q": ["a", "b"]}, "not repeated"),
        ("GET", "/gmail/v1/users/me/messages", {"includeSpamTrash": ["1"]}, "'true' or 'false'"),
        ("GET", "/gmail/v1/users/me/messages", {"maxResults": ["ten"]}, "integer"),
        ("GET", "/gmail/v1/users/me/mesages", {}, "closest: /gmail/v1/users/{userId}/messages"),
        ("GET", "/gmail/v1/users/me/messages/1/2", {}, "no method"),
        ("GET", "/gmail/v1/users/me/messages/", {}, "no method"),
        ("POST", "/gmail/v1/users/me/messages/1", {}, "not for POST"),
        ("POST", "/gmail/v1/users/me/messages/send", {"uploadType": ["media"]}, "upload path"),
        ("POST", "/upload/gmail/v1/users/me/messages/send", {}, "needs uploadType"),
        ("POST", "/upload/gmail/v1/users/me/messages/send", {"uploadType": ["chunked"]}, "not allowed"),
        ("POST", "/upload/gmail/v1/users/me/labels", {"uploadType": ["media"]}, "no method"),
        ("GET", "/gmail/v1/users/me/messages/1", {"id": ["1"]}, "path parameter"),
        ("GET", "/gmail/v1/users/me/messages", {"access_token": ["t"]}, "Authorization header"),
        ("GET", "/gmail/v1/users/me/messages", {"fields": ["messages(id"]}, "malformed fields"),
        ("POST", "/batch", {}, "no method"),
    ],
)  # fmt: skip
def test_match_rejects_wrong_requests(method: str, path: str, query: dict, complaint: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        discovery.match(method, path, query)


@pytest.mark.parametrize(
    ("method_id", "body", "complaint"),
    [
        ("gmail.users.labels.create", {"name": "x", "labelListVisibility": "labelshow", "messageListVisibility": "show"}, "allowed values"),
        ("gmail.users.labels.create", {"name": "x"}, "required field"),
        ("gmail.users.messages.batchModify", {"ids": "abc"}, "must be a list"),
        ("gmail.users.messages.send", {"threadid": "abc"}, "unknown field body.threadid"),
        ("gmail.users.drafts.create", {"message": {"threadId": 5}}, "must be a string"),
        ("gmail.users.messages.trash", {"ids": ["a"]}, "takes no request body"),
        ("gmail.users.messages.send", {"threadId": "abc"}, "required field(s) ['raw']"),
    ],
)  # fmt: skip
def test_check_body_rejects_wrong_bodies(method_id: str, body: Any, complaint: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        discovery.check_body(method_id, body)


def test_discovery_document_is_walked_completely() -> None:
    doc = discovery.load()
    assert len(doc.methods) > 70
    send = doc.methods["gmail.users.messages.send"]
    assert send.upload_path == "/upload/gmail/v1/users/{userId}/messages/send"
    assert doc.methods["gmail.users.settings.sendAs.smimeInfo.get"].http_method == "GET"
    assert doc.methods["gmail.users.messages.list"].params["labelIds"].repeated
    assert doc.methods["gmail.users.labels.list"].upload_path == ""


# -- the tools ------------------------------------------------------------------------------
@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_tool_requests_match_discovery(step: Step, scenario: Any) -> None:
    outcomes, _ = scenario
    out = outcomes[step.name]
    assert not out.error, f"{step.name} failed: {out.error}"
    assert out.calls, f"{step.name} made no request"
    matched = _matched_ids(out)  # raises AssertionError on the first call off the contract
    ids = {mid for mid, _ in matched}
    missing = step.expect - ids
    assert not missing, f"{step.name} did not call {missing}; it called {sorted(ids)}"
    assert not (step.forbid & ids), f"{step.name} should not call {step.forbid & ids}"
    for mid in step.batched:
        assert any(m == mid and c.in_batch for m, c in matched), f"{mid} not inside a batch"
    for mid, call in matched:
        if mid in step.uploads:
            assert call.path.startswith("/upload/"), f"{mid} via {call.path}, not its upload path"
        # Batches only ever carry calls: a batch inside a batch is not a thing.
        assert not (call.in_batch and mid == discovery.BATCH)


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_each_request_names_a_permission_google_accepts_for_it(step: Step, scenario: Any) -> None:
    """A refused request is worded after the capability ``scopes.needed_for`` gives it, and
    the plugin checks that capability's scopes before asking: each of them must be one that
    Google's discovery document lists for the method."""
    outcomes, _ = scenario
    for call in outcomes[step.name].calls:
        if discovery.match(call.method, call.path, dict(call.query)) == discovery.BATCH:
            continue  # its inner calls are checked one by one
        found = discovery.resolve(call.method, call.path, dict(call.query))
        needed = scopes.needed_for(call.method, call.path)
        assert needed is not None, f"{call.method} {call.path}: no capability"
        extra = scopes.CAPABILITIES[needed] - found.method.scopes
        assert not extra, f"{found.id} does not accept {sorted(extra)} ({needed})"


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_tool_bodies_match_discovery(step: Step, scenario: Any) -> None:
    outcomes, _ = scenario
    out = outcomes[step.name]
    for seen in out.seen:
        query: dict[str, list[str]] = {}
        if seen.path.startswith("/upload/"):
            query = {"uploadType": ["multipart" if "multipart" in seen.content_type else "media"]}
        found = discovery.resolve(seen.method, seen.path, query)
        where = f"{step.name}: {seen.method} {seen.path}"
        if found.upload:
            body = _upload_metadata(seen)
            if body is not None:
                discovery.check_body(found.id, body, where, upload=True)
        elif seen.body.strip():
            assert seen.content_type.startswith("application/json"), where
            body = json.loads(seen.body)
            discovery.check_body(found.id, body, where)
            # Messages never travel as base64 JSON 'raw' (size limits): only via uploads.
            assert "raw" not in json.dumps(body), f"{where}: message sent as JSON raw"
        else:
            assert found.id != "gmail.users.messages.send", where


def test_send_steps_never_use_json_raw(scenario: Any) -> None:
    outcomes, _ = scenario
    for name, out in outcomes.items():
        for call in out.calls:
            mid = discovery.match(call.method, call.path, dict(call.query))
            if mid in ("gmail.users.messages.send", "gmail.users.drafts.create"):
                assert call.path.startswith("/upload/"), f"{name}: {mid} via {call.path}"
            if mid == "gmail.users.drafts.update":
                assert call.path.startswith("/upload/"), f"{name}: {mid} via {call.path}"


def test_tools_worked(scenario: Any) -> None:
    """The requests were the real thing: the tools returned what they were asked for."""
    outcomes, seeded = scenario
    assert outcomes["search_empty"].variables["count"] == 20
    assert outcomes["search_two_chunks"].variables["count"] == 60
    assert outcomes["search_query"].variables["messages"][0]["id"] == seeded.attach
    assert outcomes["search_page_2"].variables["count"] == 2
    assert outcomes["search_spam_trash"].variables["messages"][0]["id"] == seeded.spam
    assert outcomes["search_nothing"].variables["count"] == 0
    assert sorted(outcomes["get_message_rfc822_download"].blobs) == sorted([PDF, CSV])
    assert outcomes["download_one"].blobs == [PDF]
    assert outcomes["get_thread_by_message_id"].variables["count"] == 3
    assert outcomes["send_draft"].variables["message_id"]
    assert outcomes["send_plain"].variables["from"] == "Me Myself <me@example.com>"
    assert outcomes["send_from_alias"].variables["from"] == "Sales Desk <sales@example.com>"
    assert outcomes["forward_as_draft"].variables["draft_id"]
    assert outcomes["update_draft_send_as"].variables["from"] == "Sales Desk <sales@example.com>"
    assert outcomes["modify_labels_create_missing"].variables["created_labels"] == ["Projects/Q3"]


def test_distinct_methods_exercised(scenario: Any) -> None:
    outcomes, _ = scenario
    used = {
        mid for out in outcomes.values() for mid, _ in _matched_ids(out) if mid != discovery.BATCH
    }
    expected = {
        "gmail.users." + name
        for name in (
            "settings.sendAs.list",
            "labels.list",
            "labels.get",
            "labels.create",
            "messages.list",
            "messages.get",
            "messages.attachments.get",
            "messages.send",
            "messages.batchModify",
            "messages.trash",
            "messages.untrash",
            "threads.get",
            "drafts.list",
            "drafts.get",
            "drafts.create",
            "drafts.update",
            "drafts.send",
            "drafts.delete",
        )
    }
    assert used == expected


def test_send_as_fields_are_send_as_properties(scenario: Any) -> None:
    """The partial response of settings.sendAs.list names only SendAs properties."""
    outcomes, _ = scenario
    properties = set(discovery.load().schemas["SendAs"]["properties"])
    masks = {
        c.query["fields"][0]
        for out in outcomes.values()
        for mid, c in _matched_ids(out)
        if mid == "gmail.users.settings.sendAs.list"
    }
    assert masks  # with and without the signature
    for mask in masks:
        inner = re.fullmatch(r"sendAs\(([A-Za-z,]+)\)", mask)
        assert inner is not None, mask
        assert set(inner[1].split(",")) <= properties, mask


# -- regressions found by this suite ---------------------
def test_no_metadata_headers_on_drafts_get(scenario: Any) -> None:
    outcomes, _ = scenario
    offending = [
        f"{name}: {call.method} {call.path} {call.query}"
        for name, out in outcomes.items()
        for call in out.calls
        if "metadataHeaders" in call.query
        and discovery.match(call.method, call.path) == "gmail.users.drafts.get"
    ]
    assert not offending, offending


def test_create_label_sends_enum_spelling(scenario: Any) -> None:
    outcomes, _ = scenario
    for seen in outcomes["create_label"].seen + outcomes["create_label_colours"].seen:
        if seen.method == "POST" and seen.path.endswith("/labels"):
            discovery.check_body("gmail.users.labels.create", json.loads(seen.body))


def test_every_call_asks_for_compact_json(scenario: Any) -> None:
    """``prettyPrint=false`` (a global parameter of the document, default true) on every call
    of every tool, the calls inside batches included: Google's indented JSON is a third
    larger to receive and to parse. The batch endpoint itself answers multipart."""
    pretty = discovery.load().global_params["prettyPrint"]
    assert pretty.type == "boolean" and pretty.location == "query"
    outcomes, _ = scenario
    checked = 0
    for name, out in outcomes.items():
        for mid, call in _matched_ids(out):
            if mid == discovery.BATCH:
                continue
            assert call.query.get("prettyPrint") == ["false"], f"{name}: {mid} {call.query}"
            checked += 1
    assert checked > 60


def test_reading_drafts_takes_every_scope_google_allows_for_it() -> None:
    """list_drafts needs what drafts.list and drafts.get need: gmail.readonly as much as
    gmail.compose, so the read-only level lists drafts too."""
    methods = load_methods()
    allowed = methods["gmail.users.drafts.list"].scopes & methods["gmail.users.drafts.get"].scopes
    known = frozenset().union(*scopes.CAPABILITIES.values())
    assert scopes.CAPABILITIES[ListDraftsTool.capability] == allowed & known
    assert ListDraftsTool.capability in scopes.ACCESS_LEVELS["read_only"].capabilities


def load_methods() -> dict[str, discovery.Method]:
    return discovery.load().methods
