"""Memory and time of reading attachments for their text, through the plugin process.

One message per file, each read with ``download_attachment`` and ``attachment_text=true`` as
an agent would: a 20 MB PDF (the issue's figure), a 20 MB scan, a PDF of 5,000 pages, and
for every other format the largest file its limits let through. Per file: the plugin
process's peak RSS above its idle RSS (VmHWM reset through clear_refs and VmRSS sampled
every 10 ms, as ``bench.send_memory`` does), the call's wall time (median of the runs), the
characters returned and the note. Then the hub: while the slowest file is parsed, how long
``list_labels`` calls take in the same process (parsing runs in ``gmail_core.offload``'s
worker thread, so they should not wait for it).
"""

from __future__ import annotations

import argparse
import io
import random
import threading
import time
import zipfile
from collections.abc import Callable
from email.message import EmailMessage

from bench import CREDENTIALS, ME, TOKEN, check, median, start_plugin, stop_plugin, table
from bench.send_memory import Sampler, _reset_hwm, _status_kb, manifest_memory
from devkit import documents
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import PluginProcess

MB = 1024 * 1024
BUDGET_MB = 150  # the budget for a 20 MB PDF: idle + 150 MB
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def big_docx(xml_mb: float, media_mb: float, seed: int = 3) -> bytes:
    """A Word file just inside the zip limits: ``xml_mb`` of paragraphs in document.xml (parsed
    whole by python-docx) and ``media_mb`` of incompressible images."""
    base = zipfile.ZipFile(io.BytesIO(documents.docx(paragraphs=["x"])))
    para = (
        '<w:p><w:r><w:t xml:space="preserve">Clause {i}: the supplier shall deliver the goods.'
        "</w:t></w:r></w:p>"
    )
    body, size, i = [], 0, 0
    while size < xml_mb * MB:
        piece = para.format(i=i)
        body.append(piece)
        size += len(piece)
        i += 1
    xml = base.read("word/document.xml").decode()
    head, tail = xml.split("<w:body>", 1)
    xml = (
        head
        + "<w:body>"
        + "".join(body)
        + tail.split("<w:sectPr", 1)[0]
        + "<w:sectPr"
        + tail.split("<w:sectPr", 1)[1]
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in base.infolist():
            data = xml.encode() if info.filename == "word/document.xml" else base.read(info)
            archive.writestr(info.filename, data)
        archive.writestr(
            "word/media/image1.jpeg", random.Random(seed).randbytes(int(media_mb * MB))
        )
    return out.getvalue()


def big_html(size: int) -> bytes:
    row = (
        "<tr><td>Item {i}</td><td><a href='https://example.com/{i}'>details</a></td>"
        "<td style='color:#333'>{i} EUR</td></tr>"
    )
    rows, total, i = [], 0, 0
    while total < size:
        piece = row.format(i=i)
        rows.append(piece)
        total += len(piece)
        i += 1
    return (
        "<html><body><h1>Price list</h1><table>" + "".join(rows) + "</table></body></html>"
    ).encode()


def big_email(size: int) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "Carol <carol@example.org>", ME[1], "Fwd: data"
    m.set_content("The data set is attached.\n" * 20)
    m.add_attachment(
        random.Random(5).randbytes(size),
        maintype="application",
        subtype="octet-stream",
        filename="data.bin",
    )
    return m.as_bytes()


def big_csv(size: int) -> bytes:
    rng = random.Random(9)
    lines, total, i = [], 0, 0
    while total < size:
        line = f"{i},item {i},{rng.random():.6f},2026-11-{i % 28 + 1:02d}\n"
        lines.append(line)
        total += len(line)
        i += 1
    return ("id,name,price,date\n" + "".join(lines)).encode()


# (label, filename, MIME type, builder of the bytes)
FILES: list[tuple[str, str, str, Callable[[float], bytes]]] = [
    ("PDF, 20 MB (145 pages, text and images)", "report.pdf", "application/pdf",
     lambda s: documents.big_pdf(int(20 * MB * s))),
    ("PDF scan, 20 MB (145 image-only pages)", "scan.pdf", "application/pdf",
     lambda s: documents.pdf([None] * max(1, int(145 * s)), image_bytes=140 * 1024)),
    ("PDF, 5,000 short text pages", "pages.pdf", "application/pdf",
     lambda s: documents.pdf(["A short page of text."] * max(2, int(5_000 * s)))),
    ("DOCX, 7.5 MB of XML + 24 MB image", "contract.docx", DOCX,
     lambda s: big_docx(7.5 * s, 24 * s)),
    ("XLSX, 200,000 rows", "data.xlsx", XLSX,
     lambda s: documents.xlsx({"Data": [[f"row {i}", i * 1.5, f"x{i % 97}"]
                                        for i in range(int(200_000 * s))]})),
    ("CSV, 20 MB", "data.csv", "text/csv", lambda s: big_csv(int(20 * MB * s))),
    ("HTML, 4 MB", "prices.html", "text/html", lambda s: big_html(int(4 * MB * s))),
    ("E-mail (.eml), 14 MB", "forward.eml", "message/rfc822",
     lambda s: big_email(int(10 * MB * s))),
]  # fmt: skip


def _read(plugin: PluginProcess, message_id: str) -> tuple[float, dict[str, object]]:
    params = {"message_id": message_id, "attachment_text": True}
    started = time.perf_counter()
    result = check(
        plugin.invoke_tool("download_attachment", params, CREDENTIALS, timeout=300), "read"
    )
    seconds = time.perf_counter() - started
    return seconds, result.variables()["attachment_texts"][0]


def _measure(plugin: PluginProcess, message_id: str, runs: int) -> dict[str, float | str]:
    """The highest RSS (MiB) while the file is read ``runs`` times, and the median time."""
    pid = plugin.proc.pid
    peaks, seconds, found = [], [], {}
    for _ in range(runs):
        time.sleep(0.2)
        hwm_ok = _reset_hwm(pid)
        with Sampler(pid) as sampler:
            took, found = _read(plugin, message_id)
        hwm = _status_kb(pid, "VmHWM") / 1024 if hwm_ok else 0.0
        peaks.append(max(hwm, sampler.peak_kb / 1024))
        seconds.append(took)
    return {
        "peak": max(peaks),
        "seconds": median(seconds),
        "chars": len(str(found["text"])),
        "note": str(found["note"]) or "-",
    }


def _hub_latency(plugin: PluginProcess, message_id: str) -> tuple[float, float, float, float]:
    """list_labels latencies (median, max, in ms) while ``message_id``'s file is read, the
    same when idle, and the read's own duration."""

    def labels_ms() -> float:
        started = time.perf_counter()
        check(plugin.invoke_tool("list_labels", {}, CREDENTIALS), "list_labels")
        return (time.perf_counter() - started) * 1000

    idle = [labels_ms() for _ in range(10)]
    during: list[float] = []
    done = threading.Event()

    def reader() -> None:
        try:
            _read(plugin, message_id)
        finally:
            done.set()

    started = time.perf_counter()
    threading.Thread(target=reader, daemon=True).start()
    time.sleep(0.05)
    while not done.is_set():
        during.append(labels_ms())
        time.sleep(0.02)
    took = time.perf_counter() - started
    return median(idle), median(during or [0.0]), max(during or [0.0]), took


def _fresh_plugin(fake: FakeGoogle, plain: str) -> tuple[PluginProcess, float]:
    """A new plugin process after one get_message without attachment text: its idle RSS
    (MiB) is the plugin's, before any reader is imported (pypdf, python-docx and openpyxl
    load on first use and stay, so each file's peak includes its reader's import)."""
    plugin = start_plugin(fake)
    check(plugin.invoke_tool("get_message", {"message_id": plain}, CREDENTIALS), "warm-up")
    time.sleep(0.3)
    return plugin, _status_kb(plugin.proc.pid, "VmRSS") / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.attachment_text", description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0, help="file sizes x this (smoke runs: 0.01)")
    ap.add_argument("--runs", type=int, default=3, help="reads per file (time: median)")
    args = ap.parse_args(argv)

    with FakeGoogle(seed=5) as fake:
        box = fake.add_mailbox(TOKEN, ME[1], {GMAIL_MODIFY})
        ids: dict[str, str] = {}
        sizes: dict[str, int] = {}
        for label, filename, mime_type, build in FILES:
            data = build(args.scale)
            sizes[label] = len(data)
            m = EmailMessage()
            m["From"], m["To"], m["Subject"] = "Alice <alice@example.com>", ME[1], label
            m.set_content("Attached.")
            maintype, subtype = mime_type.split("/")
            m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
            ids[label] = box.add_message(m.as_bytes())
        plain = box.add_message(documents_message())

        # Each file in a fresh process: its own peak, nothing left over from another file.
        rows, measured = [], {}
        for label, *_ in FILES:
            plugin, idle = _fresh_plugin(fake, plain)
            try:
                got = measured[label] = _measure(plugin, ids[label], args.runs)
            finally:
                stop_plugin(plugin)
            got["idle"] = idle
            rows.append([label, sizes[label] / MB, idle, float(got["peak"]) - idle,
                         got["seconds"], got["chars"], str(got["note"])[:58]])  # fmt: skip

        # Then all of them, twice, in one long-lived process: what it keeps between calls.
        plugin, idle_all = _fresh_plugin(fake, plain)
        try:
            highest = max(float(_measure(plugin, ids[label], 1)["peak"]) for label, *_ in FILES * 2)
            after = _status_kb(plugin.proc.pid, "VmRSS") / 1024
            slowest = max(measured, key=lambda f: float(measured[f]["seconds"]))
            hub = _hub_latency(plugin, ids[slowest])
        finally:
            stop_plugin(plugin)

    pdf = measured[FILES[0][0]]
    pdf_over_idle = float(pdf["peak"]) - float(pdf["idle"])
    limit = manifest_memory() / MB
    print("== attachment text (download_attachment, attachment_text=true): plugin process")
    print("each file in a fresh plugin process; idle = RSS after one get_message (no reader "
          "imported yet); peak = VmHWM (reset via clear_refs) or VmRSS sampled every 10 ms, "
          f"whichever is higher, over {args.runs} reads; s = median, fetch included")  # fmt: skip
    print(table(["file", "MiB", "idle MiB", "peak - idle MiB", "s", "chars", "note"], rows))
    verdict = "PASS" if pdf_over_idle <= BUDGET_MB else "FAIL"
    print(f"20 MB PDF: peak {pdf_over_idle:.1f} MiB above idle (pypdf's import included); "
          f"budget idle + {BUDGET_MB} MiB: {verdict}")  # fmt: skip
    print(f"all {len(FILES)} files twice in one process: idle {idle_all:.1f} MiB, highest RSS "
          f"{highest:.1f} MiB, RSS after {after:.1f} MiB; manifest resource.memory "
          f"{limit:.0f} MiB: {'PASS' if highest <= limit else 'FAIL'}")  # fmt: skip
    idle_ms, during_ms, max_ms, took = hub
    print(f"hub: list_labels took {idle_ms:.0f} ms (median) when idle and {during_ms:.0f} ms "
          f"(median; max {max_ms:.0f} ms) while '{slowest}' was read ({took:.1f} s)")  # fmt: skip
    print()
    return 0


def documents_message() -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "Alice <alice@example.com>", ME[1], "Small files"
    m.set_content("Attached.")
    for name, data, mime in (
        ("a.pdf", documents.pdf(["warm"]), "application/pdf"),
        ("a.docx", documents.docx(paragraphs=["warm"]), DOCX),
        ("a.xlsx", documents.xlsx({"S": [["warm"]]}), XLSX),
        ("a.html", b"<p>warm</p>", "text/html"),
    ):
        maintype, subtype = mime.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes()


if __name__ == "__main__":
    raise SystemExit(main())
