"""update_draft reads the draft like every message — bounded, off the event loop, body parts
sent apart fetched — and refuses to rewrite one it could not read whole: the new draft would
silently lose its files, a header or its body. Tools run in-process against the fake."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.fakegoogle.mailbox import Mailbox
from gmail_core import compose, offload, reading
from gmail_core.errors import GmailError
from gmail_core.message import Message
from tests.reliability import cpu_hog, failure, fast_retries, invoke, use_fake

TOKEN = "tok-draft-whole"


@pytest.fixture
def box(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with FakeGoogle(seed=58) as fake:
        mailbox = fake.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
        use_fake(monkeypatch, fake, budget=60)
        fast_retries(monkeypatch)
        yield mailbox


def _draft(box: Mailbox, pdf_bytes: int = 1_000) -> str:
    m = EmailMessage()
    m["From"] = "me@example.com"
    m["To"] = "bob@example.com"
    m["Subject"] = "Quote"
    m.set_content("Please find the quote attached.")
    pdf = b"%PDF-1.4 " + bytes(pdf_bytes)
    m.add_attachment(pdf, maintype="application", subtype="pdf", filename="quote.pdf")
    return box.create_draft(m.as_bytes()).id


def _stored(box: Mailbox, draft_id: str) -> bytes:
    return box.messages[box.drafts[draft_id].message_id].raw


def test_a_draft_whose_parts_could_not_be_read_keeps_its_files(
    box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parser failure left ``attachments`` empty: the update deleted the draft's files."""
    draft_id = _draft(box)
    before = _stored(box, draft_id)

    def broken(*_: Any, **__: Any) -> Any:
        raise RecursionError  # a parser bug nobody has met yet

    monkeypatch.setattr(reading, "_collect", broken)
    message = failure("update_draft", {"draft_id": draft_id, "subject": "Quote v2"}, TOKEN)
    assert message.startswith(
        f"Draft {draft_id} could not be read completely: Could not read this message's body. "
        "Updating it would lose what could not be read, such as its attachments, so nothing "
        "was changed."
    )
    assert _stored(box, draft_id) == before


def test_a_draft_is_read_within_the_time_limit_and_not_rewritten_past_it(
    box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It was parsed in the event loop's thread, without a limit: a slow draft held every
    other call of the process, and its update went ahead on whatever the parse gave."""
    draft_id = _draft(box, pdf_bytes=offload.INLINE_BELOW)  # large enough for a reading thread
    before = _stored(box, draft_id)
    real_parse = reading.parse_message

    with cpu_hog() as spin:  # 5 s unless given up

        def slow_parse(*args: Any, **kwargs: Any) -> Any:
            spin()
            return real_parse(*args, **kwargs)

        monkeypatch.setattr(reading, "parse_message", slow_parse)
        monkeypatch.setattr(offload, "READ_SECONDS", 0.2)
        started = time.perf_counter()
        message = failure("update_draft", {"draft_id": draft_id, "subject": "Quote v2"}, TOKEN)
        assert time.perf_counter() - started < 1.5
    assert "Reading this message took longer than 0.2 s" in message and "nothing" in message
    assert _stored(box, draft_id) == before


def test_a_draft_read_whole_is_updated_with_its_files(box: Mailbox) -> None:
    draft_id = _draft(box)
    invoke("update_draft", {"draft_id": draft_id, "subject": "Quote v2"}, TOKEN)
    assert b"Subject: Quote v2" in _stored(box, draft_id)
    assert b'filename="quote.pdf"' in _stored(box, draft_id)


def test_only_notes_about_converting_html_allow_a_rewrite() -> None:
    html_note = "Its HTML is 2,000,000 characters long: only the first 1,000,000 are converted."
    compose._check_read_whole("r-1", Message("m", "t", notes=(html_note,)))  # the HTML is whole
    with pytest.raises(GmailError, match="could not be read completely: The To header lists"):
        compose._check_read_whole(
            "r-1",
            Message(
                "m",
                "t",
                notes=("The To header lists 2,001 addresses: only the first 2,000 are shown.",),
            ),
        )
