"""Large transfers of concurrent invocations queue for the process's transfer budget: the
second download or send starts its memory-heavy part only when the first is over, and both
succeed (queue, don't fail). Tools run in-process, concurrently, against the fake Gmail."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from gmail_core import dify, messages, transfers
from gmail_core.client import GmailClient
from tests.reliability import FileServer, fast_retries, invoke, use_fake

MiB = transfers.MiB
TOKENS = ("tok-budget-a", "tok-budget-b")  # two users: the fake serves one mailbox at a time


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=41, rtt_ms=50) as server:
        for token in TOKENS:
            server.add_mailbox(token, "me@example.com", {GMAIL_MODIFY})
        use_fake(monkeypatch, server, budget=60)
        fast_retries(monkeypatch)
        # 2 MiB files, a 3 MiB budget: one at a time, as 25 MB files with the real budget.
        monkeypatch.setattr(transfers, "BUDGET", 3 * MiB)
        yield server


class Timeline:
    def __init__(self) -> None:
        self.events: list[tuple[float, str, str]] = []
        self.lock = threading.Lock()

    def mark(self, who: str, what: str) -> None:
        with self.lock:
            self.events.append((time.monotonic(), who, what))

    def first(self, who: str, what: str) -> float:
        return min(t for t, w, e in self.events if w == who and e == what)

    def last(self, who: str, what: str) -> float:
        return max(t for t, w, e in self.events if w == who and e == what)


def run_both(calls: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    results: list[Any] = [None, None]

    def run(i: int) -> None:
        tool, token, params = calls[i]
        try:
            results[i] = invoke(tool, params, token)
        except Exception as exc:  # reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_large_downloads_take_turns_and_both_succeed(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeline = Timeline()
    ids = []
    for i, token in enumerate(TOKENS):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@example.com", "me@example.com", f"scan {i}"
        m.set_content("attached")
        m.add_attachment(bytes([i]) * 2 * MiB, maintype="application", subtype="pdf",
                         filename=f"scan-{i}.pdf")  # fmt: skip
        ids.append(fake.mailbox_for_token(token).add_message(m.as_bytes()))  # type: ignore[union-attr]

    real_get = GmailClient.get_raw  # attachments come raw (messages.attachment_bytes)

    def get(self: GmailClient, path: str, *args: Any, **kwargs: Any) -> Any:
        who = self._auth["Authorization"][-1]  # "a" or "b"
        if "/attachments/" in path:
            timeline.mark(who, "fetch")
        return real_get(self, path, *args, **kwargs)

    real_iter = messages.iter_attachments

    def iter_attachments(client: GmailClient, *args: Any, **kwargs: Any) -> Any:
        who = client._auth["Authorization"][-1]
        for item in real_iter(client, *args, **kwargs):
            yield item
            timeline.mark(who, "handed over")  # the tool's blob went to Dify

    monkeypatch.setattr(GmailClient, "get_raw", get)
    monkeypatch.setattr(messages, "iter_attachments", iter_attachments)
    results = run_both(
        [("download_attachment", t, {"message_id": i}) for t, i in zip(TOKENS, ids, strict=True)]
    )
    for i, result in enumerate(results):
        assert not isinstance(result, Exception), result
        assert result.blobs[0][0] == bytes([i]) * 2 * MiB
    a_first = timeline.first("a", "fetch") < timeline.first("b", "fetch")
    one, two = ("a", "b") if a_first else ("b", "a")
    assert timeline.first(two, "fetch") >= timeline.last(one, "handed over")
    assert transfers.in_flight() == 0


def test_two_large_sends_take_turns_and_both_succeed(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeline = Timeline()
    real_download = dify._download
    real_upload = GmailClient.upload

    def download(f: Any, name: str) -> bytes:
        timeline.mark(name, "download")
        return real_download(f, name)

    def upload(self: GmailClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return real_upload(self, *args, **kwargs)
        finally:
            timeline.mark("a.pdf" if self._auth["Authorization"].endswith("a") else "b.pdf", "sent")

    monkeypatch.setattr(dify, "_download", download)
    monkeypatch.setattr(GmailClient, "upload", upload)
    server = FileServer().start()
    try:
        calls = []
        for token, name in zip(TOKENS, ("a.pdf", "b.pdf"), strict=True):
            param = server.file_param(f"/files/{name}", name.encode() * MiB, filename=name)
            calls.append(("send_message", token, {"to": "x@example.com", "attachments": [param]}))
        results = run_both(calls)
    finally:
        server.stop()
    for result in results:
        assert not isinstance(result, Exception), result
    for token in TOKENS:
        assert len(fake.mailbox_for_token(token).sent) == 1  # type: ignore[union-attr]
    a_first = timeline.first("a.pdf", "download") < timeline.first("b.pdf", "download")
    one, two = ("a.pdf", "b.pdf") if a_first else ("b.pdf", "a.pdf")
    assert timeline.first(two, "download") >= timeline.last(one, "sent")
    assert transfers.in_flight() == 0
