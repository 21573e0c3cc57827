"""Reliability and security tests: shared helpers (no fixtures here; each module has its own).

Tools run in-process the way the SDK runs them (``Tool.from_credentials(...).invoke(...)``)
against the local FakeGoogle; retry waits are shortened with :func:`fast_retries`.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dify_plugin  # noqa: F401  (gevent patching happens on import: before any server starts)
import pytest
from dify_plugin.entities.tool import ToolInvokeMessage
from gevent import monkey

from gmail_core import dify, sending, transport
from tests.conftest import known_secret

BASE_DATE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEMPORARY_WORDS = ("temporar", "try again", "in a minute")


def raw_message(
    i: int,
    *,
    to: str = "me@example.com",
    subject: str = "",
    body: str = "",
    sender: str = "",
    attachment: bytes | None = None,
    message_id: str = "",
) -> bytes:
    m = EmailMessage()
    m["From"] = sender or f"Sender {i} <sender{i}@example.com>"
    m["To"] = to
    m["Subject"] = subject or f"Message {i}"
    m["Date"] = format_datetime(BASE_DATE + timedelta(minutes=i))
    m["Message-ID"] = message_id or f"<msg-{i}@example.com>"
    m.set_content(body or f"Hello, this is message number {i}.")
    if attachment is not None:
        m.add_attachment(
            attachment, maintype="application", subtype="pdf", filename=f"file-{i}.pdf"
        )
    return m.as_bytes()


def fill(box: Any, n: int, *, tag: str = "", attachment_every: int = 0) -> list[str]:
    """Add ``n`` inbox messages; subjects and bodies carry ``tag`` so mailboxes differ."""
    ids = []
    for i in range(n):
        att = b"%PDF-1.4 " + tag.encode() + b" " + str(i).encode() if (
            attachment_every and i % attachment_every == 0
        ) else None  # fmt: skip
        raw = raw_message(
            i,
            subject=f"{tag} message {i}".strip(),
            body=f"Body of {tag} message {i}.",
            attachment=att,
            message_id=f"<msg-{i}-{tag or 'x'}@example.com>",
        )
        ids.append(box.add_message(raw, label_ids=("INBOX", "UNREAD")))
    return ids


TOOL_NAMES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "tools").glob("*.yaml"))
MISSING_ID = "18cffffffffffff0"


def every_tool_call(box: Any, *, missing: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """One invocation of each of the 17 tools against ``box`` (filled here: messages with
    attachments, three drafts). ``missing=True`` points every ID at nothing."""
    ids = fill(box, 6, tag="every", attachment_every=2)
    drafts = [
        box.create_draft(
            raw_message(90 + i, to="friend@example.com", sender=box.email, subject=f"draft {i}")
        ).id
        for i in range(3)
    ]
    if missing:
        ids, drafts = [MISSING_ID] * 6, ["r-4242424242424242424"] * 3
    calls: list[tuple[str, dict[str, Any]]] = [
        ("search_messages", {"query": "", "max_results": 10}),
        ("get_message", {"message_id": ids[0], "download_attachments": True}),
        ("get_thread", {"thread_id": ids[1]}),
        ("download_attachment", {"message_id": ids[2]}),
        ("list_labels", {}),
        ("send_message", {"to": "a@example.com", "subject": "every tool", "body": "**hi**"}),
        ("reply_to_message", {"message_id": ids[3], "body": "ok", "reply_all": True}),
        ("forward_message", {"message_id": ids[4], "to": "b@example.com", "note": "fyi"}),
        ("create_draft", {"to": "c@example.com", "subject": "new draft", "body": "x"}),
        ("update_draft", {"draft_id": drafts[0], "subject": "changed"}),
        ("list_drafts", {}),
        ("send_draft", {"draft_id": drafts[1]}),
        ("delete_draft", {"draft_id": drafts[2]}),
        ("modify_messages", {"message_ids": ids[5], "star": True, "mark_read": True}),
        ("trash_messages", {"message_ids": ids[4]}),
        ("untrash_messages", {"message_ids": ids[4]}),
        ("create_label", {"name": "Every/Tool", "background_color": "#4a86e8",
                          "text_color": "#ffffff"}),
    ]  # fmt: skip
    assert sorted(name for name, _ in calls) == TOOL_NAMES, "a tool is missing here"
    return calls


# -- invoking tools ---------------------------------------------------------------------
def tool_class(name: str) -> type[dify.GmailTool]:
    module = importlib.import_module(f"tools.{name}")
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, dify.GmailTool)
            and value is not dify.GmailTool
        ):
            return value
    raise LookupError(name)


@dataclass
class Run:
    texts: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    blobs: list[tuple[bytes, dict[str, Any]]] = field(default_factory=list)


def invoke(name: str, params: dict[str, Any], credentials: dict[str, Any] | str = "tok-1") -> Run:
    """Run a tool to completion; a failure propagates as the SDK would see it."""
    creds = {"access_token": credentials} if isinstance(credentials, str) else credentials
    known_secret(creds.get("access_token"), creds.get("refresh_token"))
    tool = tool_class(name).from_credentials(dict(creds))
    run = Run()
    for msg in tool.invoke(dict(params)):
        record(msg, run)
    return run


def record(msg: ToolInvokeMessage, run: Run) -> None:
    kind = msg.type
    inner: Any = msg.message
    if kind == ToolInvokeMessage.MessageType.TEXT:
        run.texts.append(inner.text)
    elif kind == ToolInvokeMessage.MessageType.VARIABLE:
        run.variables[inner.variable_name] = inner.variable_value
    elif kind == ToolInvokeMessage.MessageType.BLOB:
        run.blobs.append((inner.blob, dict(msg.meta or {})))


def failure(name: str, params: dict[str, Any], credentials: dict[str, Any] | str = "tok-1") -> str:
    """The message of the ToolFailure a tool raises (fails the test if it succeeds)."""
    with pytest.raises(dify.ToolFailure) as info:
        invoke(name, params, credentials)
    return str(info.value)


def says_temporary(text: str) -> bool:
    low = text.lower()
    return any(w in low for w in TEMPORARY_WORDS)


# -- speed knobs ----------------------------------------------------------------------
def fast_retries(
    monkeypatch: pytest.MonkeyPatch, *, read_timeout: float | None = None, hint_cap: float = 0.02
) -> None:
    """Shorten every retry wait; Retry-After hints are capped at ``hint_cap`` seconds."""
    monkeypatch.setattr(transport, "BACKOFF_BASE", 0.002)
    monkeypatch.setattr(transport, "BACKOFF_CAP", 0.02)
    monkeypatch.setattr(transport, "MAX_HINT", hint_cap)
    monkeypatch.setattr(sending, "LOOKUP_PAUSE", 0.3)
    monkeypatch.setattr(
        sending, "LOOKUP_WINDOW", 1.5
    )  # how long a send of unknown outcome is looked for
    if read_timeout is not None:
        monkeypatch.setattr(transport, "READ_TIMEOUT", read_timeout)


@contextmanager
def cpu_hog(at_most: float = 5.0) -> Iterator[Callable[[], None]]:
    """``spin()`` holds a CPU (and competes for the GIL) until the with-block ends, or for
    ``at_most`` seconds: a read nobody has thought of that, unlike a spin of fixed length,
    does not run on into the tests after this one."""
    over = monkey.get_original("threading", "Event")()  # set from the test's thread

    def spin() -> None:
        end = time.perf_counter() + at_most
        while not over.is_set() and time.perf_counter() < end:
            pass

    try:
        yield spin
    finally:
        over.set()


def use_fake(monkeypatch: pytest.MonkeyPatch, fake: Any, budget: float | None = None) -> None:
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    # The FileServer below stands in for Dify's file service on loopback: allowed explicitly.
    monkeypatch.setenv("GMAIL_DIFY_FILE_HOSTS", "127.0.0.1")
    if budget is not None:
        monkeypatch.setenv("GMAIL_TIME_BUDGET_SECONDS", str(budget))


# -- a stand-in for Dify's file service ----------------------------------------------------
class FileServer:
    """Serves ``files[path] = bytes``; anything else is 404 (an expired signed link)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        # path -> (seconds before answering, seconds between 4 KB pieces): a slow file service
        self.slow: dict[str, tuple[float, float]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                outer.requests.append(self.path)
                data = outer.files.get(self.path.split("?")[0])
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not found")
                    return
                before, between = outer.slow.get(self.path.split("?")[0], (0.0, 0.0))
                time.sleep(before)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    for start in range(0, len(data), 4096 if between else len(data) or 1):
                        self.wfile.write(data[start : start + (4096 if between else len(data))])
                        self.wfile.flush()
                        time.sleep(between)
                except OSError:
                    pass  # the client gave up

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def file_param(
        self, path: str, data: bytes | None, *, filename: str | None = "a.pdf", size: Any = "len"
    ) -> dict[str, Any]:
        """A Dify file parameter as the daemon sends it; ``data=None`` = a dead link."""
        if data is not None:
            self.files[path] = data
        return {
            "dify_model_identity": "__dify__file__",
            "url": self.base + path,
            "mime_type": "application/pdf",
            "type": "document",
            "filename": filename,
            "extension": ".pdf",
            "size": len(data or b"") if size == "len" else size,
        }

    def start(self) -> FileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def file_server() -> Iterator[FileServer]:
    server = FileServer().start()
    try:
        yield server
    finally:
        server.stop()
