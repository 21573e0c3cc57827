"""The text of attachments through the plugin process: every format, the hostile files, a
20 MB PDF, and what each of Dify's consumers reads (devkit.dify_views)."""

from __future__ import annotations

import functools
import re
from email.message import EmailMessage
from typing import Any

import pytest

from devkit import dify_views, documents
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import PluginProcess, SessionResult
from tests.e2e.mail import _headed
from tests.e2e.test_agent_views import ok, output_schema

pytestmark = pytest.mark.e2e

TOKEN = "tok-attachment-text"
CREDS = {"access_token": TOKEN, "refresh_token": "rt", "scope": GMAIL_MODIFY}
NOISE = ("variable_name=", "variable_value=", "stream=False", "{'", "'}")
BIG_PDF_BYTES = 20 * 1024 * 1024


def forwarded() -> bytes:
    inner = _headed("Carol <carol@example.org>", "alice@example.com", "Offer", "<o@example.org>")
    inner.set_content("Our offer: 12 licences for 4,800 EUR.")
    return inner.as_bytes()


# (filename, MIME type, bytes, what the agent must read about it)
File = tuple[str, str, bytes, str]


@functools.cache
def files() -> list[File]:
    """Built once, when a test needs them (the zip bomb takes a second to write)."""
    return [
    ("invoice.pdf", "application/pdf",
     documents.pdf(["Invoice INV-4711\nTotal due: 1,250.00 EUR", "Payment terms: 30 days"]),
     "Total due: 1,250.00 EUR"),
    ("scan.pdf", "application/pdf", documents.pdf([None, None]),
     "No text layer: these 2 pages are only images (a scan?)"),
    ("payslip.pdf", "application/pdf", documents.encrypted_pdf(["Salary 90,000"]),
     "Password-protected PDF: its text cannot be read without it."),
    ("contract.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     documents.docx(heading="Service agreement", bullets=["Term: 12 months"],
                    table=[["Item", "Fee"], ["Support", "200 EUR"]]),
     "# Service agreement\n\n- Term: 12 months\n\n| Item | Fee |\n| --- | --- |\n| Support | 200 EUR |"),
    ("forecast.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     documents.xlsx({"Q4": [["Region", "Revenue"], ["EMEA", 1200]]}),
     "## Sheet: Q4\n\n| Region | Revenue |\n| --- | --- |\n| EMEA | 1200 |"),
    ("people.csv", "text/csv", "name;city\nZoë;Köln\n".encode("cp1252"),
     "| name | city |\n| --- | --- |\n| Zoë | Köln |"),
    ("notes.txt", "text/plain", "Call Priya about the renewal — before Friday.\n".encode(),
     "Call Priya about the renewal — before Friday."),
    ("page.html", "text/html",
     b"<html><body><h2>Agenda</h2><ul><li>Budget</li></ul><script>x()</script></body></html>",
     "## Agenda\n\n- Budget"),
    ("offer.eml", "application/octet-stream", forwarded(),
     "Our offer: 12 licences for 4,800 EUR."),
    ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64),
     "Not extractable: image/png (images are not read as text: no OCR)."),
    ("broken.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     documents.corrupt(documents.docx(paragraphs=["x"])),
     "Could not read this Word document: the file is damaged or not really this format."),
    ("bomb.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     documents.zip_bomb_docx(unpacked_mb=100),
     "Not read: it would unpack to 101 MB (the limit is 40 MB), as a zip bomb would."),
    ]  # fmt: skip


def with_files(subject: str, attached: list[File], **headers: str) -> bytes:
    m = _headed("Alice Chen <alice@example.com>", "me@example.com", subject, f"<{subject}@x>")
    for name, value in headers.items():
        m[name] = value
    m.set_content(f"Files for {subject}.")
    for filename, mime_type, data, _ in attached:
        maintype, subtype = mime_type.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return m.as_bytes()


