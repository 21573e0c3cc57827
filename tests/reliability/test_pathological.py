"""Pathological but well-formed mail (devkit/hostile_mail.py) through the reader and the tools.

Every case goes through ``parse_message`` and the text conversion (with the quoted history
trimmed, as get_thread does), and end to end through ``search_messages`` and ``get_thread``
(as Markdown) with normal messages around it. Header values are served raw and, for the cases whose
hostile part is RFC 2047 words, with the words already decoded (Gmail may do either). Each
case raises nothing, finishes within ``CASE_SECONDS`` (a guard far above what it takes:
``python -m bench.pathological`` prints the real figures), keeps the headers it did not
attack, and leaves the normal messages around it complete.
"""

from __future__ import annotations

import ast
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pytest
from gevent import monkey

import gmail_core
from bench import stall as stall_bench
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.hostile_mail import (
    CASES,
    HIDDEN_MARKER,
    HIDDEN_TEXT_CASES,
    HIDDEN_WRAPPERS,
    VISIBLE_MARKER,
    VISIBLE_WRAPPERS,
    Case,
    gmail_resource,
    hidden_html,
    html_message,
    html_single_line,
)
from gmail_core import dify, messages, offload, reading
from gmail_core.reading import parse_message, rendered_body
from tests.reliability import cpu_hog, fast_retries, invoke, use_fake

# CPU seconds of this process (the plugin's code, and in end-to-end tests the fake Google's
# too): ten times what the slowest case takes, so a busy machine does not fail the suite.
# Before the limits of issue 9 the slowest cases took minutes of CPU or raised.
CASE_SECONDS = 5.0
RAW, DECODED = "tok-raw", "tok-decoded"
MODES = {RAW: False, DECODED: True}
BASE_MS = 1_772_000_000_000
HIDDEN_WORDS = (HIDDEN_MARKER, "AI agent", "attacker@example.net")


def _runs() -> list[tuple[Case, bool]]:
    return [(case, False) for case in CASES] + [
        (case, True) for case in CASES if case.decoded is not None
    ]


RUNS = _runs()
RUN_IDS = [f"{case.name}-{'decoded' if decoded else 'raw'}" for case, decoded in RUNS]


def _raw(case: Case, decoded: bool) -> bytes:
    build = case.decoded if decoded and case.decoded is not None else case.build
    return build()


def _normal(case: Case, which: str) -> bytes:
    return (
        f"From: Alice <alice@example.com>\r\nTo: me@example.com\r\n"
        f"Subject: Normal {which} {case.name}\r\nDate: Mon, 2 Mar 2026 08:00:00 +0000\r\n"
        f"Message-ID: <{which}-{case.name}@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hello from the {which} message of {case.name}.\r\n"
    ).encode()


def _untouched_headers(raw: bytes) -> dict[str, str]:
    """Which default headers the case left alone: they must come through intact."""
    headers = BytesHeaderParser().parsebytes(raw)
    expected = {
        "from_": ("From", "Hostile Sender <hostile@example.com>"),
        "to": ("To", "me@example.com"),
        "subject": ("Subject", "Hostile message"),
        "date": ("Date", "Mon, 2 Mar 2026 09:00:00 +0000"),
    }
    return {
        attribute: value
        for attribute, (name, value) in expected.items()
        if str(headers.get(name, "")) == value
    }


# -- end to end, with normal messages around each case ------------------------------------------


@dataclass
class Mailboxes:
    fake: FakeGoogle
    threads: dict[tuple[str, str], str]  # (token, case name) -> the thread around the case
    hostile: dict[tuple[str, str], str]  # (token, case name) -> the case's message ID

    def resource(self, case: Case, decoded: bool) -> dict[str, Any]:
        """The case as Gmail serves it with format=full (what get_message reads)."""
        token = DECODED if decoded else RAW
        box = self.fake.mailbox_for_token(token)
        assert box is not None
        return box.render(box.get(self.hostile[token, case.name]), "full")


