"""The text of an attachment, for an agent: bytes + MIME type + filename -> ``Extracted``.

Pure functions, one per format: PDF (its text layer, pypdf), Word .docx (python-docx), Excel
.xlsx (openpyxl, read-only and streamed), CSV/TSV (``csv``), plain text and HTML (the mail
reader's own charset rules and HTML-to-Markdown), and attached e-mails (the mail reader).
Structure becomes Markdown where it helps: headings, list items, tables.

Attachments are hostile input. Every limit below is a named constant; a file that hits one
gives less text and a note saying so, and a file that cannot be read at all (encrypted,
damaged, a zip bomb, a scan without a text layer, a format without a reader) gives only a
note: ``text_of`` never raises for what is in the file. Work is checked against the file's
time budget between pages, paragraphs and rows, and text stops growing at its character
budget, so neither a huge nor a slow file holds a call for long.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from datetime import time as clock
from typing import TYPE_CHECKING

from gmail_core.charsets import decode_text
from gmail_core.html import converted_length, html_to_markdown
from gmail_core.reading import body_for, parse_rfc822

if TYPE_CHECKING:  # the readers are imported when a file needs them, not at plugin start
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from pypdf import PageObject

# pypdf logs each repair it makes to a damaged file, quoting the file's bytes: mail content,
# which must not reach the plugin's logs (PRIVACY.md). Its exceptions still reach ``text_of``.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)

MiB = 1024 * 1024

# -- Limits --------------------------------------------------------------------------------
#: Bytes read per attachment: Gmail's own limit for one attachment. Larger ones (mail from
#: other servers can carry them) are not downloaded for their text.
MAX_FILE_BYTES = 25 * MiB
#: Characters of text per attachment, by default (``max_attachment_chars`` changes it) — a
#: 10-page contract; more would crowd out the rest of an agent's context.
DEFAULT_CHARS_PER_FILE = 20_000
#: Characters of attachment text per call, all attachments together, and so the highest
#: ``max_attachment_chars``: ~15,000 tokens, and far below the daemon's 5 MB line limit.
MAX_CHARS_PER_CALL = 60_000
#: Attachments read per call (a long thread can carry dozens).
MAX_FILES_PER_CALL = 20
#: Seconds of extraction per file, checked between pages, paragraphs and rows.
SECONDS_PER_FILE = 10.0
#: PDF pages read per file (a scan without text would otherwise be walked to the end).
MAX_PDF_PAGES = 500
#: Pages a PDF may have at all: pypdf lists every page before it gives the first (a
#: hostile 60,000-page file took 8 s), and 10,000 take ~1 s.
MAX_PDF_PAGE_COUNT = 10_000
#: Rows per sheet or CSV file, columns per row, sheets per workbook, characters per cell.
MAX_ROWS = 500
MAX_COLUMNS = 50
MAX_SHEETS = 20
MAX_CELL_CHARS = 500
#: DOCX and XLSX are zip files. Checked from the zip directory before anything is unpacked:
#: the whole archive (a zip bomb is refused), and each XML member parsed whole (document.xml,
#: sharedStrings.xml), which costs about six times its size in memory.
MAX_UNPACKED_BYTES = 40 * MiB
MAX_XML_MEMBER_BYTES = 8 * MiB
MAX_ZIP_MEMBERS = 2_000
#: Bytes of a text or CSV file decoded: far more than the text budget needs.
MAX_MARKUP_BYTES = 2 * MiB
#: Bytes of an HTML file converted: HTML is parsed whole (~40x its size in memory, ~1 s per
#: 400 KB), and 20,000 characters of text rarely take more markup than this.
MAX_HTML_BYTES = 512 * 1024
#: Bytes of an attached e-mail parsed (its text comes first; big attachments follow).
MAX_EMAIL_BYTES = 5 * MiB
#: Bytes any one PDF stream may inflate to (pypdf's own default is 75 MB).
MAX_PDF_STREAM_BYTES = 16 * MiB
#: Bytes of drawing instructions a PDF page may have for its text to be read. pypdf parses a
#: page's whole content before its first character, and lays its text out in time quadratic
#: in the text (a 5 kB PDF whose page inflates to 2 MB of text operators took 9 s, 4 MB
#: 22 s); 512 KB take under a second here, and pages of text hold 5-100 KB.
MAX_PDF_PAGE_CONTENT_BYTES = 512 * 1024
#: Tokens pypdf parses per content stream (its own default is 2,000,000: ~5 s): bounds each
#: form XObject a page draws, which the page's own size does not count.
MAX_PDF_STREAM_TOKENS = 200_000
#: Seconds of text extraction per PDF page, checked at every drawing operator (form
#: XObjects included: one 20 KB form drawn 2,000 times took 117 s).
PDF_PAGE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Extracted:
    """What an agent learns from one attachment."""

    #: the format read: pdf, docx, xlsx, csv, tsv, text, html, email; "" = none read
    kind: str
    text: str = ""
    pages: int = 0  # pages in a PDF (all of them, not only those read)
    sheets: tuple[str, ...] = ()  # worksheet names of a workbook
    truncated: bool = False  # the file has more text than ``text`` holds
    note: str = ""  # the plugin's words: why there is less text, or none


@dataclass
class Allowance:
    """What one call may spend on the text of attachments: characters per file, characters
    and files for all attachments together. (Its time is the invocation's deadline.)"""

    chars_per_file: int = DEFAULT_CHARS_PER_FILE
    chars_per_call: int = MAX_CHARS_PER_CALL
    files_per_call: int = MAX_FILES_PER_CALL
    chars_used: int = 0
    files_used: int = 0

    def chars_for_next_file(self) -> int:
        return min(self.chars_per_file, self.chars_per_call - self.chars_used)

    def spend(self, found: Extracted) -> None:
        self.files_used += 1
        self.chars_used += len(found.text)

    def spent(self) -> str:
        """Why nothing more can be read in this call ("" while something can)."""
        if self.files_used >= self.files_per_call:
            return f"this call already read {self.files_per_call} attachments"
        if self.chars_for_next_file() < 100:  # less would show a first line and call it read
            return (
                f"this call already returned {self.chars_per_call:,} characters of attachment text"
            )
        return ""


KIND_NAMES = {
    "pdf": "PDF",
    "docx": "Word document",
    "xlsx": "Excel workbook",
    "csv": "CSV file",
    "tsv": "TSV file",
    "text": "text file",
    "html": "HTML file",
    "email": "e-mail",
}

_BY_EXTENSION = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "csv": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "eml": "email",
    "txt": "text",
    "text": "text",
    "md": "text",
    "markdown": "text",
    "log": "text",
    "json": "text",
    "xml": "text",
    "yaml": "text",
    "yml": "text",
    "ics": "text",
    "vcf": "text",
}
_BY_TYPE = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    "text/csv": "csv",
    "application/csv": "csv",
    "text/comma-separated-values": "csv",
    "text/tab-separated-values": "tsv",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "message/rfc822": "email",
    "application/json": "text",
    "application/xml": "text",
}
# What people send that has no reader here, and what to tell them about it.
_NOT_READ = {
    "application/msword": "the old binary Word format; .docx files are read",
    "doc": "the old binary Word format; .docx files are read",
    "application/vnd.ms-excel": "the old binary Excel format; .xlsx files are read",
    "xls": "the old binary Excel format; .xlsx files are read",
    "image/": "images are not read as text: no OCR",
    "application/zip": "archives are not opened",
    "zip": "archives are not opened",
}


