"""Peak memory of the plugin process while send_message sends one large attachment.

The attachment is a Dify file served from a tiny HTTP server on 127.0.0.1 (the plugin
downloads ``File.url``, as it does from Dify's FILES_URL). The peak is the process's VmHWM
after resetting it (``echo 5 > /proc/<pid>/clear_refs``), cross-checked by sampling VmRSS
every 10 ms; whichever is higher is reported.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from bench import CREDENTIALS, ME, TOKEN, check, start_plugin, stop_plugin, table
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import ROOT

MB = 1024 * 1024
DIFY_FILE_IDENTITY = "__dify__file__"  # dify_plugin.file.constants.DIFY_FILE_IDENTITY


class FileServer:
    """Serves ``/files/<name>`` from memory, in 1 MB writes, on 127.0.0.1."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                data = outer.files.get(self.path.rsplit("/", 1)[-1].split("?")[0])
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                view = memoryview(data)
                for i in range(0, len(data), MB):
                    self.wfile.write(view[i : i + MB])

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/files/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def dify_file(url: str, filename: str, size: int) -> dict[str, Any]:
    """A file parameter exactly as Dify's daemon passes it to a tool."""
    return {
        "dify_model_identity": DIFY_FILE_IDENTITY,
        "url": url,
        "mime_type": "application/pdf",
        "type": "document",
        "filename": filename,
        "extension": ".pdf",
        "size": size,
        "transfer_method": "remote_url",
        "remote_url": url,
        "related_id": None,
    }


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _reset_hwm(pid: int) -> bool:
    """Reset VmHWM to the current RSS; True if the kernel accepted it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kb(pid, "VmHWM") <= _status_kb(pid, "VmRSS") + 1024


class Sampler:
    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmRSS"))
                self.samples += 1
            except (OSError, KeyError):
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def manifest_memory() -> int:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    return int(manifest["resource"]["memory"])


def _send(plugin, url: str, name: str, size: int) -> dict[str, Any]:
    params = {
        "to": "Alex Doe <alex@example.org>",
        "subject": f"Bench: {name}",
        "body": "Please find the file attached.",
        "attachments": [dify_file(url, name, size)],
    }
    result = check(plugin.invoke_tool("send_message", params, CREDENTIALS, timeout=240), "send")
    return result.variables()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.send_memory", description=__doc__)
    ap.add_argument("--size-mb", type=float, default=24, help="attachment size in MiB")
    args = ap.parse_args(argv)
    size = int(args.size_mb * MB)
    data = random.Random(1).randbytes(size)  # incompressible, like a real PDF's streams
    small = random.Random(2).randbytes(64 * 1024)

    files = FileServer({"big.pdf": data, "small.pdf": small})
    try:
        with FakeGoogle(seed=5) as fake:
            box = fake.add_mailbox(TOKEN, ME[1], {GMAIL_MODIFY})
            # the file server plays Dify's file service on loopback: allowed explicitly
            plugin = start_plugin(fake, GMAIL_DIFY_FILE_HOSTS="127.0.0.1")
            try:
                pid = plugin.proc.pid
                _send(plugin, files.url("small.pdf"), "small.pdf", len(small))  # warm-up
                time.sleep(0.3)
                idle_kb = _status_kb(pid, "VmRSS")
                hwm_ok = _reset_hwm(pid)
                t0 = time.perf_counter()
                with Sampler(pid) as sampler:
                    sent = _send(plugin, files.url("big.pdf"), "big.pdf", size)
                seconds = time.perf_counter() - t0
                hwm_kb = _status_kb(pid, "VmHWM") if hwm_ok else 0
                after_kb = _status_kb(pid, "VmRSS")
            finally:
                stop_plugin(plugin)
            got = box.sent[-1] if box.sent else b""
            delivered = bool(sent.get("message_id")) and len(got) > size
            wire = len(got)
            box.sent.clear()
    finally:
        files.close()

    peak_kb = max(hwm_kb, sampler.peak_kb)
    idle, peak, after = idle_kb / 1024, peak_kb / 1024, after_kb / 1024
    budget = idle + 4 * size / MB
    limit = manifest_memory() / MB
    method = "VmHWM (reset via clear_refs) and" if hwm_ok else "no VmHWM reset possible;"
    print(f"== send_message with one {size / MB:g} MiB attachment: plugin process RSS")
    print(
        f"peak from {method} VmRSS sampled every 10 ms ({sampler.samples} samples); "
        f"send took {seconds:.1f} s; uploaded message {wire / MB:.1f} MiB; "
        f"delivered: {'yes' if delivered else 'NO'}"
    )
    rows = [
        ["idle RSS (after a warm-up send)", idle, ""],
        ["peak RSS during the send", peak, f"VmHWM {hwm_kb / 1024:,.1f}, sampled "
                                            f"{sampler.peak_kb / 1024:,.1f}"],
        ["peak - idle", peak - idle, f"{(peak - idle) / (size / MB):.1f}x the attachment"],
        ["RSS after the send", after, ""],
        [f"budget: idle + 4 x {size / MB:g} MiB", budget, "PASS" if peak <= budget else "FAIL"],
        ["manifest resource.memory", limit, "PASS" if peak <= limit else "FAIL"],
    ]  # fmt: skip
    print(table(["", "MiB", "note"], rows))
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
