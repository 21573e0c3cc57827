"""Never send twice, never lose a send: seeded fault storms over send_message, reply and
send_draft, counting copies in the fake's ``box.sent``."""

from __future__ import annotations

import email
import email.policy
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devkit.fakegoogle import ALL_KINDS, GMAIL_MODIFY, FakeGoogle, FaultPlan
from gmail_core import dify
from tests.reliability import Run, fast_retries, invoke, raw_message, use_fake

TOKEN = "tok-twice"
RUNS = 200
RUN_TAG = re.compile(r"run-(\d+)\b")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=21) as server:
        server.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
        use_fake(monkeypatch, server, budget=30)
        # The fake answers a "timeout" fault after 0.35 s, the client gives up after 0.2 s,
        # and the second look-up by Message-ID comes 0.3 s after the first: a send that
        # Gmail accepted late is found, as it would be in Gmail.
        fast_retries(monkeypatch, read_timeout=0.2)
        yield server


def tags_sent(fake: FakeGoogle) -> Counter[int]:
    """How many copies of each run's message went out (the run number is in the subject)."""
    out: Counter[int] = Counter()
    for raw in fake.mailboxes[0].sent:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        match = RUN_TAG.search(str(msg["Subject"] or ""))
        assert match, msg["Subject"]
        out[int(match.group(1))] += 1
    return out


def draft(fake: FakeGoogle, i: int) -> str:
    raw = raw_message(
        i,
        to="friend@example.com",
        sender="me@example.com",
        subject=f"draft run-{i}",
        message_id=f"<draft-run-{i}@example.com>",
    )
    return fake.mailboxes[0].create_draft(raw).id


def original(fake: FakeGoogle, i: int) -> str:
    raw = raw_message(i, subject=f"question run-{i}", message_id=f"<question-run-{i}@example.com>")
    return fake.mailboxes[0].add_message(raw, label_ids=("INBOX",))


# -- one dropped answer -----------------------------------------------------------------------
def test_send_accepted_then_connection_dropped_goes_out_once(fake: FakeGoogle) -> None:
    fake.send_accept_then_drop = 1
    run = invoke(
        "send_message", {"to": "a@example.com", "subject": "drop run-1", "body": "x"}, TOKEN
    )
    assert fake.send_accept_then_drop == 0  # the drop happened
    assert tags_sent(fake) == {1: 1}
    assert run.variables["message_id"]
    # the answer was lost, so the tool found the message by its Message-ID
    assert any("rfc822msgid:" in str(c.query.get("q")) for c in fake.stats.calls)


def test_reply_accepted_then_dropped_goes_out_once(fake: FakeGoogle) -> None:
    msg_id = original(fake, 2)
    fake.send_accept_then_drop = 1
    run = invoke("reply_to_message", {"message_id": msg_id, "body": "ok"}, TOKEN)
    assert tags_sent(fake) == {2: 1}
    assert run.variables["message_id"]


def test_draft_accepted_then_dropped_goes_out_once(fake: FakeGoogle) -> None:
    draft_id = draft(fake, 3)
    fake.send_accept_then_drop = 1
    run = invoke("send_draft", {"draft_id": draft_id}, TOKEN)
    assert tags_sent(fake) == {3: 1}
    assert run.variables["message_id"]


def test_two_drops_in_a_row_still_once(fake: FakeGoogle) -> None:
    fake.send_accept_then_drop = 2
    invoke("send_message", {"to": "a@example.com", "subject": "drop run-4", "body": "x"}, TOKEN)
    invoke("send_message", {"to": "a@example.com", "subject": "drop run-5", "body": "x"}, TOKEN)
    assert tags_sent(fake) == {4: 1, 5: 1}


@pytest.mark.parametrize("kind", ["500", "503", "reset"])
def test_draft_send_refused_before_acceptance_is_not_reported_sent(
    fake: FakeGoogle, kind: str
) -> None:
    draft_id = draft(fake, 6)
    fake.faults = FaultPlan(rate=1.0, kinds=(kind,), paths=["/drafts/send"], max_faults=1)
    # The one refused attempt is checked by its Message-ID (not in Sent), then retried: the
    # draft goes out exactly once and the tool says so.
    run = invoke("send_draft", {"draft_id": draft_id}, TOKEN)
    assert run.variables["message_id"]
    assert tags_sent(fake) == {6: 1}


# -- fault storms ---------------------------------------------------------------------------
@dataclass
class Tally:
    ok: int = 0
    raised: int = 0
    duplicates: int = 0
    lost_raised_but_sent: int = 0
    lost_ok_but_not_sent: int = 0
    faults: Counter[str] | None = None


def storm(fake: FakeGoogle, runs: list[tuple[int, str, dict[str, object]]]) -> Tally:
    outcomes: dict[int, bool] = {}
    faults: Counter[str] = Counter()
    for i, tool, params in runs:
        fake.faults = plan = FaultPlan(rate=0.2, kinds=ALL_KINDS, seed=i, timeout_s=0.35)
        try:
            result: Run = invoke(tool, params, TOKEN)
            assert result.variables.get("message_id"), result
            outcomes[i] = True
        except dify.ToolFailure as exc:
            assert len(str(exc)) < 400
            outcomes[i] = False
        finally:
            faults.update(kind for _, kind in plan.injected)
    fake.faults = None
    sent = tags_sent(fake)
    tally = Tally(faults=faults)
    for i, ok in outcomes.items():
        tally.ok += ok
        tally.raised += not ok
        tally.duplicates += sent[i] > 1
        tally.lost_raised_but_sent += (not ok) and sent[i] > 0
        tally.lost_ok_but_not_sent += ok and sent[i] == 0
    return tally


def test_200_seeded_sends_and_replies_under_every_fault_kind(fake: FakeGoogle) -> None:
    runs: list[tuple[int, str, dict[str, object]]] = []
    for i in range(RUNS):
        if i % 10 == 9:
            runs.append((i, "reply_to_message", {"message_id": original(fake, i), "body": "ok"}))
        else:
            params = {"to": "friend@example.com", "subject": f"storm run-{i}", "body": f"#{i}"}
            runs.append((i, "send_message", params))
    tally = storm(fake, runs)
    print(f"never-twice storm: {tally}")
    assert tally.duplicates == 0
    assert tally.lost_raised_but_sent == 0
    assert tally.lost_ok_but_not_sent == 0
    assert tally.ok + tally.raised == RUNS
    assert tally.ok >= RUNS * 0.9  # most runs recover
    assert tally.faults is not None
    # every kind that can hit a send path was injected (batch_part needs a batch request)
    assert set(tally.faults) >= set(ALL_KINDS) - {"batch_part"}, tally.faults
    assert sum(tally.faults.values()) >= 40


def test_seeded_draft_sends_under_every_fault_kind(fake: FakeGoogle) -> None:
    runs = [(i, "send_draft", {"draft_id": draft(fake, i)}) for i in range(1000, 1040)]
    tally = storm(fake, runs)
    print(f"never-twice drafts: {tally}")
    assert tally.duplicates == 0
    assert tally.lost_raised_but_sent == 0
    assert tally.lost_ok_but_not_sent == 0