def kind_of(mime_type: str, filename: str) -> str:
    """The reader for a file, from its name's extension first (mail clients often send a PDF
    as application/octet-stream, or a CSV as application/vnd.ms-excel), then its type;
    "" when there is none."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    mime = mime_type.split(";", 1)[0].strip().lower()
    if extension in _BY_EXTENSION:
        return _BY_EXTENSION[extension]
    if mime in _BY_TYPE:
        return _BY_TYPE[mime]
    return "text" if mime.startswith("text/") else ""


def not_readable(mime_type: str, filename: str) -> Extracted:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    mime = mime_type.split(";", 1)[0].strip().lower() or "application/octet-stream"
    why = (
        _NOT_READ.get(mime)
        or _NOT_READ.get(extension)
        or _NOT_READ.get(mime.split("/", 1)[0] + "/")
    )
    return Extracted("", note=f"Not extractable: {mime}" + (f" ({why})." if why else "."))


def too_large(size: int) -> Extracted:
    return Extracted(
        "",
        note=f"Not read: {size / MiB:.1f} MB is more than the {MAX_FILE_BYTES // MiB} MB "
        "read per attachment.",
    )


def text_of(
    data: bytes,
    mime_type: str,
    filename: str,
    *,
    max_chars: int = DEFAULT_CHARS_PER_FILE,
    seconds: float = SECONDS_PER_FILE,
) -> Extracted:
    """The text of one attachment, within ``max_chars`` characters and ``seconds`` of work."""
    kind = kind_of(mime_type, filename)
    if not kind:
        return not_readable(mime_type, filename)
    if len(data) > MAX_FILE_BYTES:
        return too_large(len(data))
    text = _Text(max_chars, seconds)
    try:
        found = _READERS[kind](data, text, kind)
    except Exception as exc:  # noqa: BLE001 - hostile bytes make parsers raise anything; the file gets a note
        # The note names the exception's type, never its message (which may quote the file);
        # the caller logs it: this runs in a reading thread, where logging must not happen.
        return Extracted(kind, note=f"Could not read this {KIND_NAMES[kind]}: {_damaged(exc)}")
    if not found.text.strip() and not found.note:
        return replace(found, text="", note=f"This {KIND_NAMES[kind]} holds no text.")
    return found


def _damaged(exc: Exception) -> str:
    if isinstance(exc, zipfile.BadZipFile | zipfile.LargeZipFile):
        return "the file is damaged or not really this format."
    return f"the file is damaged or not really this format ({type(exc).__name__})."


# -- the text budget -------------------------------------------------------------------------


@dataclass
class _Text:
    """Text gathered piece by piece until the character budget or the time budget runs out."""

    max_chars: int
    seconds: float
    pieces: list[str] = field(default_factory=list)
    used: int = 0
    full: bool = False  # the character budget is spent: nothing more fits
    started: float = field(default_factory=time.monotonic)

    def add(self, piece: str) -> bool:
        """Append ``piece`` (cut to fit); False once the budget is spent: stop reading."""
        if self.full:
            return False
        separator = 2 if self.pieces else 0
        room = self.max_chars - self.used - separator
        if len(piece) > room:
            if room > 0:
                self.pieces.append(_cut(piece, room))
            self.full = True
            return False
        self.pieces.append(piece)
        self.used += len(piece) + separator
        return True

    def out_of_time(self) -> bool:
        return time.monotonic() - self.started > self.seconds

    def seconds_left(self) -> float:
        return max(self.seconds - (time.monotonic() - self.started), 0.0)

    def value(self) -> str:
        return "\n\n".join(self.pieces)

    def cut_note(self, where: str = "") -> str:
        """Why the text stops early: the character budget, else the time budget."""
        if self.full:
            more = (
                f"; max_attachment_chars up to {MAX_CHARS_PER_CALL:,} shows more"
                if self.max_chars < MAX_CHARS_PER_CALL
                else ""
            )
            return f"Text cut at {self.max_chars:,} characters{where}{more}."
        return f"Stopped after {self.seconds:g} s of reading{where}."


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, at a line or word break when one is near."""
    cut = text[:limit]
    for stop in ("\n", " "):
        at = cut.rfind(stop)
        if at >= limit * 0.8:
            return cut[:at].rstrip()
    return cut