@pytest.fixture(scope="module")
def server() -> Iterator[Mailboxes]:
    with FakeGoogle(seed=91) as fake:
        threads: dict[tuple[str, str], str] = {}
        hostile: dict[tuple[str, str], str] = {}
        for token, decoded in MODES.items():
            box = fake.add_mailbox(
                token, "me@example.com", {GMAIL_MODIFY}, decode_header_words=decoded
            )
            for index, (case, mode) in enumerate(RUNS):
                if mode != decoded:
                    continue
                when = BASE_MS + index * 600_000
                first = box.add_message(_normal(case, "before"), internal_date_ms=when)
                thread = box.get(first).thread_id
                hostile[token, case.name] = box.add_message(
                    _raw(case, decoded), internal_date_ms=when + 60_000, thread_id=thread
                )
                box.add_message(
                    _normal(case, "after"), internal_date_ms=when + 120_000, thread_id=thread
                )
                threads[token, case.name] = thread
        yield Mailboxes(fake, threads, hostile)


@pytest.fixture
def boxes(server: Mailboxes, monkeypatch: pytest.MonkeyPatch) -> Mailboxes:
    use_fake(monkeypatch, server.fake, budget=120)
    fast_retries(monkeypatch)
    return server


def _check_normal(item: dict[str, Any], case_name: str, *, with_body: bool) -> None:
    which = "before" if "before" in item["subject"] else "after"
    assert item["subject"] == f"Normal {which} {case_name}"
    assert item["from"] == "Alice <alice@example.com>"
    assert item["to"] == "me@example.com"
    assert item["date"] == "2026-03-02T08:00:00+00:00"
    assert item["notes"] == []
    if with_body:
        assert item["body"] == f"Hello from the {which} message of {case_name}."


@pytest.mark.parametrize("token", list(MODES))
def test_search_returns_every_message_and_the_normal_ones_complete(
    boxes: Mailboxes, token: str
) -> None:
    box = boxes.fake.mailbox_for_token(token)
    assert box is not None
    # the inbox: in a random test order the forward/reply test may have added sent mail first
    total = sum("INBOX" in m.label_ids for m in box.messages.values())
    started = time.process_time()
    run = invoke("search_messages", {"query": "", "max_results": 500}, token)
    elapsed = time.process_time() - started
    found = run.variables["messages"]
    assert run.variables["count"] == total and run.variables["failed_ids"] == []
    assert elapsed < CASE_SECONDS * total / 3, f"{elapsed:.1f} s"
    threads = {thread: name for (tok, name), thread in boxes.threads.items() if tok == token}
    for item in found:
        name = threads[item["thread_id"]]
        if item["subject"].startswith("Normal "):
            _check_normal(item, name, with_body=False)
    text = "".join(run.texts)
    for item in found:  # what could not be read is said in the agent text too
        assert all(f"Note: {note}" in text for note in item["notes"]), item["notes"]


@pytest.mark.parametrize(("case", "decoded"), RUNS, ids=RUN_IDS)
def test_get_thread_reads_each_case_and_its_neighbours(
    boxes: Mailboxes, case: Case, decoded: bool
) -> None:
    token = DECODED if decoded else RAW
    thread = boxes.threads[token, case.name]
    started = time.process_time()
    run = invoke("get_thread", {"thread_id": thread, "body_format": "markdown"}, token)
    elapsed = time.process_time() - started
    assert elapsed < CASE_SECONDS, f"{case.name}: {elapsed:.1f} s"
    # oldest first: a reply draft the forward/reply test may have left comes after the three
    before, hostile, after = run.variables["messages"][:3]
    _check_normal(before, case.name, with_body=True)
    _check_normal(after, case.name, with_body=True)
    assert hostile["thread_id"] == thread and hostile["id"]
    text = "".join(run.texts)
    assert all(f"Note: {note}" in text for note in hostile["notes"]), hostile["notes"]


