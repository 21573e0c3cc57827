"""The OAuth redirect target of a desktop sign-in: an HTTP listener on 127.0.0.1.

Google sends the browser back to ``http://127.0.0.1:<port>/?state=…&code=…`` (a loopback
redirect, allowed for "Desktop app" OAuth clients on any port). The listener keeps that one
request exactly as the browser sent it — request line and every header — because the
plugin's ``get_credentials`` takes the whole callback request, hex encoded, the way Dify
forwards it. The request holds the authorization code and the browser's cookies: it is
handed to the plugin and never printed or logged.
"""

from __future__ import annotations

import binascii
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_PAGE = (
    "<!DOCTYPE html><meta charset='utf-8'><title>Gmail for Dify</title>"
    "<body style='font:16px system-ui;margin:3em'><h1>{title}</h1><p>{text}</p></body>"
)
#: query keys of an OAuth redirect (RFC 6749 §4.1.2): any other request is not Google's answer
_REDIRECT_KEYS = ("code", "error", "state")


class LoopbackListener:
    """Receives one OAuth redirect on ``http://127.0.0.1:<port>/``.

    ``port=0`` picks a free port. :meth:`wait` returns the captured request, hex encoded as
    Dify forwards it to ``get_credentials``, or ``None`` when ``timeout`` passes first.
    """

    def __init__(self, port: int = 0) -> None:
        self._received = threading.Event()
        self._raw: bytes | None = None
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                if listener._received.is_set() or not any(k in query for k in _REDIRECT_KEYS):
                    self._answer(404, "Nothing here", "This address only receives Google's "
                                 "answer to a sign-in started from the terminal.")  # fmt: skip
                    return
                headers = "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
                listener._raw = f"{self.requestline}\r\n{headers}\r\n".encode("latin-1")
                denied = "error" in query
                self._answer(
                    200,
                    "Sign-in answer received" if not denied else "Sign-in not completed",
                    "Return to the terminal: it shows what happens next. You can close this tab.",
                )
                listener._received.set()

            def _answer(self, status: int, title: str, text: str) -> None:
                body = _PAGE.format(title=title, text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # the request line holds the authorization code

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def wait(self, timeout: float) -> str | None:
        if not self._received.wait(timeout):
            return None
        assert self._raw is not None
        return binascii.hexlify(self._raw).decode("ascii")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