# -- PDF --------------------------------------------------------------------------------------


def _pdf(data: bytes, text: _Text, kind: str) -> Extracted:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

    with apply_configuration(
        page_tree_maximum_entries=MAX_PDF_PAGE_COUNT,
        zlib_maximum_output_length=MAX_PDF_STREAM_BYTES,
        lzw_maximum_output_length=MAX_PDF_STREAM_BYTES,
        run_length_maximum_output_length=MAX_PDF_STREAM_BYTES,
        array_based_stream_maximum_output_length=MAX_PDF_STREAM_BYTES,
        stream_parsing_work_maximum_count=MAX_PDF_STREAM_TOKENS,
    ):
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                # "Protected" PDFs often need no password to open, only to edit or print.
                opened = bool(reader.decrypt(""))
            except (DependencyError, NotImplementedError):
                # AES needs ``cryptography``, which this plugin does not ship (README).
                return Extracted(
                    kind, note="Encrypted PDF (AES): its text cannot be read by this plugin."
                )
            except FileNotDecryptedError:
                opened = False
            if not opened:
                return Extracted(
                    kind, note="Password-protected PDF: its text cannot be read without it."
                )
        try:
            total = len(reader.pages)
        except LimitReachedError:
            return Extracted(kind, note=f"Not read: it has more than {MAX_PDF_PAGE_COUNT:,} pages.")
        with_text = with_images = failed = read = 0
        skipped: list[int] = []  # pages too costly to read (numbers from 1)
        for index in range(min(total, MAX_PDF_PAGES)):
            if text.out_of_time():
                break
            read += 1
            try:
                page = reader.pages[index]
                page_text = _page_text(page, min(PDF_PAGE_SECONDS, text.seconds_left()))
                if not page_text:
                    with_images += _has_image(page)
                    continue
            except _PageTooCostly:
                skipped.append(index + 1)
                continue
            except Exception:  # noqa: BLE001 - one broken page must not cost the others (counted in the note)
                failed += 1
                continue
            with_text += 1
            if not text.add(f"## Page {index + 1}\n\n{page_text}" if total > 1 else page_text):
                break
    return Extracted(
        kind,
        text.value(),
        pages=total,
        truncated=read < total or text.full or bool(skipped),
        note=" ".join(_pdf_notes(text, total, read, with_text, with_images, failed, skipped)),
    )


