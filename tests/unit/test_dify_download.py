"""Downloading a Dify file never outlives the call's deadline, however the file service
stalls: each read waits at most what is left of the call."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from dify_plugin.file.file import File

from gmail_core import dify, transport
from gmail_core.errors import TransientError


@pytest.fixture
def trickle_then_stall() -> Iterator[str]:
    """A file service on 127.0.0.1 that sends a byte every 0.3 s for 1.2 s, then nothing."""
    server = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve() -> None:
        client, _ = server.accept()
        with client:
            client.recv(65536)
            client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in range(4):
                client.sendall(b"x")
                time.sleep(0.3)
            done.wait(20)  # stalls until the test is over

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/files/report.pdf"
    done.set()
    thread.join(5)
    server.close()


def test_a_stalled_download_ends_at_the_deadline(trickle_then_stall: str) -> None:
    f = File(url=trickle_then_stall, type="document", filename="report.pdf", size=100)
    started = time.monotonic()
    with pytest.raises(TransientError) as failure:
        dify._download(f, "report.pdf", transport.Deadline(seconds=2.0))
    assert time.monotonic() - started < 2.0 + 1.5  # not the 20 s the file server stalls
    assert "'report.pdf'" in str(failure.value) and "Try again" in str(failure.value)
