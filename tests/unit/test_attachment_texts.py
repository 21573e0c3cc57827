"""messages.read_attachment_texts: which attachments are fetched, and the call's allowance."""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import Iterator

import pytest
import responses

from devkit import documents
from gmail_core import extract, messages, transfers
from gmail_core.client import GmailClient
from gmail_core.errors import TransientError
from gmail_core.message import Attachment

BASE = "https://gmail.googleapis.com/gmail/v1/users/me/messages/m1/attachments/"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GMAIL_API_BASE_URL", raising=False)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


def served(attachment_id: str, data: bytes) -> None:
    body = {"size": len(data), "data": base64.urlsafe_b64encode(data).decode().rstrip("=")}
    responses.get(BASE + attachment_id, json=body)


def text_file(i: int, size: int = 100) -> Attachment:
    return Attachment(f"notes-{i}.txt", "text/plain", size, str(i), f"ATT{i}")


@responses.activate
def test_files_without_a_reader_too_big_or_parsed_by_gmail_are_never_fetched() -> None:
    attachments = [
        Attachment("photo.jpg", "image/jpeg", 2_000, "1", "ATT1"),
        Attachment("huge.pdf", "application/pdf", 26 * 1024 * 1024, "2", "ATT2"),
        Attachment("fwd.eml", "message/rfc822", 900, "3", None),
        Attachment("small.csv", "text/csv", 8, "4", None, data=b"a,b\n1,2\n"),
        Attachment("empty.pdf", "application/pdf", 0, "5", None),
    ]
    got = messages.read_attachment_texts(GmailClient("tok"), "m1", attachments, extract.Allowance())
    notes = [found.note for _, found in got]
    assert notes[0].startswith("Not extractable: image/jpeg")
    assert notes[1] == "Not read: 26.0 MB is more than the 25 MB read per attachment."
    assert notes[2] == "Shown in the body (a forwarded message)."
    assert got[3][1].text == "| a | b |\n| --- | --- |\n| 1 | 2 |"  # inline data, no request
    assert notes[4] == "Empty file."
    assert len(responses.calls) == 0


@responses.activate
def test_the_calls_characters_are_shared_and_the_rest_is_named_with_how_to_read_it() -> None:
    for i in range(1, 4):
        served(f"ATT{i}", (f"file {i} " * 400).encode())
    allowance = extract.Allowance(chars_per_file=1_500, chars_per_call=2_000)
    got = messages.read_attachment_texts(
        GmailClient("tok"), "m1", [text_file(1), text_file(2), text_file(3)], allowance
    )
    first, second, third = (found for _, found in got)
    assert len(first.text) <= 1_500 and first.truncated
    assert len(second.text) <= 2_000 - len(first.text) and second.truncated
    assert third.text == "" and third.note == (
        "Not read: this call already returned 2,000 characters of attachment text. Read it "
        "alone with download_attachment (message_id m1, attachment 3, attachment_text true)."
    )
    assert len(responses.calls) == 2  # the third file was not fetched


@responses.activate
def test_the_calls_file_count_is_capped() -> None:
    for i in range(1, 4):
        served(f"ATT{i}", b"hello")
    allowance = extract.Allowance(files_per_call=2)
    got = messages.read_attachment_texts(
        GmailClient("tok"), "m1", [text_file(1), text_file(2), text_file(3)], allowance
    )
    assert [found.text for _, found in got] == ["hello", "hello", ""]
    assert got[2][1].note.startswith("Not read: this call already read 2 attachments.")


@responses.activate
def test_a_damaged_file_is_a_note_but_a_failed_download_fails_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    served("ATT1", documents.corrupt(documents.pdf(["SECRET-CONTENT"] * 3)))
    responses.get(BASE + "ATT2", status=503, json={"error": {"code": 503, "message": "x"}})
    pdf = Attachment("a.pdf", "application/pdf", 100, "1", "ATT1")
    got = messages.read_attachment_texts(GmailClient("tok"), "m1", [pdf], extract.Allowance())
    assert got[0][1].note.startswith("Could not read this PDF")
    logged = [r.getMessage() for r in caplog.records if r.name == "gmail_core.messages"]
    assert logged == [f"Attachment not read: {got[0][1].note}"]  # the type, not the content
    assert "SECRET" not in caplog.text
    with pytest.raises(TransientError, match=r"Could not download 'b\.pdf':"):
        messages.read_attachment_texts(
            GmailClient("tok"),
            "m1",
            [Attachment("b.pdf", "application/pdf", 100, "2", "ATT2")],
            extract.Allowance(),
        )


@responses.activate
def test_nothing_is_read_when_the_invocation_is_nearly_out_of_time() -> None:
    client = GmailClient("tok")
    client.deadline.seconds = 5
    got = messages.read_attachment_texts(client, "m1", [text_file(1)], extract.Allowance())
    assert "this call's time budget is used up" in got[0][1].note
    assert len(responses.calls) == 0


DATA = bytes(range(256)) * 3
ENCODED = base64.urlsafe_b64encode(DATA).decode().rstrip("=")


