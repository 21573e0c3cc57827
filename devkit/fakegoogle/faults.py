"""Deterministic fault injection (rate limits, 5xx, dropped connections, slow answers)."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterable, Sequence

from . import errors
from .errors import Response

ALL_KINDS = (
    "429", "429_retry_after", "403_rate", "500", "502", "503", "reset", "timeout", "batch_part",
)  # fmt: skip
PART_KINDS = ("429", "500", "503")
GMAIL_PREFIXES = ("/gmail/", "/upload/gmail/", "/batch/gmail/")


class FaultPlan:
    """Decides, per HTTP request, whether and how to fail it.

    Random mode: each matching request fails with probability ``rate``; the kind is drawn
    from ``kinds`` with ``random.Random(seed)``, so a sequential client sees the same faults
    for the same seed. ``"batch_part"`` only applies to batch requests (other requests pick
    among the remaining kinds); it fails some inner parts (each with ``part_rate``, at least
    one) with 429/500/503 while the batch itself answers 200.

    Script mode: ``sequence=["429", None, "reset"]`` is consumed one entry per matching
    request; once exhausted nothing fails.

    ``paths``: substrings; only requests whose path contains one are affected. Default: every
    Gmail API request (``/gmail``, ``/upload/gmail``, ``/batch/gmail``), never OAuth.
    ``max_faults`` caps the number of injected faults.
    """

    def __init__(
        self,
        rate: float = 0.2,
        kinds: Iterable[str] = ALL_KINDS,
        seed: int = 7,
        paths: Iterable[str] | None = None,
        timeout_s: float = 2.0,
        *,
        part_rate: float = 0.3,
        sequence: Sequence[str | None] | None = None,
        max_faults: int | None = None,
    ) -> None:
        self.kinds = tuple(kinds)
        unknown = set(self.kinds) - set(ALL_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self.rate = rate
        self.seed = seed
        self.paths = tuple(paths) if paths is not None else None
        self.timeout_s = timeout_s
        self.part_rate = part_rate
        self.sequence = list(sequence) if sequence is not None else None
        self.max_faults = max_faults
        self.injected: list[tuple[str, str]] = []  # (path, kind)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def applies(self, path: str) -> bool:
        if self.paths is None:
            return path.startswith(GMAIL_PREFIXES)
        return any(p in path for p in self.paths)

    def decide(self, path: str, is_batch: bool) -> str | None:
        if not self.applies(path):
            return None
        with self._lock:
            if self.max_faults is not None and len(self.injected) >= self.max_faults:
                return None
            if self.sequence is not None:
                kind = self.sequence.pop(0) if self.sequence else None
                if kind == "batch_part" and not is_batch:
                    kind = None
            else:
                if self._rng.random() >= self.rate:
                    return None
                usable = [k for k in self.kinds if is_batch or k != "batch_part"]
                kind = self._rng.choice(usable) if usable else None
            if kind is not None:
                self.injected.append((path, kind))
            return kind

    def failing_parts(self, count: int) -> list[str | None]:
        """For a ``batch_part`` fault: the error kind of each inner part (None = OK)."""
        with self._lock:
            kinds: list[str | None] = [
                self._rng.choice(PART_KINDS) if self._rng.random() < self.part_rate else None
                for _ in range(count)
            ]
            if count and not any(kinds):
                kinds[self._rng.randrange(count)] = self._rng.choice(PART_KINDS)
            return kinds


def retry_after_iso(seconds: float = 1.0) -> str:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def fault_response(kind: str) -> Response:
    """The HTTP answer for an error-type fault (not reset/timeout/batch_part)."""
    if kind == "429":
        return errors.too_many_concurrent().response()
    if kind == "429_retry_after":
        return errors.too_many_concurrent(retry_after="1").response()
    if kind == "403_rate":
        return errors.user_rate_limited(retry_after_iso(1.0)).response()
    if kind == "500":
        return errors.backend_error().response()
    if kind == "502":
        return errors.bad_gateway()
    if kind == "503":
        return errors.unavailable().response()
    raise ValueError(kind)
