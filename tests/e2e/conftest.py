from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devkit.fakegoogle import FakeGoogle
from devkit.plugin_process import PluginProcess


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=3) as server:
        yield server


@pytest.fixture(scope="module")
def plugin(fake: FakeGoogle) -> Iterator[PluginProcess]:
    # The stand-in for Dify's file service runs on loopback: allowed only when configured.
    env = {**fake.env(), "GMAIL_TIME_BUDGET_SECONDS": "20", "GMAIL_DIFY_FILE_HOSTS": "127.0.0.1"}
    proc = PluginProcess(env=env)
    yield proc
    proc.close()


class FileServer:
    """Stands in for Dify's file service: serves in-memory files on 127.0.0.1."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                data = files.get(self.path.split("?")[0])
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def file(
        self, name: str, data: bytes, mime_type: str = "application/octet-stream"
    ) -> dict[str, object]:
        """A file parameter exactly as Dify passes it to a tool."""
        path = f"/files/{len(self.files)}"
        self.files[path] = data
        host, port = self.server.server_address[:2]
        return {
            "dify_model_identity": "__dify__file__",
            "url": f"http://{host}:{port}{path}?timestamp=1&sign=x",
            "mime_type": mime_type,
            "type": "document",
            "filename": name,
            "extension": "." + name.rsplit(".", 1)[-1] if "." in name else "",
            "size": len(data),
        }


@pytest.fixture(scope="module")
def file_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.server.shutdown()
