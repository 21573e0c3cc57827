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
    NotFoundError,
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


class Sent:
    """Stands in for the look-up in Sent: the message appears at the ``appears_at``-th look."""

    def __init__(self, appears_at: int | None) -> None:
        self.appears_at = appears_at
        self.looks = 0

    def __call__(self, client: GmailClient, header: str, checked: set[str]) -> Any:
        self.looks += 1
        if self.appears_at is not None and self.looks >= self.appears_at:
            return {"id": "s1", "threadId": "t1"}
        return None


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> GmailClient:
    monkeypatch.delenv("GMAIL_API_BASE_URL", raising=False)
    monkeypatch.setattr(sending, "LOOKUP_WINDOW", 0.5)
    monkeypatch.setattr(sending, "LOOKUP_PAUSE", 0.05)
    return GmailClient("tok")


def no_sleep(_s: float) -> None:
    return None


@pytest.mark.parametrize(
    "unclear",
    [
        TransientError("timeout", reason="timeout"),
        TransientError("reset", reason="network"),
        TransientError("503", status=503),
        TransientError("bad json", reason="bad_json"),
    ],
)
def test_unknown_outcome_found_in_sent_late_is_not_resent(
    client: GmailClient, monkeypatch: pytest.MonkeyPatch, unclear: TransientError
) -> None:
    sent = Sent(appears_at=3)
    monkeypatch.setattr(sending, "find_sent", sent)
    attempt = Attempts(unclear, {"id": "dup"})
    got = sending.send_once(client, attempt, "<m@x>", sleep=lambda s: None)
    assert got == {"id": "s1", "threadId": "t1"}
    assert attempt.calls == 1 and sent.looks == 3


@responses.activate
def test_unknown_outcome_never_found_is_not_resent_and_names_the_message_id(
    client: GmailClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = Sent(appears_at=None)
    monkeypatch.setattr(sending, "find_sent", sent)
    responses.get(LIST_URL, json={})  # the last-resort search finds nothing either
    attempt = Attempts(TransientError("503", status=503), {"id": "dup"})
    with pytest.raises(SendOutcomeUnknownError) as info:
        sending.send_once(client, attempt, "<m@x>")  # real sleeps: the window is 0.5 s
    assert attempt.calls == 1  # never a second attempt
    assert sent.looks >= 3  # kept looking for the whole window
    assert "<m@x>" in str(info.value) and "check the Sent folder" in str(info.value)
    assert "rfc822msgid%3Am%40x" in responses.calls[0].request.url


def test_rate_limit_is_retried_without_lookup(
    client: GmailClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = Sent(appears_at=None)
    monkeypatch.setattr(sending, "find_sent", sent)
    attempt = Attempts(RateLimitError("slow down", status=429), {"id": "s3"})
    assert sending.send_once(client, attempt, "<m@x>", sleep=no_sleep) == {"id": "s3"}
    assert sent.looks == 0


def test_connection_never_made_is_retried_without_lookup(
    client: GmailClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = Sent(appears_at=None)
    monkeypatch.setattr(sending, "find_sent", sent)
    refused = TransientError("refused", reason="connect")
    attempt = Attempts(refused, {"id": "s4"})
    assert sending.send_once(client, attempt, "<m@x>", sleep=no_sleep) == {"id": "s4"}
    attempt = Attempts(*[refused] * sending.SEND_ATTEMPTS)
    with pytest.raises(TransientError, match="was not sent"):
        sending.send_once(client, attempt, "<m@x>", sleep=no_sleep)
    assert sent.looks == 0


def test_permanent_error_is_not_retried(client: GmailClient) -> None:
    attempt = Attempts(InvalidInputError("bad"))
    with pytest.raises(InvalidInputError):
        sending.send_once(client, attempt, "<m@x>", sleep=no_sleep)
    assert attempt.calls == 1


@responses.activate
def test_lookup_refused_is_reported_as_unknown(client: GmailClient) -> None:
    responses.get(LIST_URL, status=401, json={"error": {"code": 401}})
    attempt = Attempts(TransientError("reset", reason="network"))
    with pytest.raises(SendOutcomeUnknownError, match="Sent folder"):
        sending.send_once(client, attempt, "<m@x>", sleep=no_sleep)


def test_rate_limits_to_the_end_say_rate_limited(client: GmailClient) -> None:
    attempt = Attempts(*[RateLimitError("slow down", status=429)] * sending.SEND_ATTEMPTS)
    with pytest.raises(RateLimitError):
        sending.send_once(client, attempt, "<m@x>", sleep=no_sleep)
    assert attempt.calls == sending.SEND_ATTEMPTS


def test_draft_gone_on_a_retry_is_looked_for_not_reported_missing(
    client: GmailClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rate-limited first, then the draft is gone: sent meanwhile (say, by another client).
    sent = Sent(appears_at=1)
    monkeypatch.setattr(sending, "find_sent", sent)
    attempt = Attempts(
        RateLimitError("slow down", status=429), NotFoundError("no draft", status=404)
    )
    assert sending.send_once(client, attempt, "<m@x>", sleep=no_sleep) == sent(client, "", set())
    first = Attempts(NotFoundError("no draft", status=404))
    with pytest.raises(NotFoundError):  # a first attempt's 404 is just that
        sending.send_once(client, first, "<m@x>", sleep=no_sleep)
