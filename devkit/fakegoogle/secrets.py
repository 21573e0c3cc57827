"""Every credential the fake learns — access and refresh tokens, authorization codes, the
client secret — is announced to the watchers, whatever its shape, so that a test suite can
fail any test that logs one (``tests/conftest.py`` watches)."""

from __future__ import annotations

from collections.abc import Callable

_watchers: list[Callable[[str], None]] = []


def watch(callback: Callable[[str], None]) -> None:
    """Call ``callback(value)`` for every credential any fake in this process learns."""
    _watchers.append(callback)


def announce(*values: str | None) -> None:
    for value in values:
        if value:
            for callback in _watchers:
                callback(value)
