"""Uploads through the real client (requests + urllib3) against a local server: the body
is sent with Content-Length, can be rewound when urllib3 retries a refused connection, and
a connection lost mid-upload is a temporary network error like any other."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import urllib3.util.connection

from gmail_core import transport
from gmail_core.client import GmailClient
from gmail_core.errors import TransientError

RAW = b"From: me@example.com\r\nTo: a@example.com\r\n\r\n" + b"0123456789" * 100_000
ANSWER = b'{"id": "m1", "threadId": "t1"}'


class UploadServer:
    """Answers every request with ANSWER and records (head, body); ``cut_first`` bytes into
    the first request it reads that much of the body and closes the connection."""

    def __init__(self, cut_first: int | None = None) -> None:
        self.requests: list[tuple[bytes, bytes]] = []
        self.cut_first = cut_first
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, body = data.split(b"\r\n\r\n", 1)
            if self.cut_first is not None:
                while len(body) < self.cut_first:
                    body += conn.recv(65536)
                self.cut_first = None
                self.requests.append((head, b""))
                return  # closes mid-upload
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(body) < length:
                body += conn.recv(65536)
            self.requests.append((head, body))
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                b"Content-Length: " + str(len(ANSWER)).encode() + b"\r\n\r\n" + ANSWER
            )

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[UploadServer]:
    srv = UploadServer()
    monkeypatch.setenv("GMAIL_API_BASE_URL", srv.base)
    yield srv
    srv.close()


def _header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def refuse_first_connection(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first TCP connect is refused (as by a host briefly unreachable); the list counts
    connection attempts."""
    real = urllib3.util.connection.create_connection
    attempts: list[int] = []

    def refuse_once(*args: object, **kwargs: object) -> socket.socket:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionRefusedError(111, "Connection refused")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse_once)
    return attempts


def test_upload_sends_content_length_not_chunks(server: UploadServer) -> None:
    assert GmailClient("tok").upload("/messages/send", RAW) == {"id": "m1", "threadId": "t1"}
    head, body = server.requests[0]
    assert _header(head, b"content-length") == str(len(RAW)).encode()
    assert _header(head, b"transfer-encoding") is None
    assert body == RAW


def test_refused_connection_is_retried_with_the_body_rewound(
    server: UploadServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # urllib3 retries a connection that was never made (transport: connect=2): the body
    # must be rewound for the retry, or urllib3 raises UnrewindableBodyError.
    attempts = refuse_first_connection(monkeypatch)
    got = GmailClient("tok").upload("/messages/send", RAW, metadata={"threadId": "t1"})
    assert got == {"id": "m1", "threadId": "t1"}
    assert len(attempts) == 2
    head, body = server.requests[-1]
    assert body.endswith(RAW + b"\r\n--" + body.rsplit(b"\r\n--", 1)[1])  # the whole message
    assert _header(head, b"content-length") == str(len(body)).encode()


def test_an_unrewindable_retry_is_a_network_error_not_a_crash(
    server: UploadServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_tell(self: transport.UploadBody) -> int:
        raise OSError("not seekable")

    monkeypatch.setattr(transport.UploadBody, "tell", no_tell)
    refuse_first_connection(monkeypatch)
    with pytest.raises(TransientError) as info:
        GmailClient("tok").upload("/messages/send", RAW)
    assert info.value.reason == "network"


def test_connection_lost_mid_upload_is_a_network_error_and_a_retry_sends_it_whole(
    server: UploadServer,
) -> None:
    server.cut_first = 100_000
    client = GmailClient("tok")
    with pytest.raises(TransientError) as info:
        client.upload("/messages/send", RAW)  # a send is never blindly retried
    assert info.value.reason == "network" and "Could not reach Gmail" in str(info.value)
    server.cut_first = 100_000
    # update_draft's PUT is retried: a fresh attempt sends the whole message again
    got = client.upload("/drafts/r1", RAW, metadata={"id": "r1"}, method="PUT", retry=True)
    assert got == {"id": "m1", "threadId": "t1"}
    head, body = server.requests[-1]
    assert RAW in body and _header(head, b"content-length") == str(len(body)).encode()


def test_a_connection_never_made_is_told_apart_from_one_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing listens there: the request cannot have reached Gmail, so a send may be retried.
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setenv("GMAIL_API_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(TransientError) as info:
        GmailClient("tok").upload("/messages/send", RAW)
    assert info.value.reason == "connect"
