"""The HTTP server: one base URL serving Gmail API v1, batch, uploads and OAuth on 127.0.0.1."""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import errors, secrets
from .api import ApiRequest, DropConnection, GmailApi, LateSend
from .batch import answer_parts, assemble, parse_batch, split_parts
from .errors import GoogleError, Response
from .faults import FaultPlan, fault_response
from .mailbox import IdSource, Mailbox
from .oauth import DEFAULT_SCOPE, FakeOAuth
from .stats import Call, Stats

BATCH_PATH = "/batch/gmail/v1"
AUTH_PATH = "/o/oauth2/v2/auth"
MAX_BODY_BYTES = 64 * 1024 * 1024
CHUNK_LINE_LIMIT = 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256
    fake: FakeGoogle

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (timeout faults, killed plugin), or sockets closed by stop(),
        # are expected here, not bugs in the fake.
        if isinstance(sys.exc_info()[1], ConnectionError) or self.fake._stop.is_set():
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""
    timeout = 300  # idle keep-alive connections end eventually
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._fresh = True
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        # In flight from arrival to answer, round-trip delay included (Stats.in_flight).
        with self.server.fake.stats.in_flight(_bearer(self.headers.get("Authorization"))):
            self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # --- request handling ---------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while total <= MAX_BODY_BYTES:
                size = int(self.rfile.readline(CHUNK_LINE_LIMIT).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(CHUNK_LINE_LIMIT) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(CHUNK_LINE_LIMIT)
                total += size
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY_BYTES)) if length > 0 else b""

    def _handle(self) -> None:
        fake = self.server.fake
        body = self._read_body()
        arrived = time.monotonic()  # the whole request: an upload's transfer is not inside
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        token = _bearer(headers.get("authorization"))
        is_batch = path.rstrip("/") == BATCH_PATH
        fake.stats.count_request(Call(self.command, path, query, token), batch=is_batch)

        # Every answer leaves the round trip after its request arrived (a new connection's
        # setup on top), the fake's own work done within that time, as a server's is within
        # a real round trip: a benchmark's figures are then the client's, not the fake's.
        ends = arrived + (fake.rtt_ms + (fake.new_connection_ms if self._fresh else 0)) / 1000
        self._fresh = False

        def round_trip() -> None:
            left = ends - time.monotonic()
            if left > 0:
                fake._sleep(left)

        plan = fake.faults
        fault = plan.decide(path, is_batch) if plan is not None else None
        if fault is not None and fault != "batch_part":
            round_trip()  # a fault strikes after the round trip, before anything is done
            if fault == "reset":
                self._reset()
                return
            if fault != "timeout":
                self._send(fault_response(fault))
                return
            fake._sleep(plan.timeout_s if plan is not None else 0)
            fault = None
        try:
            resp = fake._route(self.command, path, query, headers, body, token, fault)
        except DropConnection:
            round_trip()
            self._drop()
            return
        except LateSend as late:
            round_trip()
            fake._sleep(late.delay)
            if not fake._stop.is_set():
                # e.g. the draft was deleted meanwhile: then nothing is sent
                with contextlib.suppress(GoogleError):
                    late.complete()
            self._drop()
            return
        except Exception:
            fake.server_errors.append(traceback.format_exc())
            resp = errors.backend_error().response()
        round_trip()
        self._send(resp)

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if resp.body and self.command != "HEAD":
            self.wfile.write(resp.body)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST, no response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _drop(self) -> None:
        """Close the connection cleanly without answering (outcome unknown to the client)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


class FakeGoogle:
    """A local Gmail API v1 + Google OAuth server for tests and benchmarks (127.0.0.1 only).

    ``rtt_ms``: each answer leaves that long after its whole request arrived (the fake's own work
    happens within it), ``new_connection_ms`` more on the first request of each TCP
    connection; faults strike after that time. ``seed`` fixes IDs, list/batch shuffling and
    attachment-ID nonces.
    """

    def __init__(
        self, rtt_ms: float = 0, new_connection_ms: float = 0, seed: int = 0, port: int = 0
    ) -> None:
        self.rtt_ms = rtt_ms
        self.new_connection_ms = new_connection_ms
        self.seed = seed
        self.port = port
        self.stats = Stats()
        self.faults: FaultPlan | None = None
        self.send_accept_then_drop = 0
        # The next N new drafts (drafts.create) are saved, then the connection drops unanswered.
        self.draft_accept_then_drop = 0
        # Delays (seconds) of the next sends, one per send: accepted, completed that late.
        self.late_sends: list[float] = []
        self.max_json_body_bytes: int | None = None
        self.server_errors: list[str] = []
        self.mailboxes: list[Mailbox] = []
        self._ids = IdSource(seed)
        self._rng = random.Random(seed + 1)
        self._part_answers: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # see _batch
        self._tokens: dict[str, Mailbox] = {}
        self._expired: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.oauth = FakeOAuth(self._mailbox_of, self._register_token)
        self.api = GmailApi(
            self.mailbox_for_token,
            self.stats.count_unknown_token,
            self._consume_drop,
            lambda: self.max_json_body_bytes,
        )
        self.api.late_send_delay = self._consume_late_send
        self.api.drop_after_draft = self._consume_draft_drop

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> FakeGoogle:
        if self._server is not None:
            return self
        self._stop.clear()
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"FakeGoogle:{server.server_address[1]}",
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stop.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeGoogle is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        base = self.base_url
        return {
            "GMAIL_API_BASE_URL": base,
            "GOOGLE_OAUTH_AUTH_URL": f"{base}{AUTH_PATH}",
            "GOOGLE_OAUTH_TOKEN_URL": f"{base}/token",
            "GOOGLE_OAUTH_REVOKE_URL": f"{base}/revoke",
        }

    # --- mailboxes and tokens -----------------------------------------------------------
    def add_mailbox(
        self,
        access_token: str = "tok-1",  # noqa: S107
        email: str = "me@example.com",
        scopes: Iterable[str] = (DEFAULT_SCOPE,),
        **options: bool | float | None,
    ) -> Mailbox:
        """A new mailbox reachable with ``access_token``. ``options``: Mailbox flags
        (reencode_text_to_utf8, shuffle_lists, stable_attachment_ids, strict_threading),
        ``search_index_lag_s`` and ``detach_body_parts_above``."""
        secrets.announce(access_token)
        box = Mailbox(email, scopes, self._ids, **options)
        with self._lock:
            self.mailboxes.append(box)
            self._tokens[access_token] = box
            self._expired.discard(access_token)
        return box

    def add_token(self, access_token: str, mailbox: Mailbox) -> None:
        """Make another access token reach an existing mailbox."""
        secrets.announce(access_token)
        with self._lock:
            self._tokens[access_token] = mailbox
            self._expired.discard(access_token)

    def expire_token(self, access_token: str) -> None:
        """Subsequent requests with this token get 401 (as after expiry)."""
        with self._lock:
            self._expired.add(access_token)

    def mailbox_for_token(self, token: str) -> Mailbox | None:
        with self._lock:
            if token in self._expired or token in self.oauth.revoked:
                return None
            return self._tokens.get(token)

    def _mailbox_of(self, token: str) -> Mailbox | None:
        """The mailbox a token was issued for, even if it has expired or been revoked."""
        with self._lock:
            return self._tokens.get(token)

    def _register_token(
        self, token: str, mailbox: Mailbox | None, email: str, scopes: set[str]
    ) -> Mailbox:
        if mailbox is None:
            return self.add_mailbox(token, email, scopes)
        self.add_token(token, mailbox)
        return mailbox

    # --- internals ----------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)
        if add:
            self.stats.count_connection()

    def _consume_late_send(self) -> float | None:
        with self._lock:
            return self.late_sends.pop(0) if self.late_sends else None

    def _consume_drop(self) -> bool:
        return self._consume("send_accept_then_drop")

    def _consume_draft_drop(self) -> bool:
        return self._consume("draft_accept_then_drop")

    def _consume(self, counter: str) -> bool:
        """Whether one of the ``counter`` drops is left, taking it."""
        with self._lock:
            left: int = getattr(self, counter)
            if left > 0:
                setattr(self, counter, left - 1)
            return left > 0

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        token: str | None,
        fault: str | None,
    ) -> Response:
        if method == "GET" and path == AUTH_PATH:
            return self.oauth.handle_authorize(query)
        if method == "POST" and path in ("/token", "/o/oauth2/token"):
            return self.oauth.handle_token(body, headers)
        if method == "POST" and path in ("/revoke", "/o/oauth2/revoke"):
            return self.oauth.handle_revoke(body, query)
        if path.rstrip("/") == BATCH_PATH:
            return self._batch(method, headers, body, token, fault == "batch_part")
        return self.api.handle(ApiRequest(method, path, query, headers, body, token))

    def _batch(
        self, method: str, headers: dict[str, str], body: bytes, token: str | None, faulty: bool
    ) -> Response:
        if method != "POST":
            return errors.bad_request("Batch requests must use POST.").response()
        with self._lock:
            rng = random.Random(self._rng.getrandbits(64))
        # A benchmark's mailbox (cache_answers) keeps each part's answer until it changes
        # (the client groups messages differently each time: messages.list has no order), so
        # the same searches again cost the fake a lookup and the figures are the client's.
        box = self._mailbox_of(token) if token else None
        parts = None
        if box is not None and box.cache_answers and not faulty:
            parts = split_parts(body, headers.get("content-type", ""))
        version = box.version if box is not None else -1
        if parts:
            kept = [self._part_answers.get((part, token, version)) for part in parts]
            if all(found is not None for found in kept):
                for found in kept:
                    if found is not None and found[2] is not None:
                        self.stats.count_inner(found[2])
                return assemble([(found[0], found[1]) for found in kept if found], rng)
        try:
            calls = parse_batch(body, headers.get("content-type", ""), token)
        except GoogleError as err:
            return err.response()
        plan = self.faults
        part_faults = plan.failing_parts(len(calls)) if faulty and plan is not None else None

        def execute(req: ApiRequest) -> Response:
            self.stats.count_inner(Call(req.method, req.path, req.query, req.token, True))
            return self.api.handle(req)

        answers = answer_parts(calls, execute, part_faults)
        if parts and len(parts) == len(calls) and box is not None and box.version == version:
            with self._lock:  # nothing changed meanwhile: the answers stand
                if len(self._part_answers) > 20_000:
                    self._part_answers.clear()
                for part, call, (rid, payload) in zip(parts, calls, answers, strict=True):
                    req = call.request
                    seen = Call(req.method, req.path, req.query, req.token, True) if req else None
                    self._part_answers[(part, token, version)] = (rid, payload, seen)
        return assemble(answers, rng)
