"""Writes whose first answer was lost: the retry must report what actually happened, not
the error the repeated request gets ("already exists", "no draft with that ID")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle, FaultPlan
from gmail_core import transport
from tests.reliability import fast_retries, invoke, raw_message, use_fake

TOKEN = "tok-unclear"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=31) as server:
        server.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
        use_fake(monkeypatch, server, budget=30)
        # The fake does the work of a "timeout" fault 0.35 s late; the client gives up after
        # 0.2 s and retries 0.4 s later, when the first request has landed.
        fast_retries(monkeypatch, read_timeout=0.2)
        monkeypatch.setattr(transport, "backoff_delay", lambda *_a, **_k: 0.4)
        yield server


def lost_answer(path: str) -> FaultPlan:
    return FaultPlan(rate=1.0, kinds=("timeout",), paths=[path], max_faults=1, timeout_s=0.35)


def test_create_label_whose_answer_was_lost_reports_the_label_created(fake: FakeGoogle) -> None:
    box = fake.mailboxes[0]
    fake.faults = lost_answer("/labels")
    run = invoke("create_label", {"name": "Clients/ACME"}, TOKEN)
    label = box.label_by_name("Clients/ACME")
    assert label is not None and run.variables["label_id"] == label.id
    assert sum(lbl.name == "Clients/ACME" for lbl in box.labels.values()) == 1


def test_create_label_that_really_exists_still_says_so(fake: FakeGoogle) -> None:
    fake.mailboxes[0].add_label("Clients")
    with pytest.raises(Exception, match="already exists"):
        invoke("create_label", {"name": "Clients"}, TOKEN)


def test_modify_creating_a_label_whose_answer_was_lost(fake: FakeGoogle) -> None:
    box = fake.mailboxes[0]
    msg_id = box.add_message(raw_message(1))
    fake.faults = FaultPlan(
        rate=1.0, kinds=("timeout",), paths=["/labels"], max_faults=2, timeout_s=0.35
    )
    fake.faults.sequence = [None, "timeout"]  # labels.list fine, labels.create answer lost
    run = invoke(
        "modify_messages",
        {"message_ids": msg_id, "add_labels": "Brand/New", "create_missing_labels": True},
        TOKEN,
    )
    label = box.label_by_name("Brand/New")
    assert label is not None and label.id in box.messages[msg_id].label_ids
    assert run.variables["created_labels"] == ["Brand/New"]


def test_delete_draft_whose_answer_was_lost_reports_deleted(fake: FakeGoogle) -> None:
    box = fake.mailboxes[0]
    draft_id = box.create_draft(raw_message(2, to="a@example.com")).id
    fake.faults = lost_answer("/drafts/")
    run = invoke("delete_draft", {"draft_id": draft_id}, TOKEN)
    assert run.variables["draft_id"] == draft_id and draft_id not in box.drafts


def test_delete_of_an_unknown_draft_still_says_not_found(fake: FakeGoogle) -> None:
    with pytest.raises(Exception, match="found no draft"):
        invoke("delete_draft", {"draft_id": "r-123456789"}, TOKEN)