class _PageTooCostly(Exception):
    """A PDF page whose text would take too long to read."""


# What may add text to a page: pypdf reads only content that holds one of these.
_TEXT_OPERATOR = re.compile(rb"T[jJ]|Do|['\"]")


def _page_text(page: PageObject, seconds: float) -> str:
    """One page's text, or _PageTooCostly. ``extract_text`` cannot be interrupted, so the
    page's size is checked before it starts, and the time at each operator it draws."""
    from pypdf.errors import LimitReachedError

    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except LimitReachedError:  # its content streams inflate past pypdf's limit: too costly too
        raise _PageTooCostly from None
    if len(data) > MAX_PDF_PAGE_CONTENT_BYTES:
        raise _PageTooCostly
    if not _TEXT_OPERATOR.search(data):
        return ""  # a figure: pypdf skips it too, unless given a visitor (as below)
    stop = time.monotonic() + seconds

    def check_time(*_: object) -> None:
        if time.monotonic() > stop:
            raise _PageTooCostly

    try:
        return str(page.extract_text(visitor_operand_before=check_time)).strip()
    except LimitReachedError:  # MAX_PDF_STREAM_TOKENS in the page (a form over it is skipped)
        raise _PageTooCostly from None


def _has_image(page: PageObject) -> bool:
    """Whether the page draws an image (looked up in its resources, never decoded)."""
    resources = page.get("/Resources")
    objects = resources.get_object().get("/XObject") if resources is not None else None
    if objects is None:
        return False
    return any(
        ref.get_object().get("/Subtype") == "/Image" for ref in objects.get_object().values()
    )


