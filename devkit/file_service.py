"""A stand-in for Dify's file service on 127.0.0.1: file parameters point at it.

Dify hands a tool each file parameter as a signed URL on its own file service
(``FILES_URL``); the plugin downloads the bytes from there. ``FileServer.file`` registers
bytes and returns the parameter exactly as Dify passes it.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FileServer:
    """Serves in-memory files; any other path is 404 (as an expired signed link)."""

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

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
