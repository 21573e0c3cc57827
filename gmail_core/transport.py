"""Connection pooling, time budgets and retry timing. Knows HTTP, not Gmail.

One ``requests.Session`` per process: a TLS handshake to Google costs more than most API
calls, and the SDK runs invocations as greenlets in one process, so they share the pool.
Nothing user-specific is ever set on the session; callers pass ``Authorization`` per request.
"""

from __future__ import annotations

import bisect
import io
import itertools
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from gmail_core import config

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
USER_AGENT = "gmail-for-dify/0.1 (+https://github.com/inboxworks/gmail-for-dify)"

_session: requests.Session | None = None
_session_lock = threading.Lock()


def session() -> requests.Session:
    """The process-wide pooled session (created on first use)."""
    global _session
    if _session is None:
        with _session_lock:
            if _session is None:
                _session = _new_session()
    return _session


def _new_session() -> requests.Session:
    s = requests.Session()
    # Only connection failures are retried here: the request never left, so even a send is
    # safe. Status and read retries are Gmail-aware and live in the client.
    # respect_retry_after_header=False: otherwise urllib3 itself "retries" a 429/503 carrying
    # Retry-After, finds status=0 exhausted and raises, hiding Google's answer from the client.
    retry = Retry(
        total=2,
        connect=2,
        read=0,
        status=0,
        other=0,
        redirect=0,
        backoff_factor=0.2,
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64, max_retries=retry)
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    s.headers["User-Agent"] = USER_AGENT
    s.trust_env = True  # honour HTTPS_PROXY for users behind a proxy
    return s


@dataclass
class Deadline:
    """The time one invocation may still spend, so retries never outlive Dify's timeout."""

    seconds: float = field(default_factory=config.time_budget_seconds)
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def timeout(self, read: float | None = None) -> tuple[float, float]:
        """A (connect, read) timeout that never runs past the deadline; ``read`` caps the
        wait for each piece of the answer (default READ_TIMEOUT)."""
        left = max(self.remaining(), 0.01)  # requests refuses a timeout of 0
        return (min(CONNECT_TIMEOUT, left), min(READ_TIMEOUT if read is None else read, left))


# Retry timing: capped exponential backoff with full jitter (AWS architecture blog's
# recommendation), unless the server said when to come back.
BACKOFF_BASE = 0.5
BACKOFF_CAP = 16.0
MAX_HINT = 60.0


def backoff_delay(
    attempt: int, hint: float | None = None, rng: random.Random | None = None
) -> float:
    if hint is not None:
        return min(max(hint, 0.0), MAX_HINT)
    r = rng or random
    return r.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * (2**attempt)))


_RETRY_AFTER_TEXT = re.compile(r"Retry after (\d{4}-\d\d-\d\dT[\d:.]+Z)", re.IGNORECASE)


def retry_hint(
    headers: dict[str, str] | None, message: str = "", now: float | None = None
) -> float | None:
    """Seconds to wait as the server asked: a Retry-After header, or Gmail's "Retry after <ISO>"."""
    now = time.time() if now is None else now
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    if value:
        value = value.strip()
        if value.isascii() and value.isdigit():  # "²".isdigit() too, and float() refuses it
            return float(value)
        try:
            return parsedate_to_datetime(value).timestamp() - now
        except (TypeError, ValueError, IndexError):
            pass  # unparsable header: fall through to the message, then to backoff
    match = _RETRY_AFTER_TEXT.search(message or "")
    if match:
        try:
            when = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            try:
                when = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                return None
        return when.replace(tzinfo=UTC).timestamp() - now
    return None


class UploadBody(io.RawIOBase):
    """Several buffers read as one request body, without joining them (a 30 MB message is
    not copied again). Seekable, so that requests sends a Content-Length (it measures
    ``len`` minus ``tell``) and urllib3 can rewind the body when it retries a connection
    that was never made. One per attempt."""

    def __init__(self, *parts: bytes | bytearray) -> None:
        super().__init__()
        self._parts = [memoryview(p) for p in parts if len(p)]
        self._starts = list(itertools.accumulate((len(p) for p in self._parts), initial=0))
        self._length = self._starts.pop()
        self._pos = 0

    def __len__(self) -> int:
        return self._length

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._pos >= self._length:
            return 0
        index = bisect.bisect_right(self._starts, self._pos) - 1
        part, offset = self._parts[index], self._pos - self._starts[index]
        n = min(len(buffer), len(part) - offset)
        buffer[:n] = part[offset : offset + n]
        self._pos += n
        return n
