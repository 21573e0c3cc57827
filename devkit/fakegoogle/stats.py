"""Request accounting for assertions and benchmarks."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator


class Call(tuple[str, str, dict[str, list[str]], str | None]):
    """``(method, path, query, token)``; ``in_batch`` marks calls made inside a batch.

    ``query`` is ``urllib.parse.parse_qs`` output (values are lists). Unpacks as a 4-tuple.
    """

    in_batch: bool

    def __new__(
        cls,
        method: str,
        path: str,
        query: dict[str, list[str]],
        token: str | None,
        in_batch: bool = False,
    ) -> Call:
        obj = super().__new__(cls, (method, path, query, token))
        obj.in_batch = in_batch
        return obj

    @property
    def method(self) -> str:
        return self[0]

    @property
    def path(self) -> str:
        return self[1]

    @property
    def query(self) -> dict[str, list[str]]:
        return self[2]

    @property
    def token(self) -> str | None:
        return self[3]

    def __repr__(self) -> str:
        mark = " [batch]" if self.in_batch else ""
        return f"Call({self[0]} {self[1]} {self[2]} token={self[3]!r}{mark})"


class Stats:
    """Counters; all updates hold a lock. ``reset()`` zeroes everything."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.http_requests = 0
            self.connections = 0
            self.batch_requests = 0
            self.inner_requests = 0
            self.unknown_tokens = 0
            self.calls: list[Call] = []
            # Concurrency, counted per HTTP request from arrival to answer (round-trip delay
            # included): the most requests in flight at once, the most distinct tokens (users)
            # among them, and each token's own peak.
            self.peak_in_flight = 0
            self.peak_tokens_in_flight = 0
            self.peak_in_flight_by_token: dict[str | None, int] = {}
            self._in_flight: Counter[str | None] = Counter()

    def count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def count_request(self, call: Call, *, batch: bool = False) -> None:
        with self._lock:
            self.http_requests += 1
            self.batch_requests += int(batch)
            self.calls.append(call)

    @contextlib.contextmanager
    def in_flight(self, token: str | None) -> Iterator[None]:
        """Count one request as in flight for the duration of the block."""
        with self._lock:
            flight = self._in_flight
            flight[token] += 1
            self.peak_in_flight = max(self.peak_in_flight, flight.total())
            self.peak_tokens_in_flight = max(self.peak_tokens_in_flight, len(flight))
            peaks = self.peak_in_flight_by_token
            peaks[token] = max(peaks.get(token, 0), flight[token])
        try:
            yield
        finally:
            with self._lock:
                # reset() may have replaced the counter meanwhile: settle on the one used
                flight[token] -= 1
                if flight[token] <= 0:
                    del flight[token]

    def in_flight_now(self) -> int:
        """Requests being handled at this moment (e.g. a send the client gave up on)."""
        with self._lock:
            return self._in_flight.total()

    def count_inner(self, call: Call) -> None:
        with self._lock:
            self.inner_requests += 1
            self.calls.append(call)

    def count_unknown_token(self) -> None:
        with self._lock:
            self.unknown_tokens += 1

    def paths(self, substring: str = "", *, method: str | None = None) -> list[str]:
        """Paths of recorded calls containing ``substring`` (optionally one method)."""
        with self._lock:
            return [
                c.path for c in self.calls
                if substring in c.path and (method is None or c.method == method)
            ]  # fmt: skip