# -- the reader ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "decoded"), RUNS, ids=RUN_IDS)
def test_reader_reads_each_case_in_bounded_time(
    server: Mailboxes, case: Case, decoded: bool
) -> None:
    raw = _raw(case, decoded)
    resource = server.resource(case, decoded)
    started = time.process_time()
    message = parse_message(resource)
    body = rendered_body(message, "text", 0, trim=True)  # Markdown: test_get_thread_…
    elapsed = time.process_time() - started
    assert elapsed < CASE_SECONDS, f"{case.name}: {elapsed:.1f} s"
    assert message.id == resource["id"] and message.thread_id == resource["threadId"]
    assert message.label_ids == ("INBOX", "UNREAD")
    for attribute, value in _untouched_headers(raw).items():
        got = getattr(message, attribute)
        assert got == ("2026-03-02T09:00:00+00:00" if attribute == "date" else value), attribute
    assert isinstance(body, str)
    assert all(len(note) < 300 for note in message.notes)


# -- writing from a hostile original: forward (nested messages included) and reply -----------

WRITE_CASES = [
    "rfc822_depth_100",
    "from_encoded_words_with_parens",
    "from_unclosed_comments_5000",
    "subject_folded_200k_lines",
    "html_nested_anchors_1mb",
    "attribution_lines_16000",
]


@pytest.mark.parametrize("name", WRITE_CASES)
def test_forward_and_reply_of_a_hostile_message_work_or_say_why(
    boxes: Mailboxes, name: str
) -> None:
    box = boxes.fake.mailbox_for_token(RAW)
    assert box is not None
    msg_id = boxes.hostile[RAW, name]
    sent_before = len(box.sent)
    started = time.process_time()
    forwarded = invoke(
        "forward_message", {"message_id": msg_id, "to": "boss@example.com", "note": "FYI"}, RAW
    )
    assert forwarded.variables["message_id"] and len(box.sent) == sent_before + 1
    assert b"FYI" in box.sent[-1] and b"Forwarded message" in box.sent[-1]
    try:
        replied = invoke(
            "reply_to_message",
            {"message_id": msg_id, "body": "Noted.", "reply_all": True, "as_draft": True},
            RAW,
        )
    except dify.ToolFailure as failure:  # only a clear refusal, never "unexpected error"
        assert "unexpected" not in str(failure) and "address" in str(failure), failure
    else:
        assert replied.variables["draft_id"]
    assert time.process_time() - started < 2 * CASE_SECONDS


# -- hidden text --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", HIDDEN_TEXT_CASES, ids=[c.name for c in HIDDEN_TEXT_CASES])
def test_hidden_text_never_reaches_any_body(case: Case) -> None:
    message = parse_message(gmail_resource(case.build()))
    for fmt in ("markdown", "text"):
        body = rendered_body(message, fmt, 0, trim=True)
        assert VISIBLE_MARKER in body
        assert not any(word in body for word in HIDDEN_WORDS), (fmt, body)


@pytest.mark.parametrize(
    ("name", "wrapper"), VISIBLE_WRAPPERS, ids=[n for n, _ in VISIBLE_WRAPPERS]
)
def test_text_that_only_looks_hidden_stays(name: str, wrapper: str) -> None:
    message = parse_message(gmail_resource(html_message(hidden_html(wrapper, "KEEP ME"))))
    for fmt in ("markdown", "text"):
        assert "KEEP ME" in rendered_body(message, fmt, 0, trim=True), (name, fmt)


@pytest.fixture(scope="module")
def hidden_server() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=92) as fake:
        box = fake.add_mailbox("tok-hidden", "me@example.com", {GMAIL_MODIFY})
        for index, case in enumerate(HIDDEN_TEXT_CASES):
            box.add_message(case.build(), internal_date_ms=BASE_MS + index * 60_000)
        yield fake


