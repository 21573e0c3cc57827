"""Global fixtures. ``secret_guard``: fail a test if a known secret shows up anywhere a user
or an operator could see it (log records at DEBUG, exception messages, tool output)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from devkit.fakegoogle import secrets as fakegoogle_secrets

# Property tests check what comes out, not how fast: on a busy shared machine one example can
# stall for a quarter of a second, which hypothesis's default 200 ms deadline (and its
# too_slow check) would report as a failure. Speed is measured in bench/.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


class SecretGuard:
    """Register secrets with :meth:`add`; route calls through :meth:`call` (or hand texts to
    :meth:`record`). At teardown every log record and recorded text is searched."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.secrets: set[str] = set()
        self.texts: list[str] = []

    def add(self, *values: str) -> None:
        self.secrets.update(v for v in values if v)

    def record(self, *values: object) -> None:
        self.texts.extend(v if isinstance(v, str) else repr(v) for v in values)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn``; its exception message (type, args, cause chain) is recorded."""
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            chain: BaseException | None = exc
            while chain is not None:
                self.record(f"{type(chain).__name__}: {chain}", *chain.args)
                chain = chain.__cause__ or chain.__context__
            raise

    def leaks(self) -> list[tuple[str, str]]:
        texts = list(self.texts)
        # At teardown caplog.records/.text hold only the teardown phase: read every phase.
        phases = ("setup", "call", "teardown")
        for rec in [r for phase in phases for r in self.caplog.get_records(phase)]:
            texts += [rec.getMessage(), rec.exc_text or "", repr(rec.args)]
        return [(s, t) for s in sorted(self.secrets) for t in texts if s in t]


@pytest.fixture
def secret_guard(caplog: pytest.LogCaptureFixture) -> Iterator[SecretGuard]:
    caplog.set_level(logging.DEBUG)  # root logger: urllib3, requests, the plugin, the SDK
    guard = SecretGuard(caplog)
    yield guard
    leaked = guard.leaks()
    assert not leaked, f"secret leaked: {leaked[0][0]!r} in {leaked[0][1][:500]!r}"


# Secrets in Google's formats, as the tests use them (access token, client secret, refresh
# token, authorization code). Any of them in any log record of any test fails that test.
_GOOGLE_SECRET = re.compile(r"ya29\.[\w-]+|GOCSPX-[\w-]+|1//[\w-]+|4/0A[\w-]+")

# Every credential any test hands to the plugin or to the fake Google, whatever its shape
# (``tok-1`` as much as ``ya29.…``): the fake announces each one it learns, tools invoked
# in-process register theirs (tests.reliability.invoke).
KNOWN_SECRETS: set[str] = set()
# Log text is cut into words at characters no credential contains, so a secret is found as a
# whole word (a short one such as "rt-1" does not match inside "part-1"); once with "/" as a
# separator and once without, since refresh tokens and codes contain it.
_WORD_BREAKS = (re.compile(r"[^\w.~+/-]+"), re.compile(r"[^\w.~+-]+"))


def known_secret(*values: object) -> None:
    """Make the suite-wide log check look for these values too."""
    KNOWN_SECRETS.update(v for v in values if isinstance(v, str) and v)


fakegoogle_secrets.watch(known_secret)


def secrets_in(text: str) -> set[str]:
    """The known secrets that occur in ``text`` as whole words, and Google-shaped tokens."""
    words = {w for breaks in _WORD_BREAKS for w in breaks.split(text)}
    words |= {w.strip(".") for w in words}  # the end of a sentence
    found = words & KNOWN_SECRETS
    found.update(m.group(0) for m in _GOOGLE_SECRET.finditer(text))
    return found


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Suite-wide: every log record (root logger, DEBUG) of every test is searched for every
    credential the tests use and for anything shaped like a Google token."""
    caplog.set_level(logging.DEBUG)
    yield
    # At teardown caplog.records is the teardown phase's: read the test's own phases.
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        text = f"{record.getMessage()} {record.exc_text or ''}"
        found = secrets_in(text)
        assert not found, f"secret {sorted(found)[0]!r} logged by {record.name}: {text[:300]!r}"
