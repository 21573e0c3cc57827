"""Hostile and sloppy input: IDs that try to leave their URL path, header injection, absurd
sizes, dead file links, and malformed answers from Google. Clear errors, nothing sent, no
request made when the input alone is wrong, no crash or hang on junk from Google."""

from __future__ import annotations

import base64
import json
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import responses

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from gmail_core import dify
from tests.reliability import (
    FileServer,
    failure,
    fast_retries,
    file_server,
    fill,
    invoke,
    use_fake,
)

TOKEN = "tok-hostile"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=41) as fake:
        box = fake.add_mailbox(TOKEN, "me@example.com", {GMAIL_MODIFY})
        fill(box, 5, tag="hostile", attachment_every=2)
        yield fake


@pytest.fixture
def fake(server: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> FakeGoogle:
    use_fake(monkeypatch, server, budget=20)
    fast_retries(monkeypatch)
    server.faults = None
    server.stats.reset()
    server.mailboxes[0].sent.clear()
    return server


@pytest.fixture(scope="module")
def files() -> Iterator[FileServer]:
    with file_server() as fs:
        yield fs


def sent(fake: FakeGoogle) -> list[bytes]:
    return fake.mailboxes[0].sent


def some_id(fake: FakeGoogle) -> str:
    return sorted(fake.mailboxes[0].messages)[0]


# -- IDs that go into URL paths ----------------------------------------------------------------
BAD_IDS = [
    "a/b",
    "..",
    "../../labels",
    "18c0?format=raw",
    "18c0#frag",
    "18c0%2F..%2Flabels",
    "18c0 18c1",
    "",
    "   ",
    "x" * 10_000,
    "18c0\r\nX-Evil: 1",
    "18c0\x00",
]
ID_TOOLS = [
    ("get_message", "message_id", {}),
    ("get_thread", "thread_id", {}),
    ("download_attachment", "message_id", {}),
    ("reply_to_message", "message_id", {"body": "hi"}),
    ("forward_message", "message_id", {"to": "a@example.com"}),
    ("send_draft", "draft_id", {}),
    ("delete_draft", "draft_id", {}),
    ("update_draft", "draft_id", {"subject": "x"}),
    ("modify_messages", "message_ids", {"star": True}),
    ("trash_messages", "message_ids", {}),
    ("untrash_messages", "message_ids", {}),
]


@pytest.mark.parametrize("bad", BAD_IDS, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize(("tool", "name", "extra"), ID_TOOLS, ids=[t[0] for t in ID_TOOLS])
def test_bad_ids_are_refused_before_any_request(
    fake: FakeGoogle, tool: str, name: str, extra: dict[str, Any], bad: str
) -> None:
    if name == "message_ids" and bad == "18c0 18c1":
        pytest.skip("a space separates list items: two well-formed IDs")
    message = failure(tool, {name: bad, **extra}, TOKEN)
    assert fake.stats.http_requests == 0, fake.stats.calls
    assert sent(fake) == []
    assert len(message) < 300, message
    low = message.lower()
    assert "not a valid gmail" in low or "is required" in low or "neither" in low, message
    assert "unexpected" not in low


def test_rfc822_message_id_with_path_characters_stays_in_the_query(fake: FakeGoogle) -> None:
    message = failure("get_message", {"message_id": "<a/../../labels?x=1@evil.example>"}, TOKEN)
    assert "No message in this mailbox has Message-ID" in message
    assert [c.path for c in fake.stats.calls] == ["/gmail/v1/users/me/messages"]


# -- sloppy values from LLMs ----------------------------------------------------------------------
@pytest.mark.parametrize(("value", "count"), [("3", 3), (" 2 ", 2), (4.0, 4), ("5.0", 5), (1, 1)])
def test_numbers_as_strings_work(fake: FakeGoogle, value: object, count: int) -> None:
    run = invoke("search_messages", {"query": "", "max_results": value}, TOKEN)
    assert run.variables["count"] == count


@pytest.mark.parametrize("value", ["-1", -5, "0", "501", "true", "twenty", "2.5", "1e400", "nan"])
def test_bad_numbers_are_refused_before_any_request(fake: FakeGoogle, value: object) -> None:
    message = failure("search_messages", {"query": "", "max_results": value}, TOKEN)
    assert "max_results" in message
    assert fake.stats.http_requests == 0


@pytest.mark.parametrize(
    ("value", "has_body"),
    [("true", True), ("YES", True), ("0", False), ("false", False), (1, True)],
)
def test_booleans_as_strings_work(fake: FakeGoogle, value: object, has_body: bool) -> None:
    run = invoke("search_messages", {"query": "", "max_results": 2, "include_body": value}, TOKEN)
    assert all(bool(m["body"]) == has_body for m in run.variables["messages"])


def test_bad_boolean_is_refused(fake: FakeGoogle) -> None:
    message = failure("search_messages", {"query": "", "include_body": "maybe"}, TOKEN)
    assert "include_body" in message and fake.stats.http_requests == 0


@pytest.mark.parametrize("shape", ["json", "commas", "lines", "semicolons", "quoted"])
def test_message_ids_given_as_strings(fake: FakeGoogle, shape: str) -> None:
    a, b = sorted(fake.mailboxes[0].messages)[:2]
    value = {
        "json": json.dumps([a, b]),
        "commas": f"{a}, {b}",
        "lines": f"{a}\n{b}\n",
        "semicolons": f"{a};{b}",
        "quoted": f"'{a}', \"{b}\"",
    }[shape]
    run = invoke("modify_messages", {"message_ids": value, "star": "true"}, TOKEN)
    assert run.variables["message_ids"] == [a, b]
    box = fake.mailboxes[0]
    assert "STARRED" in box.messages[a].label_ids and "STARRED" in box.messages[b].label_ids


# -- header injection ------------------------------------------------------------------------
INJECTIONS = [
    {"to": "a@example.com\r\nBcc: victim@evil.example"},
    {"to": "a@example.com\nBcc: victim@evil.example"},
    {"to": "a@example.com", "cc": "b@example.com\rBcc: victim@evil.example"},
    {"to": "a@example.com", "bcc": "b@example.com\r\nX-Evil: 1"},
    {"to": "a@example.com", "reply_to": "b@example.com\r\nX-Evil: 1"},
    {"to": "a@example.com", "subject": "Hello\r\nBcc: victim@evil.example"},
    {"to": "a@example.com", "subject": "Hello\nContent-Type: text/html"},
    {"to": "Eve\r\nBcc: victim@evil.example <a@example.com>"},
]


@pytest.mark.parametrize("fields", INJECTIONS, ids=range(len(INJECTIONS)))
def test_header_injection_is_refused_and_nothing_sent(
    fake: FakeGoogle, fields: dict[str, str]
) -> None:
    message = failure("send_message", {"body": "x", **fields}, TOKEN)
    assert sent(fake) == []
    assert not any("send" in c.path for c in fake.stats.calls)
    clear = ("line break", "not allowed", "not a valid email address")
    assert any(c in message for c in clear), message
    assert len(message) < 300


@pytest.mark.parametrize("name", ["a.pdf\r\nX-Evil: 1", "a\n.pdf", "a\x00.pdf", "evil\r.pdf"])
def test_attachment_filename_injection_is_refused(
    fake: FakeGoogle, files: FileServer, name: str
) -> None:
    att = files.file_param("/inj.pdf", b"%PDF-1.4 x", filename=name)
    message = failure("send_message", {"to": "a@example.com", "attachments": [att]}, TOKEN)
    assert sent(fake) == []
    assert "filename" in message


# -- sizes and files ----------------------------------------------------------------------------
def recipients(n: int) -> str:
    return ", ".join(f"user{i}@example.com" for i in range(n))


def test_thousand_recipients_are_refused_with_the_limit(fake: FakeGoogle) -> None:
    message = failure("send_message", {"to": recipients(1000), "body": "x"}, TOKEN)
    assert "500" in message and "to" in message
    assert sent(fake) == [] and fake.stats.http_requests == 0


def test_many_recipients_within_the_limit_are_sent_once(fake: FakeGoogle) -> None:
    invoke("send_message", {"to": recipients(400), "cc": recipients(50), "body": "x"}, TOKEN)
    assert len(sent(fake)) == 1
    assert b"user399@example.com" in sent(fake)[0]


def test_declared_size_over_25_mb_is_refused_before_download(
    fake: FakeGoogle, files: FileServer
) -> None:
    files.requests.clear()
    big = files.file_param("/big.pdf", None, filename="big.pdf", size=26 * MB)
    message = failure("send_message", {"to": "a@example.com", "attachments": [big]}, TOKEN)
    assert "25 MB" in message and "big.pdf" in message
    assert files.requests == [] and sent(fake) == []


def test_total_over_25_mb_across_files_is_refused(fake: FakeGoogle, files: FileServer) -> None:
    a = files.file_param("/a.pdf", None, filename="a.pdf", size=13 * MB)
    b = files.file_param("/b.pdf", None, filename="b.pdf", size=13 * MB)
    message = failure("send_message", {"to": "a@example.com", "attachments": [a, b]}, TOKEN)
    assert "25 MB" in message and sent(fake) == []


def test_undeclared_size_over_25_mb_stops_the_download(fake: FakeGoogle, files: FileServer) -> None:
    big = files.file_param("/big-undeclared.pdf", b"\0" * (26 * MB), filename="u.pdf", size=None)
    message = failure("send_message", {"to": "a@example.com", "attachments": [big]}, TOKEN)
    assert "25 MB" in message and sent(fake) == []
    files.files.pop("/big-undeclared.pdf")


def test_zero_byte_and_unnamed_attachments_work(fake: FakeGoogle, files: FileServer) -> None:
    empty = files.file_param("/empty.pdf", b"", filename="empty.pdf")
    unnamed = files.file_param("/unnamed", b"%PDF-1.4 unnamed", filename=None)
    blank = files.file_param("/blank", b"data", filename="   ")
    run = invoke(
        "send_message", {"to": "a@example.com", "attachments": [empty, unnamed, blank]}, TOKEN
    )
    assert run.variables["message_id"]
    assert len(sent(fake)) == 1
    raw = sent(fake)[0]
    assert b'filename="empty.pdf"' in raw or b"filename=empty.pdf" in raw
    assert b"attachment-2" in raw and b"attachment-3" in raw


@pytest.mark.parametrize("tool", ["send_message", "create_draft"])
def test_dead_file_link_is_a_clear_error_and_nothing_sent(
    fake: FakeGoogle, files: FileServer, tool: str
) -> None:
    dead = files.file_param("/expired-link", None, filename="report.pdf", size=10)
    message = failure(tool, {"to": "a@example.com", "attachments": [dead]}, TOKEN)
    assert "report.pdf" in message and "404" in message
    assert sent(fake) == []
    assert not fake.mailboxes[0].drafts or tool == "send_message"


def test_unreachable_file_service_is_a_clear_error(fake: FakeGoogle) -> None:
    att = {
        "dify_model_identity": "__dify__file__",
        "url": "http://127.0.0.1:9/files/x",
        "type": "document",
        "filename": "x.pdf",
        "size": 3,
    }
    message = failure("send_message", {"to": "a@example.com", "attachments": [att]}, TOKEN)
    assert "x.pdf" in message and "FILES_URL" in message
    assert sent(fake) == []


@pytest.mark.parametrize("shape", ["answers late", "trickles"])
def test_a_slow_file_service_cannot_outlast_the_call(
    fake: FakeGoogle, files: FileServer, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    # Dify stops waiting for the plugin after its own timeout: the download must end within
    # the call's time budget (3 s here), whether the file service stalls or trickles.
    monkeypatch.setenv("GMAIL_TIME_BUDGET_SECONDS", "3")
    path = f"/slow-{shape.replace(' ', '-')}.pdf"
    att = files.file_param(path, b"%PDF-1.4 " + b"x" * 40_000, filename="slow.pdf")
    files.slow[path] = (8.0, 0.0) if shape == "answers late" else (0.0, 0.8)
    started = time.monotonic()
    message = failure("send_message", {"to": "a@example.com", "attachments": [att]}, TOKEN)
    assert time.monotonic() - started < 5
    assert "slow.pdf" in message and "Nothing was sent" in message
    assert sent(fake) == []


# -- malformed answers from Google ---------------------------------------------------------------
API = "https://gmail.test"
MSG = API + "/gmail/v1/users/me/messages/18c0000000000001"
LIST = API + "/gmail/v1/users/me/messages"
BATCH = API + "/batch/gmail/v1"


@contextmanager
def time_guard(seconds: int = 30) -> Iterator[None]:
    """Fail (rather than hang the suite) if the block runs for more than ``seconds``."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took more than {seconds}s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def part(
    mime: str, data: bytes | str | None = None, parts: list[Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"size": 0}
    if data is not None:
        body["data"] = data if isinstance(data, str) else b64(data)
    out: dict[str, Any] = {
        "mimeType": mime,
        "partId": "",
        "filename": "",
        "headers": [],
        "body": body,
    }
    if parts is not None:
        out["parts"] = parts
    return out


def deep(levels: int) -> dict[str, Any]:
    node = part("text/plain", b"bottom")
    for _ in range(levels):
        node = part("multipart/mixed", parts=[node])
    return node


def wide(count: int) -> dict[str, Any]:
    kids = [part("text/plain", f"part {i}".encode()) for i in range(count)]
    return part("multipart/mixed", parts=kids)


def resource(payload: Any, **extra: Any) -> dict[str, Any]:
    return {"id": "18c0000000000001", "threadId": "18c0000000000001", "payload": payload, **extra}


class DeepJson:
    def __init__(self, levels: int) -> None:
        self.levels = levels


JUNK_BODIES: list[tuple[str, Any]] = [
    ("html", "<html>502</html>"),
    ("truncated", '{"id": "18c0000000000001", "payload": {"mimeType": "text/pl'),
    ("empty-object", {}),
    ("list", []),
    ("string", "just a string"),
    ("null", None),
    ("number", 42),
    (
        "wrong-types",
        {"id": 5, "threadId": [], "labelIds": "INBOX", "payload": "x", "internalDate": "soon"},
    ),
    (
        "headers-junk",
        resource(
            {
                "mimeType": "text/plain",
                "headers": [None, 1, {"name": 5}, {"name": "Subject", "value": ["x"]}],
                "body": {"data": b64(b"hi")},
            }
        ),
    ),
    ("bad-base64", resource(part("text/plain", "!!!@@@***"))),
    ("base64-of-binary", resource(part("text/html", b"\xff\xfe\x00<p>\x81\x82</p>"))),
    ("parts-not-list", resource({"mimeType": "multipart/mixed", "parts": {"a": 1}})),
    (
        "parts-junk",
        resource({"mimeType": "multipart/mixed", "parts": [None, 3, "x", [], {"mimeType": None}]}),
    ),
    ("deep-100", resource(deep(100))),
    ("deep-300", DeepJson(300)),
    ("wide-10000", resource(wide(10_000))),
    ("huge-date", resource(part("text/plain", b"x"), internalDate="9" * 40)),
    (
        "attachment-junk",
        resource(
            {
                "mimeType": "multipart/mixed",
                "parts": [
                    {
                        "mimeType": "application/pdf",
                        "filename": "a\r\n.pdf",
                        "body": {"attachmentId": 7, "size": "big"},
                    }
                ],
            }
        ),
    ),
]


def deep_json(levels: int) -> str:
    """JSON text of a payload nested ``levels`` deep (json.dumps would hit the recursion limit)."""
    leaf = json.dumps(part("text/plain", b"bottom"))
    head = '{"mimeType": "multipart/mixed", "body": {"size": 0}, "parts": ['
    inner = head * levels + leaf + "]}" * levels
    return '{"id": "18c0000000000001", "threadId": "t", "payload": ' + inner + "}"


def body_of(value: Any) -> str:
    if isinstance(value, DeepJson):
        return deep_json(value.levels)
    return value if isinstance(value, str) else json.dumps(value)


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    monkeypatch.setenv("GMAIL_API_BASE_URL", API)
    monkeypatch.setenv("GMAIL_TIME_BUDGET_SECONDS", "20")
    fast_retries(monkeypatch)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def no_crash(tool: str, params: dict[str, Any]) -> str | None:
    """Run the tool; None on success, else the failure text, which must not be a crash."""
    with time_guard(60):
        try:
            invoke(tool, params, "tok-mock")
        except dify.ToolFailure as exc:
            text = str(exc)
            assert "unexpected error" not in text, text
            assert len(text) < 400
            return text
    return None


UNREADABLE = "Gmail sent an unreadable answer. This is usually temporary: try again."
LEFT_OUT = "Gmail's batch answer left out this message. This is usually temporary: try again."
ATTEMPTS = 5  # client.MAX_ATTEMPTS: an unreadable answer is retried like any temporary failure

JUNK_CASES = [
    *[pytest.param(n, a, id=n) for n, a in JUNK_BODIES],
    pytest.param("deep-900", DeepJson(900), id="deep-900"),
    pytest.param("deep-100000", DeepJson(100_000), id="deep-100000"),
]
# Not a message at all (or JSON nested past any reader's stack): the temporary error.
NOT_A_MESSAGE = {
    "html", "truncated", "empty-object", "list", "string", "null", "number", "wrong-types",
    "deep-900", "deep-100000",
}  # fmt: skip
# A message with junk inside: it comes back, with whatever could be read.
BODY_OF = {"headers-junk": "hi", "huge-date": "x", "wide-10000": "part 0"}


@pytest.mark.parametrize(("name", "answer"), JUNK_CASES)
@pytest.mark.parametrize("body_format", ["markdown", "text", "html"])
def test_malformed_message_resources_have_one_outcome_each(
    mocked: responses.RequestsMock, name: str, answer: Any, body_format: str
) -> None:
    mocked.get(MSG, body=body_of(answer), content_type="application/json")
    params = {"message_id": "18c0000000000001", "body_format": body_format}
    if name in NOT_A_MESSAGE:
        assert no_crash("get_message", params) == UNREADABLE
        assert len(mocked.calls) == ATTEMPTS  # retried, then given up
        return
    with time_guard(60):
        run = invoke("get_message", params, "tok-mock")
    assert len(mocked.calls) == 1
    assert run.variables["id"] == "18c0000000000001"
    assert isinstance(run.variables["body"], str)
    assert BODY_OF.get(name, "") in run.variables["body"]


def batch_answer(parts: list[tuple[str, str, str]]) -> str:
    """A multipart/mixed batch response from (content id, status line, body)."""
    out = []
    for cid, status, body in parts:
        out += [
            "--batch_x",
            "Content-Type: application/http",
            f"Content-ID: <response-{cid}>",
            "",
            status,
            "Content-Type: application/json; charset=UTF-8",
            "",
            body,
        ]
    out.append("--batch_x--")
    return "\r\n".join(out)


BATCH_JUNK = [
    ("not-multipart", "text/plain", "hello", UNREADABLE),
    ("no-boundary", "multipart/mixed", "--batch_x\r\n\r\n", UNREADABLE),
    ("empty", "multipart/mixed; boundary=batch_x", "", UNREADABLE),
    (
        "garbage-parts",
        "multipart/mixed; boundary=batch_x",
        "--batch_x\r\n\x00\x01junk\r\n--batch_x--",
        LEFT_OUT,
    ),
    (
        "non-json-200",
        "multipart/mixed; boundary=batch_x",
        batch_answer(
            [("18c0000000000001", "HTTP/1.1 200 OK", "<html>"), ("labels", "HTTP/1.1 200 OK", "{]")]
        ),
        UNREADABLE,
    ),
    (
        "list-200",
        "multipart/mixed; boundary=batch_x",
        batch_answer(
            [
                ("18c0000000000001", "HTTP/1.1 200 OK", "[1, 2]"),
                ("labels", "HTTP/1.1 200 OK", '{"labels": "x"}'),
            ]
        ),
        UNREADABLE,
    ),
    (
        "no-id-200",
        "multipart/mixed; boundary=batch_x",
        batch_answer([("18c0000000000001", "HTTP/1.1 200 OK", '{"snippet": "x"}')]),
        UNREADABLE,
    ),
    (
        "bad-status",
        "multipart/mixed; boundary=batch_x",
        batch_answer([("18c0000000000001", "HTTP/1.1 abc", "{}")]),
        LEFT_OUT,
    ),
    (
        "unknown-ids",
        "multipart/mixed; boundary=batch_x",
        batch_answer([("zzz", "HTTP/1.1 200 OK", "{}")]),
        LEFT_OUT,
    ),
]


@pytest.mark.parametrize(
    ("name", "ctype", "answer", "reason"), BATCH_JUNK, ids=[b[0] for b in BATCH_JUNK]
)
def test_malformed_batch_answers_have_one_outcome_each(
    mocked: responses.RequestsMock, name: str, ctype: str, answer: str, reason: str
) -> None:
    # Three messages (two only left out): more than client.ALONE_MAX, so every retry is
    # a batch request that gets the same junk answer.
    ids = ["18c0000000000001", "18c0000000000002", "18c0000000000003"]
    mocked.get(LIST, json={"messages": [{"id": i, "threadId": "t"} for i in ids]})
    mocked.post(BATCH, body=answer, content_type=ctype)
    message = no_crash("search_messages", {"query": "x"})
    assert message == f"Could not fetch any of the 3 messages found. {reason}"
    assert len(mocked.calls) == 1 + ATTEMPTS  # the list, then the batch until given up


@pytest.mark.parametrize(
    "listing",
    [
        {"messages": "nope"},
        {"messages": [None, 5, {"id": None}, {"id": ""}, {"threadId": "x"}]},
        {"messages": [{"id": "18c0000000000001"}, {"id": 7}]},
        {"messages": [], "nextPageToken": {"a": 1}, "resultSizeEstimate": "many"},
        {"resultSizeEstimate": "many"},
        [],
        "x",
        None,
        42,
    ],
    ids=range(9),
)
def test_malformed_message_lists_are_unreadable(
    mocked: responses.RequestsMock, listing: Any
) -> None:
    mocked.get(LIST, body=json.dumps(listing), content_type="application/json")
    assert no_crash("search_messages", {"query": "x"}) == UNREADABLE
    assert len(mocked.calls) == ATTEMPTS


@pytest.mark.parametrize(
    "listing",
    [
        {"drafts": "nope"},
        {"drafts": [None, {"id": ""}, {"message": {"id": "m"}}]},
        {"drafts": [], "nextPageToken": 7},
        [],
        None,
    ],
    ids=range(5),
)
def test_malformed_draft_lists_are_unreadable(mocked: responses.RequestsMock, listing: Any) -> None:
    mocked.get(API + "/gmail/v1/users/me/drafts", body=json.dumps(listing))
    assert no_crash("list_drafts", {}) == UNREADABLE
    assert len(mocked.calls) == ATTEMPTS


def test_an_empty_list_answer_is_no_messages(mocked: responses.RequestsMock) -> None:
    mocked.get(LIST, json={"resultSizeEstimate": 0})  # Gmail leaves "messages" out
    run = invoke("search_messages", {"query": "x"}, "tok-mock")
    assert (run.variables["count"], run.variables["messages"]) == (0, [])
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    "listing",
    [{"messages": [{"id": "../../labels"}]}, {"messages": [{"id": "a/b?c=d"}]}],
    ids=["dotdot", "query"],
)
def test_hostile_ids_from_google_do_not_reach_a_url(
    mocked: responses.RequestsMock, listing: Any
) -> None:
    mocked.get(LIST, json=listing)
    outcome = no_crash("search_messages", {"query": "x"})
    assert outcome is not None and "not a valid Gmail" in outcome
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("tool", ["download_attachment", "get_message"])
def test_attachment_over_difys_30_mb_is_refused_by_name_and_size(
    mocked: responses.RequestsMock, tool: str
) -> None:
    big = {
        "partId": "1",
        "mimeType": "application/pdf",
        "filename": "scan.pdf",
        "headers": [{"name": "Content-Disposition", "value": 'attachment; filename="scan.pdf"'}],
        "body": {"size": 30 * MB + 1, "attachmentId": "ANGjdJ_big"},
    }
    text = part("text/plain", b"see attached")
    text["partId"] = "0"
    mocked.get(MSG, json=resource({**part("multipart/mixed", parts=[text, big])}))
    params: dict[str, Any] = {"message_id": "18c0000000000001"}
    if tool == "get_message":
        params["download_attachments"] = True
    message = no_crash(tool, params)
    assert message is not None
    assert "'scan.pdf' (30.0 MB)" in message and "30 MB file limit" in message
    assert len(mocked.calls) == 1  # refused before any download
