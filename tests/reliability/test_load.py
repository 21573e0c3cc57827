"""50 concurrent invocations through ONE plugin process (``python -m main``), each with its
own token and mailbox: every answer holds only its own user's mail, none fails. The fake
answers after a 20 ms round trip, so requests of many users really are in flight together
(with no delay the plugin finished each request before the next arrived)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.load import PER_BOX, add_users, run_round, warm_up
from devkit.fakegoogle import FakeGoogle
from devkit.plugin_process import PluginProcess

pytestmark = pytest.mark.e2e
USERS = 50
RTT_MS = 20
MIN_USERS_IN_FLIGHT = 10


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(rtt_ms=RTT_MS, seed=31) as server:
        yield server


def test_fifty_concurrent_users_see_only_their_own_mail(fake: FakeGoogle) -> None:
    users = add_users(fake, USERS)
    # the mailboxes really differ, so a mix-up would show
    assert len({m for u in users for m in u.ids}) == USERS * PER_BOX
    plugin = PluginProcess(env={**fake.env(), "GMAIL_TIME_BUDGET_SECONDS": "60"})
    try:
        warm_up(plugin, users[0])
        for _ in range(2):  # a cold and a warm connection pool
            result = run_round(fake, plugin, users)
            assert result.failures == []
            assert result.leaks == []
            assert result.unknown_tokens == 0
            # the users' requests overlapped: a token mix-up had every chance to happen
            print(f"peak in flight: {result.peak_in_flight} requests, "
                  f"{result.peak_users_in_flight} users")  # fmt: skip
            assert result.peak_users_in_flight >= MIN_USERS_IN_FLIGHT
            # every user's token reached the fake, and only with its own requests
            tokens = {c.token for c in fake.stats.calls}
            assert tokens == {u.token for u in users}
            # pooled connections: fewer than one per invocation even when cold
            assert result.new_connections <= USERS
    finally:
        plugin.close()
    assert "Traceback" not in plugin.stderr_text()
