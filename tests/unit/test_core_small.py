"""Pure helpers: tolerant parameters, label resolution and colours, shortcuts, rendering,
and the never-send-twice loop (with stand-in send attempts)."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from gmail_core import labels, organize, params, render, sending
from gmail_core.client import GmailClient
from gmail_core.errors import (
    InvalidInputError,
    RateLimitError,
    SendOutcomeUnknownError,
    TransientError,
)
from gmail_core.message import Attachment, Message


# -- params ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), ("true", True), ("Yes", True), (1, True), ("false", False), ("0", False), (0, False), (None, False)],
)  # fmt: skip
def test_as_bool(value: object, expected: bool) -> None:
    assert params.as_bool({"x": value}, "x") is expected


def test_as_bool_rejects_garbage_and_blank_means_default() -> None:
    with pytest.raises(InvalidInputError, match="'x' must be true or false"):
        params.as_bool({"x": "maybe"}, "x")
    assert params.as_bool({"x": ""}, "x", default=True) is True


@pytest.mark.parametrize(
    ("value", "expected"), [("20", 20), (20.0, 20), (" 7 ", 7), (None, 5), ("", 5)]
)
def test_as_int(value: object, expected: int) -> None:
    assert params.as_int({"n": value}, "n", 5, minimum=1, maximum=500) == expected


@pytest.mark.parametrize("value", ["-1", "501", "2.5", "lots", True, "nan"])
def test_as_int_rejects(value: object) -> None:
    with pytest.raises(InvalidInputError, match="'n' must"):
        params.as_int({"n": value}, "n", 5, minimum=1, maximum=500)


def test_as_list_accepts_what_llms_send() -> None:
    assert params.as_list({"x": "a, b;c\nd  e"}, "x") == ["a", "b", "c", "d", "e"]
    assert params.as_list({"x": '["a", "b", "a"]'}, "x") == ["a", "b"]
    assert params.as_list({"x": ["a", "b c"]}, "x") == ["a", "b", "c"]
    assert params.as_list({"x": "My Label, Work/Clients"}, "x", split_spaces=False) == [
        "My Label",
        "Work/Clients",
    ]
    assert params.as_list({}, "x") == []


def test_as_choice_is_case_insensitive_and_canonical() -> None:
    assert (
        params.as_choice({"v": "LABELSHOW"}, "v", ("labelShow", "labelHide"), "labelHide")
        == "labelShow"
    )
    assert params.body_format({}) == "markdown"
    with pytest.raises(InvalidInputError, match="one of"):
        params.body_format({"body_format": "pdf"})


def test_strings_have_length_limits() -> None:
    with pytest.raises(InvalidInputError, match="too long"):
        params.as_str({"q": "x" * 3000}, "q", max_len=2000)
    assert params.optional_str({"to": "  "}, "to") is None


# -- labels and organise ---------------------------------------------------------------------
KNOWN = [
    labels.Label("INBOX", "INBOX", "system"),
    labels.Label("Label_1", "Work/Clients"),
    labels.Label("Label_2", "Personal"),
]


def test_resolve_names_ids_and_system_labels() -> None:
    ids, missing = labels.resolve(KNOWN, ["work/clients", "Label_2", "starred", "nope"])
    assert ids == ["Label_1", "Label_2", "STARRED"]
    assert missing == ["nope"]


def test_unknown_label_error_names_the_closest() -> None:
    err = labels.unknown_labels_error(["Work/Client"], KNOWN)
    assert "Work/Clients" in str(err) and "list_labels" in str(err)


def test_label_colours() -> None:
    assert labels.check_color("4A86E8", "background_color") == "#4a86e8"
    with pytest.raises(InvalidInputError, match="Closest allowed"):
        labels.check_color("#4a86e9", "background_color")
    with pytest.raises(InvalidInputError, match="not one of Gmail's label colours"):
        labels.check_color("blue", "text_color")


def test_shortcuts_and_conflicts() -> None:
    add, remove = organize.shortcut_labels({"mark_read": True, "star": True, "archive": True})
    assert add == ["STARRED"] and remove == ["UNREAD", "INBOX"]
    with pytest.raises(InvalidInputError, match="contradict"):
        organize.shortcut_labels({"archive": True, "move_to_inbox": True})


def test_message_id_lists() -> None:
    assert organize.message_ids(["a1", "b2", "a1", " "]) == ["a1", "b2"]
    with pytest.raises(InvalidInputError, match="required"):
        organize.message_ids([])
    with pytest.raises(InvalidInputError, match="at most 1000"):
        organize.message_ids([f"m{i}" for i in range(1001)])
    with pytest.raises(InvalidInputError, match="not a valid"):
        organize.message_ids(["ok", "../x"])


# -- render --------------------------------------------------------------------------------
def test_message_summary_keys_and_flags() -> None:
    m = Message(
        id="m1",
        thread_id="t1",
        label_ids=("INBOX", "UNREAD", "STARRED", "Label_1"),
        subject="Hi",
        attachments=(Attachment("a.pdf", "application/pdf", 10, "1", "ATT"),),
    )
    d = render.message_summary(m, {"Label_1": "Work"})
    assert d["labels"] == ["INBOX", "Work"]  # flags are not repeated as labels
    assert d["unread"] and d["starred"] and d["has_attachments"]
    assert d["attachments"] == [
        {
            "filename": "a.pdf",
            "mime_type": "application/pdf",
            "size": 10,
            "part_id": "1",
            "attachment_id": "ATT",
        }
    ]
    full = render.message_full(m, {}, "body")
    assert full["body"] == "body" and "message_id_header" in full


# -- never send twice ----------------------------------------------------------------------------
LIST_URL = "https://gmail.googleapis.com/gmail/v1/users/me/messages"


class Attempts:
    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> GmailClient:
    monkeypatch.delenv("GMAIL_API_BASE_URL", raising=False)
    return GmailClient("tok")


@responses.activate
def test_unknown_outcome_that_landed_is_not_resent(client: GmailClient) -> None:
    responses.get(LIST_URL, json={"messages": [{"id": "s1", "threadId": "t1"}]})
    attempt = Attempts(TransientError("timeout", reason="timeout"), {"id": "dup"})
    got = sending.send_once(client, attempt, "<m@x>", sleep=lambda _s: None)
    assert got == {"id": "s1", "threadId": "t1"}
    assert attempt.calls == 1
    assert "rfc822msgid%3Am%40x" in responses.calls[0].request.url


@responses.activate
def test_unknown_outcome_not_landed_is_retried_once_more(client: GmailClient) -> None:
    responses.get(LIST_URL, json={})
    attempt = Attempts(TransientError("503", status=503), {"id": "s2"})
    got = sending.send_once(client, attempt, "<m@x>", sleep=lambda _s: None)
    assert got == {"id": "s2"} and attempt.calls == 2
    assert len(responses.calls) == sending.LOOKUP_TRIES


def test_rate_limit_is_retried_without_lookup(client: GmailClient) -> None:
    attempt = Attempts(RateLimitError("slow down", status=429), {"id": "s3"})
    assert sending.send_once(client, attempt, "<m@x>", sleep=lambda _s: None) == {"id": "s3"}


def test_permanent_error_is_not_retried(client: GmailClient) -> None:
    attempt = Attempts(InvalidInputError("bad"))
    with pytest.raises(InvalidInputError):
        sending.send_once(client, attempt, "<m@x>", sleep=lambda _s: None)
    assert attempt.calls == 1


@responses.activate
def test_lookup_failure_is_reported_as_unknown(client: GmailClient) -> None:
    responses.get(LIST_URL, status=401, json={"error": {"code": 401}})
    attempt = Attempts(TransientError("reset", reason="network"))
    with pytest.raises(SendOutcomeUnknownError, match="Sent folder"):
        sending.send_once(client, attempt, "<m@x>", sleep=lambda _s: None)


@responses.activate
def test_gives_up_after_the_attempts_and_says_not_sent(client: GmailClient) -> None:
    responses.get(LIST_URL, json={})
    attempt = Attempts(*[TransientError("503", status=503)] * sending.SEND_ATTEMPTS)
    with pytest.raises(SendOutcomeUnknownError, match="was not sent"):
        sending.send_once(client, attempt, "<m@x>", sleep=lambda _s: None)
    assert attempt.calls == sending.SEND_ATTEMPTS