def _pdf_notes(
    text: _Text,
    total: int,
    read: int,
    with_text: int,
    with_images: int,
    failed: int,
    skipped: list[int],
) -> list[str]:
    notes = []
    if read and not with_text:
        if total == 1:
            pages = "this page is"
        elif read == total:
            pages = f"these {total:,} pages are"
        else:
            pages = f"the {read:,} pages read are"
        if with_images and with_images + failed == read:
            notes.append(
                f"No text layer: {pages} only images (a scan?), so there is no text to read "
                "without OCR."
            )
        elif not failed and not skipped:
            notes.append("No text found: the pages are blank, or the file is damaged.")
    if read < total:
        notes.append(
            text.cut_note(f": pages 1–{read:,} of {total:,} read")
            if text.full or text.out_of_time()
            else f"Only the first {MAX_PDF_PAGES:,} of {total:,} pages are read."
        )
    if skipped:
        listed = ", ".join(f"{n:,}" for n in skipped[:10]) + (", …" if len(skipped) > 10 else "")
        which = (
            f"Page {listed} was"
            if len(skipped) == 1
            else f"{len(skipped):,} of {total:,} pages ({listed}) were"
        )
        notes.append(f"{which} not read: too many drawing instructions to read in time.")
    if failed:
        notes.append(f"{failed:,} of {total:,} pages could not be read (damaged).")
    return notes


# -- Office files (zip) --------------------------------------------------------------------------


def _zip_problem(data: bytes, streamed_prefix: str = "") -> str:
    """Why this zip must not be unpacked, from its directory alone ("" = it may be).

    ``zipfile`` never yields more than a member's declared size (a lying member fails its
    CRC check), so the declared sizes bound what unpacking costs. Members under
    ``streamed_prefix`` are read piece by piece and count only towards the total.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        return f"Not read: it holds {len(members):,} files (the limit is {MAX_ZIP_MEMBERS:,})."
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        return (
            f"Not read: it would unpack to {total / MiB:,.0f} MB (the limit is "
            f"{MAX_UNPACKED_BYTES // MiB} MB), as a zip bomb would."
        )
    for m in members:
        parsed_whole = not (streamed_prefix and m.filename.startswith(streamed_prefix))
        if parsed_whole and m.filename.endswith(".xml") and m.file_size > MAX_XML_MEMBER_BYTES:
            return (  # not named: a note is the plugin's words, member names the sender's
                f"Not read: one of its parts is {m.file_size / MiB:,.0f} MB of XML (the "
                f"limit is {MAX_XML_MEMBER_BYTES // MiB} MB)."
            )
    return ""


def _docx(data: bytes, text: _Text, kind: str) -> Extracted:
    problem = _zip_problem(data)
    if problem:
        return Extracted(kind, note=problem)
    from docx import Document
    from docx.table import Table

    document = Document(io.BytesIO(_without_media(data)))
    # Style names by ID, looked up once: python-docx's ``paragraph.style`` searches all the
    # styles again for every paragraph (seconds for a long document).
    styles = {str(style.style_id): str(style.name or "") for style in document.styles}
    done = True
    items: list[str] = []  # consecutive list items: one Markdown list, not one per paragraph
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            piece = _table(_docx_rows(block))
        else:
            piece = _docx_paragraph(block, styles.get(block._p.style or "", ""))
        if piece.startswith("- "):
            items.append(piece)
            piece = ""
        elif piece and items:
            piece = "\n".join(items) + "\n\n" + piece
            items = []
        if (piece and not text.add(piece)) or text.out_of_time():
            done = False
            break
    if done and items:
        done = text.add("\n".join(items))
    return Extracted(kind, text.value(), truncated=not done, note="" if done else text.cut_note())


def _without_media(data: bytes) -> bytes:
    """The DOCX again, stored, with its images and embedded files emptied: python-docx holds
    every part of a package in memory, and a large DOCX is mostly images."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target,
    ):
        for member in source.infolist():
            keep = member.filename.endswith((".xml", ".rels"))
            target.writestr(member.filename, source.read(member) if keep else b"")
    return out.getvalue()