@pytest.fixture(scope="module")
def ids(fake: FakeGoogle) -> dict[str, str]:
    box = fake.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
    found = {"all": box.add_message(with_files("All formats", files()))}
    first = box.add_message(with_files("Deal", files()[:1]), internal_date_ms=1_790_000_000_000)
    reply = with_files(
        "Re: Deal", files()[3:4], **{"In-Reply-To": "<Deal@x>", "References": "<Deal@x>"}
    )
    box.add_message(reply, internal_date_ms=1_790_000_060_000)
    found["thread"] = first
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "Scanner <scan@example.com>", "me@example.com", "Big"
    m.set_content("The annual report.")
    m.add_attachment(
        documents.big_pdf(BIG_PDF_BYTES), maintype="application", subtype="pdf",
        filename="annual-report.pdf",
    )  # fmt: skip
    found["big"] = box.add_message(m.as_bytes())
    return found


def both_runs(
    plugin: PluginProcess, tool: str, params: dict[str, Any]
) -> tuple[SessionResult, SessionResult]:
    """The call as a workflow (Tool node / Agent node) and as a classic Agent app makes it."""
    workflow = ok(plugin.invoke_tool(tool, params, CREDS, timeout=120))
    app = ok(plugin.invoke_tool(tool, params, CREDS, timeout=120, agent_app=True))
    return workflow, app


def test_get_message_reads_every_format_and_notes_what_it_cannot(
    plugin: PluginProcess, ids: dict[str, str]
) -> None:
    workflow, app = both_runs(
        plugin, "get_message", {"message_id": ids["all"], "attachment_text": True}
    )
    outputs = workflow.tool_node()
    assert dify_views.schema_problems(outputs.variables, output_schema("get_message")) == []
    texts = outputs.variables["attachment_texts"]
    assert [t["filename"] for t in texts] == [f[0] for f in files()]
    # Both agents read the same text, with every attachment's text or note, and no noise.
    assert workflow.agent_node() == outputs.text == app.agent_app()
    view = outputs.text
    for (filename, _, _, expected), found in zip(files(), texts, strict=True):
        assert expected in (found["text"] if found["text"] else found["note"]), filename
        assert expected.replace("\n", " ") in view.replace("\n", " ") or expected in view, filename
        assert f"Filename: {filename}" in view
    assert "attachment names and texts, and bodies are written by the senders" in view
    assert not [n for n in NOISE if n in app.agent_app()]
    kinds = {t["filename"]: (t["kind"], t["pages"], t["sheets"]) for t in texts}
    assert kinds["invoice.pdf"] == ("pdf", 2, []) and kinds["forecast.xlsx"] == ("xlsx", 0, ["Q4"])
    assert kinds["offer.eml"][0] == "email" and kinds["photo.png"][0] == ""
    # Each text sits in its own block, closed by a line only the plugin writes.
    assert view.count("<<<attachment ") == view.count(">>>end of attachment ") == 7


def test_without_the_option_nothing_is_downloaded(
    fake: FakeGoogle, plugin: PluginProcess, ids: dict[str, str]
) -> None:
    fake.stats.reset()
    result = ok(plugin.invoke_tool("get_message", {"message_id": ids["all"]}, CREDS))
    assert result.variables()["attachment_texts"] == []
    assert "<<<attachment" not in result.tool_node().text
    assert fake.stats.http_requests == 1


def test_get_thread_reads_the_attachments_of_each_message(
    plugin: PluginProcess, ids: dict[str, str]
) -> None:
    workflow, app = both_runs(
        plugin, "get_thread", {"thread_id": ids["thread"], "attachment_text": "true"}
    )
    outputs = workflow.tool_node()
    assert dify_views.schema_problems(outputs.variables, output_schema("get_thread")) == []
    first, reply = outputs.variables["messages"]
    assert [t["filename"] for t in first["attachment_texts"]] == ["invoice.pdf"]
    assert [t["filename"] for t in reply["attachment_texts"]] == ["contract.docx"]
    view = workflow.agent_node()
    assert view == app.agent_app()
    assert view.index("[1/2]") < view.index("Total due: 1,250.00 EUR") < view.index("[2/2]")
    assert view.index("[2/2]") < view.index("# Service agreement")


