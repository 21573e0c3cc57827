"""The process-wide transfer budget: large transfers queue for it, small ones do not, a
share is returned whatever happens, and waiting ends with a clear temporary error."""

from __future__ import annotations

import threading
import time

import pytest

from gmail_core import transfers, transport
from gmail_core.errors import TransientError

MiB = transfers.MiB


@pytest.fixture(autouse=True)
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfers, "BUDGET", 10 * MiB)


def test_shares() -> None:
    assert transfers.share(0) == 0 and transfers.share(MiB - 1) == 0  # small: not counted
    assert transfers.share(4 * MiB) == 4 * MiB
    assert transfers.share(50 * MiB) == 10 * MiB  # a file larger than the budget runs alone


def test_a_transfer_that_does_not_fit_waits_for_the_others() -> None:
    deadline = transport.Deadline(seconds=30)
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with transfers.large_transfer(8 * MiB, deadline):
            first_in.set()
            time.sleep(0.2)
            order.append("first done")

    def second() -> None:
        first_in.wait()
        with transfers.large_transfer(8 * MiB, deadline):
            order.append("second started")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert order == ["first done", "second started"]
    assert transfers.in_flight() == 0


def test_transfers_that_fit_together_do_not_wait() -> None:
    deadline = transport.Deadline(seconds=30)
    with transfers.large_transfer(4 * MiB, deadline), transfers.large_transfer(5 * MiB, deadline):
        assert transfers.in_flight() == 9 * MiB
        with transfers.large_transfer(100, deadline):  # small: never waits
            pass
    assert transfers.in_flight() == 0


def test_the_share_is_returned_when_the_transfer_fails() -> None:
    with pytest.raises(RuntimeError), transfers.large_transfer(8 * MiB, transport.Deadline(30)):
        raise RuntimeError("upload failed")
    assert transfers.in_flight() == 0


def test_waiting_past_the_time_budget_is_a_temporary_error() -> None:
    with transfers.large_transfer(8 * MiB, transport.Deadline(seconds=30)):
        started = time.monotonic()
        with (
            pytest.raises(TransientError, match="busy with other large attachments"),
            transfers.large_transfer(8 * MiB, transport.Deadline(seconds=5.5)),
        ):
            pass
        assert time.monotonic() - started < 3  # gives up with 5 s of its budget left
    assert transfers.in_flight() == 0


def test_a_caller_may_wait_less_than_its_time_budget() -> None:
    with transfers.large_transfer(8 * MiB, transport.Deadline(seconds=30)):
        started = time.monotonic()
        with (
            pytest.raises(TransientError, match="busy with other large attachments"),
            transfers.large_transfer(8 * MiB, transport.Deadline(seconds=60), wait=0.2),
        ):
            pass
        assert time.monotonic() - started < 2
    assert transfers.in_flight() == 0
    with transfers.large_transfer(8 * MiB, transport.Deadline(seconds=60), wait=0.2):
        assert transfers.in_flight() == 8 * MiB  # free: taken at once


def test_a_large_transfer_is_not_starved_by_smaller_ones_that_keep_coming() -> None:
    """Transfers enter in the order they asked: three smaller ones that keep overlapping
    would otherwise never leave room for a large one until its time budget ran out."""
    holders_stop = time.monotonic() + 3.0

    def smaller(offset: float) -> None:
        time.sleep(offset)
        while time.monotonic() < holders_stop:
            with transfers.large_transfer(3 * MiB, transport.Deadline(seconds=30)):
                time.sleep(0.05)
            time.sleep(0.001)

    threads = [threading.Thread(target=smaller, args=(i * 0.017,)) for i in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.2)  # all three are taking turns
    asked = time.monotonic()
    try:
        with transfers.large_transfer(8 * MiB, transport.Deadline(seconds=30)):
            waited = time.monotonic() - asked
    finally:
        for t in threads:
            t.join(10)
    assert waited < 1.5, waited  # let in while the smaller ones were still coming
    assert transfers.in_flight() == 0


def test_a_transfer_that_gives_up_lets_the_next_in_line_through() -> None:
    with transfers.large_transfer(8 * MiB, transport.Deadline(seconds=30)):
        gave_up = threading.Event()
        got_in = threading.Event()

        def large() -> None:  # first in line, does not fit, gives up in ~0.5 s
            try:
                with transfers.large_transfer(8 * MiB, transport.Deadline(seconds=5.5)):
                    pass
            except TransientError:
                gave_up.set()

        def small() -> None:  # fits, but waits behind the large one until it leaves
            with transfers.large_transfer(2 * MiB, transport.Deadline(seconds=30)):
                got_in.set()

        first = threading.Thread(target=large)
        first.start()
        time.sleep(0.1)
        second = threading.Thread(target=small)
        second.start()
        assert got_in.wait(5) and gave_up.is_set()
        first.join(5)
        second.join(5)
    assert transfers.in_flight() == 0