def _docx_paragraph(paragraph: Paragraph, style: str) -> str:
    """One paragraph as a Markdown line: Word's Title and Heading styles become headings, list
    paragraphs (a List style, or numbering) list items."""
    content = " ".join(paragraph.text.split())
    if not content:
        return ""
    if style == "Title":
        return f"# {content}"
    heading = re.fullmatch(r"Heading ([1-6])", style)
    if heading:
        return "#" * int(heading.group(1)) + " " + content
    properties = paragraph._p.pPr
    if style.startswith("List") or (properties is not None and properties.numPr is not None):
        return f"- {content}"
    return content


def _docx_rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells[:MAX_COLUMNS]] for row in table.rows[:MAX_ROWS]]


def _xlsx(data: bytes, text: _Text, kind: str) -> Extracted:
    problem = _zip_problem(data, streamed_prefix="xl/worksheets/")
    if problem:
        return Extracted(kind, note=problem)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = book.worksheets
        names = tuple(str(sheet.title) for sheet in sheets)
        notes: list[str] = []
        stopped = False
        for number, sheet in enumerate(sheets[:MAX_SHEETS], 1):
            rows, more = _rows(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), text, _cell)
            hidden = "" if getattr(sheet, "sheet_state", "visible") == "visible" else " (hidden)"
            table = _table(rows) or "(empty)"
            if not text.add(f"## Sheet: {sheet.title}{hidden}\n\n{table}") or text.out_of_time():
                stopped = True
                break
            if more:
                # By number: a note is the plugin's words; the title (the sender's) is in the text.
                notes.append(f"Sheet {number}: only the first {MAX_ROWS:,} rows are read.")
    finally:
        book.close()
    if len(sheets) > MAX_SHEETS and not stopped:
        notes.append(f"Only the first {MAX_SHEETS} of {len(sheets)} sheets are read.")
    if stopped:
        notes.insert(0, text.cut_note())
    return Extracted(kind, text.value(), sheets=names, truncated=bool(notes), note=" ".join(notes))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == clock() else value.isoformat(" ")
    if isinstance(value, date | clock):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _rows(
    rows: Iterable[Sequence[object]], text: _Text, cell: Callable[[object], str]
) -> tuple[list[list[str]], bool]:
    """Up to ``MAX_ROWS`` non-empty rows as strings, and whether more rows followed."""
    out: list[list[str]] = []
    for row in rows:
        if text.out_of_time():
            return out, True
        values = [cell(value) for value in row[:MAX_COLUMNS]]
        if not any(v.strip() for v in values):
            continue
        if len(out) == MAX_ROWS:
            return out, True
        out.append(values)
    return out, False


def _table(rows: list[list[str]]) -> str:
    """Rows as a Markdown table, the first row as its header; empty trailing columns dropped."""
    width = max((i + 1 for row in rows for i, v in enumerate(row) if v.strip()), default=0)
    if not width:
        return ""
    lines = []
    for index, row in enumerate(rows):
        cells = [_table_cell(v) for v in row[:width]] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + " --- |" * width)
    return "\n".join(lines)


def _table_cell(value: str) -> str:
    value = " ".join(value.split())
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 1] + "…"
    return value.replace("|", "\\|")


# -- text, CSV, HTML ----------------------------------------------------------------------------


def _head(data: bytes, limit: int) -> tuple[bytes, bool]:
    """The first ``limit`` bytes, not ending inside a UTF-8 character (a split one would make
    the whole text look like a legacy charset), and whether anything was left out."""
    if len(data) <= limit:
        return data, False
    cut = data[:limit]
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(cut, final=False)
    except UnicodeDecodeError:
        return cut, True  # not UTF-8: the reader's fallbacks take any cut
    pending = len(decoder.getstate()[0])
    return cut[: len(cut) - pending], True


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I
)