def test_download_attachment_as_text_gives_agents_text_instead_of_a_file(
    plugin: PluginProcess, ids: dict[str, str]
) -> None:
    params = {"message_id": ids["all"], "attachment": "invoice.pdf", "attachment_text": True}
    workflow, app = both_runs(plugin, "download_attachment", params)
    outputs = workflow.tool_node()
    assert outputs.files == [] and app.of_type("blob") == app.of_type("blob_chunk") == []
    assert dify_views.schema_problems(outputs.variables, output_schema("download_attachment")) == []
    (found,) = outputs.variables["attachment_texts"]
    assert (
        found["text"]
        == "## Page 1\n\nInvoice INV-4711\nTotal due: 1,250.00 EUR\n\n## Page 2\n\nPayment terms: 30 days"
    )
    # The Agent node reads it (a file would have failed it: binary_link), as does the Agent app.
    assert workflow.agent_node() == outputs.text == app.agent_app()
    assert outputs.text.startswith(f"Text of 1 attachment of message {ids['all']}.")
    assert "<<<attachment " + ids["all"] + " part " in outputs.text


@pytest.mark.parametrize("index", range(len(files())), ids=lambda i: files()[i][0])
def test_download_attachment_as_text_for_each_format(
    plugin: PluginProcess, ids: dict[str, str], index: int
) -> None:
    filename, _, _, expected = files()[index]
    params = {"message_id": ids["all"], "attachment": filename, "attachment_text": True}
    result = ok(plugin.invoke_tool("download_attachment", params, CREDS))
    (found,) = result.variables()["attachment_texts"]
    assert found["filename"] == filename
    assert expected in (found["text"] or found["note"])
    assert result.agent_node() == result.tool_node().text and expected in result.agent_node()


def test_get_thread_of_one_message_reads_every_format(
    plugin: PluginProcess, ids: dict[str, str]
) -> None:
    params = {"thread_id": ids["all"], "attachment_text": True}
    result = ok(plugin.invoke_tool("get_thread", params, CREDS))
    (message,) = result.variables()["messages"]
    view = result.agent_node()
    for (filename, _, _, expected), found in zip(files(), message["attachment_texts"], strict=True):
        assert found["filename"] == filename and expected in (found["text"] or found["note"])
        assert expected in view, filename


def test_a_20_mb_pdf_gives_its_first_pages_within_the_character_budget(
    plugin: PluginProcess, ids: dict[str, str]
) -> None:
    params = {"message_id": ids["big"], "attachment": "annual-report.pdf", "attachment_text": True}
    result = ok(plugin.invoke_tool("download_attachment", params, CREDS, timeout=120))
    (found,) = result.variables()["attachment_texts"]
    assert found["size"] > 19 * 1024 * 1024 and found["pages"] > 100
    assert 15_000 < len(found["text"]) <= 20_000 and found["truncated"]
    assert re.fullmatch(
        r"Text cut at 20,000 characters: pages 1–\d+ of \d+ read; max_attachment_chars up to "
        r"60,000 shows more\.",
        found["note"],
    )
    assert found["text"].startswith("## Page 1\n\nPage 1\n")
    assert len(result.agent_node()) < 21_000


def test_max_attachment_chars_raises_the_budget_up_to_the_calls_limit(
    plugin: PluginProcess, ids: dict[str, str]
) -> None:
    params = {"message_id": ids["big"], "attachment_text": True, "max_attachment_chars": 60000}
    (found,) = ok(
        plugin.invoke_tool("download_attachment", params, CREDS, timeout=120)
    ).variables()["attachment_texts"]
    assert 55_000 < len(found["text"]) <= 60_000
    too_many = plugin.invoke_tool("get_message", {**params, "max_attachment_chars": 60001}, CREDS)
    assert too_many.error is not None
    assert "'max_attachment_chars' must be between 100 and 60000" in too_many.error["message"]