def test_hidden_text_never_reaches_the_tools(
    hidden_server: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake(monkeypatch, hidden_server, budget=60)
    box = hidden_server.mailboxes[0]
    found = invoke("search_messages", {"max_results": 100, "include_body": True}, "tok-hidden")
    assert found.variables["count"] == len(HIDDEN_WRAPPERS)
    outputs = [item["body"] for item in found.variables["messages"]]
    for msg_id in box.messages:
        for fmt in ("markdown", "text"):
            got = invoke("get_message", {"message_id": msg_id, "body_format": fmt}, "tok-hidden")
            outputs.append(got.variables["body"])
        thread = invoke("get_thread", {"thread_id": msg_id}, "tok-hidden")
        outputs.append(thread.variables["messages"][0]["body"])
    for body in outputs:
        assert VISIBLE_MARKER in body
        assert not any(word in body for word in HIDDEN_WORDS), body


# -- never stall the process ------------------------------------------------------------------


@pytest.mark.e2e
def test_a_slow_hostile_read_does_not_stall_a_concurrent_search() -> None:
    """get_thread on a thread of CPU-heavy messages next to quick searches, in one plugin
    process: the searches' latency barely moves (reading runs off the event loop)."""
    stall = stall_bench.measure(messages=8, searches=5)
    assert stall.slow_error is None and stall.slow_messages == 8
    # The slow read really overlapped the searches (on the event loop it would hold the
    # first one for all of its ~2-3 s), and they hardly noticed it: +30-50 ms at the median
    # on 2 shared cores, more when the machine is busy, so the bounds are set well below
    # the read's own length, not near what is usual.
    assert len(stall.during) >= 5, stall
    alone = statistics.median(stall.alone)
    assert statistics.median(stall.during) < alone + 0.4, stall
    assert max(stall.during) < alone + min(1.0, stall.slow_seconds / 2), stall


def test_twenty_megabyte_html_is_cut_before_conversion_and_says_so() -> None:
    message = parse_message(gmail_resource(html_single_line()))
    body = rendered_body(message, "markdown", 0, trim=False)
    assert "only the first" in body.splitlines()[-1]
    assert any("HTML is 2" in note for note in message.notes)


@pytest.fixture
def hog() -> Iterator[Callable[[], None]]:
    with cpu_hog() as spin:
        yield spin


def test_reading_that_takes_too_long_is_given_up_with_a_note(
    monkeypatch: pytest.MonkeyPatch, hog: Callable[[], None]
) -> None:
    real_parse = reading.parse_message

    def slow_parse(resource: object, *args: Any, **kwargs: Any) -> Any:
        hog()  # an input nobody has thought of: 5 s unless given up
        return real_parse(resource, *args, **kwargs)

    monkeypatch.setattr(offload, "READ_SECONDS", 0.2)
    monkeypatch.setattr(reading, "parse_message", slow_parse)
    resource = {"id": "m1", "threadId": "t1", "labelIds": ["INBOX"], "sizeEstimate": 10**6}
    started = time.perf_counter()
    message = messages.read_message(resource)
    assert time.perf_counter() - started < 1.5
    assert (message.id, message.thread_id, message.label_ids) == ("m1", "t1", ("INBOX",))
    assert message.notes == (
        "Reading this message took longer than 0.2 s: only its IDs and labels are shown. "
        "Open it in Gmail.",
    )


def test_small_mail_is_read_in_place_and_large_mail_off_the_event_loop() -> None:
    native_id = monkey.get_original("threading", "get_native_id")
    here = native_id()
    assert monkey.is_module_patched("threading")  # as in the plugin process
    assert offload.run(native_id, size=offload.INLINE_BELOW - 1) == here
    assert offload.run(native_id, size=offload.INLINE_BELOW) != here


# -- every regex in gmail_core, on ReDoS-shaped input ----------------------------------------

REGEX_INPUT_CHARS = 5_000
REGEX_SECONDS = 0.25  # a backtracking pattern takes seconds on 5,000 characters; these take µs
_RE_FUNCTIONS = {
    "compile",
    "sub",
    "subn",
    "match",
    "search",
    "fullmatch",
    "split",
    "findall",
    "finditer",
}
# How each use runs a pattern: at every position, anchored at the start, or over the whole.
_SCANS = {"sub": "search", "subn": "search", "split": "search", "findall": "search",
          "finditer": "search", "search": "search", "match": "match", "fullmatch": "fullmatch"}  # fmt: skip


@dataclass(frozen=True)
class Regex:
    where: str
    pattern: re.Pattern[Any]
    uses: frozenset[str]  # "search", "match", "fullmatch": how the code runs it

    def __str__(self) -> str:
        return f"{self.where}:{'+'.join(sorted(self.uses))}"


def _flags(node: ast.expr | None) -> int:
    """re.I | re.S … from the source; 0 when absent."""
    if node is None:
        return 0
    if isinstance(node, ast.Attribute):
        return int(getattr(re, node.attr))
    if isinstance(node, ast.BinOp):
        return _flags(node.left) | _flags(node.right)
    return 0


def _every_regex() -> list[Regex]:
    """Each regex written in gmail_core, module constants and inline re.* calls alike, with
    the ways the code runs it (a constant whose uses cannot be seen gets all three)."""
    found: list[Regex] = []
    for path in sorted(Path(gmail_core.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text())
        methods: dict[str, set[str]] = {}  # constant name -> methods called on it
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.attr in _SCANS
            ):
                methods.setdefault(node.value.id, set()).add(_SCANS[node.attr])
        names = {
            id(node.value): node.targets[0].id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        }
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_FUNCTIONS
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            position = 1 if node.func.attr == "compile" else 3
            flag_node = keywords.get("flags") or (
                node.args[position] if len(node.args) > position else None
            )
            if node.func.attr == "compile":
                uses = methods.get(names.get(id(node), ""), set()) or set(_SCANS.values())
            else:
                uses = {_SCANS[node.func.attr]}
            pattern = re.compile(node.args[0].value, _flags(flag_node))
            found.append(Regex(f"{path.stem}:{node.lineno}", pattern, frozenset(uses)))
    return found


def _hostile_inputs(pattern: re.Pattern[Any]) -> list[str]:
    """Long runs built from the pattern's own characters and words, the shapes that make a
    backtracking pattern try every split of a run: "a" * n, "ab" * n, "re" + " " * n …"""
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode()
    rng = random.Random(source)
    chars = sorted({c for c in source if c.isprintable()} | set(" \t\n:a0<\ue000"))
    runs = " \t\n-:0a<>"
    words = sorted(set(re.findall(r"[^\W\d_]{2,}", source)))[:10]
    n = REGEX_INPUT_CHARS
    inputs = [c * n for c in chars]
    inputs += [(a + b) * (n // 2) for a, b in (rng.sample(chars, 2) for _ in range(20))]
    inputs += [w + c * n for w in words for c in runs]
    inputs += [(w + sep) * (n // (len(w) + 1)) for w in words for sep in (" ", ":")]
    inputs += ["".join(rng.choice(chars) for _ in range(n)) for _ in range(3)]
    return inputs


@pytest.mark.parametrize("regex", _every_regex(), ids=str)
def test_no_regex_in_gmail_core_backtracks(regex: Regex) -> None:
    pattern = regex.pattern
    as_bytes = isinstance(pattern.pattern, bytes)
    for text in _hostile_inputs(pattern):
        subject: Any = text.encode("utf-8") if as_bytes else text
        started = time.process_time()
        if "search" in regex.uses:
            sum(1 for _ in pattern.finditer(subject))  # tried at every position
        if "match" in regex.uses:
            pattern.match(subject)
        if "fullmatch" in regex.uses:
            pattern.fullmatch(subject)
        elapsed = time.process_time() - started
        assert elapsed < REGEX_SECONDS, (str(regex), pattern.pattern, text[:40], elapsed)