def _decode(data: bytes, charset: str | None = None) -> str:
    """Bytes of a file to text with the mail reader's rules; a BOM names UTF-16/32 (Excel's
    "Unicode text" export), which the reader would otherwise not guess."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            charset = name
            break
    return decode_text(data, charset).replace("\r\n", "\n")


def _plain(data: bytes, text: _Text, kind: str) -> Extracted:
    head, cut = _head(data, MAX_MARKUP_BYTES)
    text.add(_decode(head).strip())
    return Extracted(kind, text.value(), truncated=cut or text.full, note=_cut_note(text, cut))


def _cut_note(text: _Text, cut_bytes: bool) -> str:
    if text.full:
        return text.cut_note()
    if cut_bytes:
        return f"Only the first {_amount(MAX_MARKUP_BYTES)} of the file are read."
    return ""


def _amount(size: int) -> str:
    """A limit in words: whole MB, else KB."""
    return f"{size // MiB} MB" if size % MiB == 0 else f"{size // 1024} KB"


def _html(data: bytes, text: _Text, kind: str) -> Extracted:
    head, cut = _head(data, MAX_HTML_BYTES)
    declared = _META_CHARSET.search(head[:4096])
    markup = _decode(head, declared.group(1).decode("ascii") if declared else None)
    # The converter's own limits (characters, tags) applied here, so that the note is this
    # file's, outside its text, rather than the converter's line about "this message".
    end = converted_length(markup)
    if end < len(markup):
        markup, cut = markup[:end], True
    text.add(html_to_markdown(markup).strip())
    if text.full:
        note = text.cut_note()
    else:
        note = f"Only the first {len(markup):,} characters of the HTML are read." if cut else ""
    return Extracted(kind, text.value(), truncated=cut or text.full, note=note)


def _delimited(data: bytes, text: _Text, kind: str) -> Extracted:
    head, cut = _head(data, MAX_MARKUP_BYTES)
    content = _decode(head)
    if cut and "\n" in content:  # the last line may be cut in half: leave it out
        content = content[: content.rfind("\n") + 1]
    delimiter = "\t" if kind == "tsv" else _csv_delimiter(content)
    rows, more = _rows(csv.reader(io.StringIO(content), delimiter=delimiter), text, str)
    text.add(_table(rows))
    if text.full or text.out_of_time():
        note = text.cut_note()
    elif more or cut:
        note = f"Only the first {len(rows):,} rows are read."
    else:
        note = ""
    return Extracted(kind, text.value(), truncated=bool(note), note=note)


def _csv_delimiter(content: str) -> str:
    """The separator most used on the header line. Hand-written: ``csv.Sniffer``'s regexes
    backtrack badly on some inputs, and exports use one of these four."""
    first = content.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# -- attached e-mails ---------------------------------------------------------------------------


def _email(data: bytes, text: _Text, kind: str) -> Extracted:
    head, cut = _head(data, MAX_EMAIL_BYTES)
    message = parse_rfc822(head)
    lines = [
        f"{name}: {' '.join(value.split())}"
        for name, value in (
            ("From", message.from_),
            ("To", message.to),
            ("Cc", message.cc),
            ("Date", message.date),
            ("Subject", message.subject),
        )
        if value.strip()
    ]
    if message.attachments:
        lines.append(
            "Attachments: "
            + "; ".join(f"{a.filename} ({a.mime_type})" for a in message.attachments)
        )
    text.add("\n".join(lines))
    text.add(body_for(message, "markdown", 0).strip())
    # What the reader could not read in it (a cut header, a part) is this file's news too.
    notes = list(message.notes)
    if text.full:
        notes.append(text.cut_note())
    elif cut:
        notes.append(f"Only the first {_amount(MAX_EMAIL_BYTES)} of the e-mail are read.")
    return Extracted(kind, text.value(), truncated=cut or text.full, note=" ".join(notes))


_READERS: dict[str, Callable[[bytes, _Text, str], Extracted]] = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "csv": _delimited,
    "tsv": _delimited,
    "text": _plain,
    "html": _html,
    "email": _email,
}
