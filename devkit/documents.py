"""Attachment files built in memory for tests and benchmarks: PDF, DOCX, XLSX, and hostile ones.

Nothing is downloaded: PDFs are written object by object (a text layer in the standard
Helvetica font, or only an image as a scanner makes them), DOCX and XLSX with python-docx and
openpyxl, and the hostile files (encrypted, corrupt, zip bomb) from those.
"""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from collections.abc import Sequence

_PDF_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<<" + dictionary + b" /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


def pdf(
    pages: Sequence[str | None],
    *,
    image_bytes: int = 0,
    seed: int = 1,
) -> bytes:
    """A PDF with one page per item: its text as a text layer (one line per ``\\n``), or,
    for ``None``, a page that is only an image (a scan). ``image_bytes`` adds an
    incompressible image of that size to every page, as scanned or illustrated PDFs carry."""
    rng = random.Random(seed)
    objects: dict[int, bytes] = {
        1: b"<</Type /Catalog /Pages 2 0 R>>",
        3: b"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>",
    }
    kids: list[int] = []
    number = 4
    for text in pages:
        page, content, image = number, number + 1, number + 2
        number += 3
        kids.append(page)
        draw = b""
        resources = b"/Font <</F1 3 0 R>>"
        if text is None or image_bytes:
            size = image_bytes or 64 * 64
            side = max(1, int(size**0.5))
            if image_bytes:  # JPEG-like bytes: never decoded to find text
                data, filters = rng.randbytes(size), b"/Filter /DCTDecode"
            else:
                data, filters = zlib.compress(rng.randbytes(side * side)), b"/Filter /FlateDecode"
            objects[image] = _stream(
                b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 %s" % (side, side, filters),
                data,
            )
            resources += b" /XObject <</Im1 %d 0 R>>" % image
            draw += b"q 480 0 0 680 60 80 cm /Im1 Do Q\n"
        if text is not None:
            lines = [_pdf_string(line) + b" Tj T*" for line in text.split("\n")]
            draw += b"BT /F1 11 Tf 14 TL 60 780 Td\n" + b"\n".join(lines) + b"\nET"
        objects[content] = _stream(b"/Filter /FlateDecode", zlib.compress(draw))
        objects[page] = (
            b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources <<%s>>>>" % (content, resources)
        )
    return _write_pdf(objects, kids)


def pdf_drawn(pages: Sequence[bytes], *, form: bytes | None = None) -> bytes:
    """A PDF whose pages hold the given drawing instructions as they are (Helvetica is
    ``/F1``), compressed: a few kilobytes can inflate to megabytes of operators. ``form``
    is the content of a form XObject each page may draw with ``/Fm1 Do``, as many times as
    it likes (its text shown again each time)."""
    objects: dict[int, bytes] = {
        1: b"<</Type /Catalog /Pages 2 0 R>>",
        3: b"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>",
    }
    resources = b"/Font <</F1 3 0 R>>"
    if form is not None:
        objects[4] = _stream(
            b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources <</Font <</F1 3 0 R>>>>"
            b" /Filter /FlateDecode",
            zlib.compress(form, 9),
        )
        resources += b" /XObject <</Fm1 4 0 R>>"
    kids: list[int] = []
    for number, content in enumerate(pages):
        page = 5 + 2 * number
        kids.append(page)
        objects[page + 1] = _stream(b"/Filter /FlateDecode", zlib.compress(content, 9))
        objects[page] = (
            b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources <<%s>>>>" % (page + 1, resources)
        )
    return _write_pdf(objects, kids)


def _write_pdf(objects: dict[int, bytes], kids: list[int]) -> bytes:
    objects[2] = b"<</Type /Pages /Count %d /Kids [%s]>>" % (
        len(kids),
        b" ".join(b"%d 0 R" % kid for kid in kids),
    )
    out = io.BytesIO()
    out.write(_PDF_HEADER)
    offsets: dict[int, int] = {}
    for key in sorted(objects):
        offsets[key] = out.tell()
        out.write(b"%d 0 obj\n" % key + objects[key] + b"\nendobj\n")
    size = max(objects) + 1
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for key in range(1, size):
        if key in offsets:
            out.write(b"%010d 00000 n \n" % offsets[key])
        else:
            out.write(b"0000000000 65535 f \n")
    out.write(b"trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


def encrypted_pdf(
    pages: Sequence[str | None],
    *,
    user_password: str = "secret",  # noqa: S107 - a test file's password
) -> bytes:
    """The same PDF protected with RC4-128 (no ``cryptography`` needed to write or read it).
    An empty ``user_password`` makes the kind that opens without a password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(pages))))
    writer.encrypt(user_password, owner_password="owner-only", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def big_pdf(size: int, *, chars_per_page: int = 2_000, seed: int = 7) -> bytes:
    """A PDF of about ``size`` bytes: pages of prose, each with an embedded photo-sized image."""
    rng = random.Random(seed)
    words = ["invoice", "total", "amount", "due", "net", "payment", "terms", "order", "price"]
    image = 140 * 1024
    pages = []
    for page in range(max(1, size // (image + 1_200))):
        text = " ".join(rng.choice(words) for _ in range(chars_per_page // 7))
        lines = [f"Page {page + 1}"] + [text[i : i + 90] for i in range(0, len(text), 90)]
        pages.append("\n".join(lines))
    return pdf(pages, image_bytes=image, seed=seed)


def docx(
    *,
    heading: str = "Contract",
    paragraphs: Sequence[str] = (),
    bullets: Sequence[str] = (),
    table: Sequence[Sequence[str]] = (),
) -> bytes:
    """A Word document with a heading, paragraphs, a bulleted list and a table."""
    from docx import Document

    document = Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    for text in bullets:
        document.add_paragraph(text, style="List Bullet")
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    """A workbook with one worksheet per entry, rows as given."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb_docx(unpacked_mb: int = 300) -> bytes:
    """A real DOCX plus one member of ``unpacked_mb`` MiB of zeros (about 0.1 % of that
    compressed): small to mail, enormous to unpack. Written in chunks, never held whole."""
    base = zipfile.ZipFile(io.BytesIO(docx(paragraphs=["Nothing to see."])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in base.infolist():
            bomb.writestr(info, base.read(info))
        chunk = bytes(1024 * 1024)
        with bomb.open("word/media/padding.bin", "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(chunk)
    return out.getvalue()


def corrupt(data: bytes) -> bytes:
    """The first half of the file, as a download cut short leaves it: the type still sniffs
    right, but the structure its reader needs (a PDF's xref, a zip's directory) is gone."""
    return data[: len(data) // 2]