@pytest.mark.parametrize(
    "body",
    [
        f'{{"size": {len(DATA)}, "data": "{ENCODED}"}}',
        f'{{\n  "data": "{ENCODED}",\n  "size": {len(DATA)}\n}}\n',  # pretty-printed
    ],
    ids=["compact", "pretty"],
)
@responses.activate
def test_attachment_bytes_come_from_the_raw_json_in_chunks(
    monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    monkeypatch.setattr(messages, "_BASE64_CHUNK", 8)  # many chunks, a partial one at the end
    responses.get(BASE + "ATT1", body=body, content_type="application/json")
    assert messages.attachment_bytes(GmailClient("tok"), "m1", text_file(1)) == DATA


def test_escaped_or_unexpected_json_still_goes_through_the_json_parser() -> None:
    assert messages._attachment_data(b'{"data": "aGk\\u003d"}', "a") == b"hi"
    assert messages._attachment_data(b'{"size": 0}', "a") == b""
    with pytest.raises(TransientError, match="unreadable"):
        messages._attachment_data(b"<html>proxy error</html>", "a")


@responses.activate
def test_each_file_holds_its_share_of_the_transfer_budget_while_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held: list[int] = []
    real = transfers.large_transfer

    @contextlib.contextmanager
    def recording(nbytes: int, deadline: object) -> Iterator[transfers.Share]:
        with real(nbytes, deadline) as share:  # type: ignore[arg-type]
            held.append(transfers.in_flight())
            yield share
        held.append(-transfers.in_flight())

    monkeypatch.setattr(transfers, "large_transfer", recording)
    served("ATT1", b"one")
    big = Attachment("big.txt", "text/plain", 3 * 1024 * 1024, "1", "ATT1")
    messages.read_attachment_texts(GmailClient("tok"), "m1", [big], extract.Allowance())
    assert held == [3 * 1024 * 1024, 0]  # held while fetched and parsed, then given back


def test_a_small_file_is_parsed_off_the_event_loop_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few kB of compressed PDF or DOCX can take seconds to parse (a 10 kB PDF whose page
    inflates to 6 MB of text operators: ~30 s): a file's size says nothing of its cost, so
    no file is parsed in the event loop's thread, however small."""
    from gevent import monkey

    import gmail_core.dify  # noqa: F401  (the SDK's gevent patch, as in the plugin process)

    assert monkey.is_module_patched("threading")
    native_id = monkey.get_original("threading", "get_native_id")
    parsed_in: list[int] = []

    def text_of(data: bytes, *args: object, **kwargs: object) -> extract.Extracted:
        parsed_in.append(native_id())
        return extract.Extracted("pdf", "text")

    monkeypatch.setattr(extract, "text_of", text_of)
    tiny = Attachment("tiny.pdf", "application/pdf", 3, "1", None, data=b"%PD")
    messages.read_attachment_texts(GmailClient("tok"), "m1", [tiny], extract.Allowance())
    assert parsed_in and parsed_in[0] != native_id()


@responses.activate
def test_download_attachment_of_a_message_that_could_not_be_read_does_not_deny_its_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A message the reader gave up on has no attachments listed: the error says it could
    not be read, not that it has none (the agent would tell the user there is no file)."""
    from gmail_core import reading
    from tests.reliability import failure

    def broken(*args: object) -> object:
        raise RecursionError("a parser bug nobody has met yet")

    monkeypatch.setattr(reading, "_collect", broken)
    payload = {"mimeType": "multipart/mixed", "headers": [], "parts": []}
    responses.get(BASE.removesuffix("/attachments/"), json={"id": "m1", "payload": payload})
    text = failure("download_attachment", {"message_id": "m1"})
    assert "has no attachments" not in text
    assert "Could not read this message's body." in text


@responses.activate
def test_a_message_without_files_whose_header_could_not_be_read_has_no_attachments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gmail_core import reading
    from tests.reliability import failure

    def broken(value: str, label: str, notes: object) -> str:
        raise RecursionError("a parser bug nobody has met yet")

    monkeypatch.setattr(reading, "_address_header", broken)
    payload = {"mimeType": "text/plain", "headers": [{"name": "From", "value": "a@x.io"}]}
    responses.get(BASE.removesuffix("/attachments/"), json={"id": "m1", "payload": payload})
    text = failure("download_attachment", {"message_id": "m1"})
    assert text == "This message has no attachments (inline images are not attachments)."


@responses.activate
def test_an_attachment_with_nothing_to_fetch_is_never_blamed_on_the_caller() -> None:
    """No data and no attachmentId: an empty file is empty; a forwarded message Gmail parsed
    into parts has no file to give (not "'' is not a valid Gmail attachment ID")."""
    from gmail_core.errors import GmailError, InvalidInputError

    client = GmailClient("tok")
    empty = Attachment("empty.txt", "text/plain", 0, "1", None)
    assert messages.attachment_bytes(client, "m1", empty) == b""
    for size in (900, 0):
        forwarded = Attachment("fwd.eml", "message/rfc822", size, "2", None)
        with pytest.raises(GmailError) as info:
            messages.attachment_bytes(client, "m1", forwarded)
        assert not isinstance(info.value, InvalidInputError)
        assert "'fwd.eml'" in str(info.value) and "attachment ID" not in str(info.value)
    assert len(responses.calls) == 0
