"""Writes whose first answer was lost: the retry must report what actually happened, not
the error the repeated request gets ("already exists", "no draft with that ID")."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle, FaultPlan
from devkit.fakegoogle.mailbox import Mailbox
from gmail_core import dify, transport
from tests.contract import discovery
from tests.reliability import fast_retries, invoke, raw_message, use_fake

TOKEN = "tok-unclear"
GIVE_UP_S = 0.5  # the client's read timeout here
LATE_S = 0.7  # when Gmail does the work of a request whose answer is lost


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=31) as server:
        server.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
        use_fake(monkeypatch, server, budget=30)
        # The fake does the work of a "timeout" fault LATE_S late; the client gives up after
        # GIVE_UP_S and retries 0.5 s later, when the first request has landed. GIVE_UP_S is
        # not shorter: the fake shares the test's event loop, so a pause of the whole process
        # that long would time out an answer that was on time.
        fast_retries(monkeypatch, read_timeout=GIVE_UP_S)
        monkeypatch.setattr(transport, "backoff_delay", lambda *_a, **_k: 0.5)
        yield server


def lost_answer(path: str, late_s: float = LATE_S) -> FaultPlan:
    """The first request to ``path`` is done ``late_s`` after it arrived, its answer lost."""
    return FaultPlan(rate=1.0, kinds=("timeout",), paths=[path], max_faults=1, timeout_s=late_s)


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
        rate=1.0, kinds=("timeout",), paths=["/labels"], max_faults=2, timeout_s=LATE_S
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


# -- new drafts whose answer was lost: found by their Message-ID, never saved twice -----------
NEVER = 3600.0  # a search-index lag longer than any look-up
LAG_TOKEN = "tok-unclear-lag"


@pytest.fixture
def lagging(fake: FakeGoogle) -> Mailbox:
    """A second mailbox whose search index never catches up: drafts.list with q= finds no
    fresh draft, so the look-up must not depend on it."""
    return fake.add_mailbox(LAG_TOKEN, "me@example.com", {GMAIL_MODIFY}, search_index_lag_s=NEVER)


def drafts_titled(box: Mailbox, subject: str) -> list[str]:
    wanted = f"Subject: {subject}\r\n".encode()
    return [d.id for d in box.drafts.values() if wanted in box.messages[d.message_id].raw]


def every_call_is_on_the_contract(fake: FakeGoogle) -> None:
    for call in fake.stats.calls:
        discovery.match(call.method, call.path, dict(call.query))


def test_a_draft_saved_but_unanswered_is_reported_once(fake: FakeGoogle, lagging: Mailbox) -> None:
    fake.draft_accept_then_drop = 1
    run = invoke("create_draft", {"to": "a@example.com", "subject": "Dropped"}, LAG_TOKEN)
    assert fake.draft_accept_then_drop == 0  # the drop happened
    assert drafts_titled(lagging, "Dropped") == [run.variables["draft_id"]]
    assert run.variables["message_id"] == lagging.drafts[run.variables["draft_id"]].message_id
    every_call_is_on_the_contract(fake)


def test_a_draft_saved_late_is_found_not_saved_again(fake: FakeGoogle, lagging: Mailbox) -> None:
    # Gmail completes the save LATE_S in; the client gave up at GIVE_UP_S.
    fake.faults = lost_answer("/upload/gmail/v1/users/me/drafts")
    run = invoke("create_draft", {"to": "a@example.com", "subject": "Late"}, LAG_TOKEN)
    assert fake.faults.injected  # the answer was lost
    assert drafts_titled(lagging, "Late") == [run.variables["draft_id"]]


@pytest.mark.parametrize("tool", ["reply_to_message", "forward_message"])
def test_a_reply_or_forward_saved_as_a_draft_but_unanswered_is_reported_once(
    fake: FakeGoogle, lagging: Mailbox, tool: str
) -> None:
    original = lagging.add_message(raw_message(7, subject=f"About {tool}"))
    fake.draft_accept_then_drop = 1
    params = {"message_id": original, "body": "ok", "as_draft": True}
    if tool == "forward_message":
        params["to"] = "b@example.com"
    run = invoke(tool, params, LAG_TOKEN)
    found = [d for d in lagging.drafts.values() if d.message_id == run.variables["message_id"]]
    assert [d.id for d in found] == [run.variables["draft_id"]] and len(lagging.drafts) == 1
    if tool == "reply_to_message":  # saved in the original's thread
        assert run.variables["thread_id"] == lagging.messages[original].thread_id


def test_a_draft_that_never_appears_is_reported_not_saved(
    fake: FakeGoogle, lagging: Mailbox
) -> None:
    # Gmail saves it only after every look-up (1.5 s of them): the call says it was not
    # saved, and that trying again is safe (a second copy would be a draft, never a send).
    fake.faults = lost_answer("/upload/gmail/v1/users/me/drafts", late_s=4.0)
    with pytest.raises(dify.ToolFailure) as failed:
        invoke("create_draft", {"to": "a@example.com", "subject": "Never"}, LAG_TOKEN)
    message = str(failed.value)
    assert "was not saved" in message and "Trying again is safe" in message
    assert re.search(r"<[^<>@\s]+@[^<>\s]+>", message)  # the Message-ID it looked for


def test_a_draft_looked_for_in_less_than_the_whole_window_may_have_been_saved(
    fake: FakeGoogle, lagging: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 6 s for the call: after the lost answer, less than the 1.5 s window (and the 5 s kept
    # for the answer) is left, so not finding the draft yet does not prove it was not saved.
    use_fake(monkeypatch, fake, budget=6)
    fake.faults = lost_answer("/upload/gmail/v1/users/me/drafts", late_s=4.0)
    with pytest.raises(dify.ToolFailure) as failed:
        invoke("create_draft", {"to": "a@example.com", "subject": "Short"}, LAG_TOKEN)
    message = str(failed.value)
    assert "It may have been saved" in message and "too little time left" in message
    assert "not saved" not in message.replace("saved twice", "")


def test_a_draft_whose_look_up_fails_may_have_been_saved(
    fake: FakeGoogle, lagging: Mailbox
) -> None:
    # The save lands late, and every drafts.list fails: the call cannot tell.
    fake.faults = FaultPlan(
        rate=1.0, kinds=("timeout",), paths=["/users/me/drafts"], timeout_s=LATE_S,
        sequence=["timeout"] + ["503"] * 500,
    )  # fmt: skip
    with pytest.raises(dify.ToolFailure) as failed:
        invoke("create_draft", {"to": "a@example.com", "subject": "Unknown"}, LAG_TOKEN)
    message = str(failed.value)
    assert "may have been saved" in message and "list_drafts" in message
    assert len(drafts_titled(lagging, "Unknown")) == 1  # it was, once
