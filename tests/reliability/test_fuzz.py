"""Property fuzzing: the reader survives any payload tree, the writer any input (a clear
InvalidInputError is the only allowed failure), each example in bounded time."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmail_core.errors import InvalidInputError
from gmail_core.quotes import trim_quoted
from gmail_core.reading import body_for, parse_message, rendered_body
from gmail_core.writing import OutgoingAttachment, build_message, to_bytes

EXAMPLES = 300
PER_EXAMPLE_SECONDS = 10.0  # generous guard, not a timing assertion
COUNT = {"reader": 0, "writer": 0, "injection": 0, "injection_built": 0}
SLOWEST = {"reader": 0.0, "writer": 0.0}

MIME_TYPES = st.sampled_from(
    [
        "text/plain", "text/html", "text/calendar", "text/x-weird", "multipart/mixed",
        "multipart/alternative", "multipart/related", "multipart/signed", "message/rfc822",
        "application/pdf", "image/png", "application/octet-stream", "", "TEXT/HTML",
        "multipart/", "/", "text/plain; charset=utf-8",
    ]
) | st.text(max_size=30)  # fmt: skip
HEADER_NAMES = st.sampled_from(
    [
        "Subject", "From", "To", "Cc", "Date", "Message-ID", "Content-Type",
        "Content-Disposition", "Content-Transfer-Encoding", "Content-ID", "References",
        "In-Reply-To", "Reply-To",
    ]
) | st.text(max_size=20)  # fmt: skip
HEADER_VALUES = st.sampled_from(
    [
        "=?utf-8?B?w6nDqQ==?=", "=?iso-8859-1?Q?caf=E9?=", "=?bogus?X?zz?=",
        'attachment; filename="a.pdf"', "attachment; filename*=UTF-8''%E2%82%AC.txt",
        "text/plain; charset=koi8-r", "text/html; charset=x-unknown", "inline",
        "Mon, 2 Mar 2026 09:00:00 +0100", "not a date", "<a@b>", "Ann <ann@example.com>, bob",
        '"Smith, J" <j@x>', "=?utf-8?Q?=00?=", "\x00\r\n\t",
    ]
) | st.text(max_size=200)  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


BODY_DATA = st.one_of(
    st.binary(max_size=400).map(_b64),
    st.text(max_size=400).map(lambda t: _b64(t.encode("utf-8", "surrogatepass"))),
    st.sampled_from(["<p>hi<br><table><tr><td>x</td></tr></table>", "BEGIN:VCALENDAR"]).map(
        lambda t: _b64(t.encode())
    ),
    st.text(max_size=100),  # not base64 at all
    st.integers(),
    st.none(),
)
JUNK = st.one_of(
    st.none(), st.integers(), st.text(max_size=10), st.lists(st.integers(), max_size=3)
)


def part_strategy(children: st.SearchStrategy[Any] | None) -> st.SearchStrategy[Any]:
    """A payload part; ``children=None`` is a leaf (its ``parts``, if any, are junk)."""
    kids = JUNK if children is None else st.one_of(st.lists(children, max_size=5), JUNK)
    part = st.fixed_dictionaries(
        {
            "mimeType": MIME_TYPES,
            "partId": st.text(max_size=8),
            "filename": st.one_of(st.text(max_size=40), st.none()),
            "headers": st.lists(
                st.one_of(
                    st.fixed_dictionaries({"name": HEADER_NAMES, "value": HEADER_VALUES}), JUNK
                ),
                max_size=6,
            ),
            "body": st.one_of(
                st.fixed_dictionaries(
                    {"size": st.integers(-5, 10**9), "data": BODY_DATA},
                    optional={"attachmentId": st.text(max_size=20)},
                ),
                JUNK,
            ),
        },
        optional={"parts": kids},
    )
    return st.one_of(part, JUNK)


PAYLOADS = st.recursive(part_strategy(None), part_strategy, max_leaves=40)
RESOURCES = st.fixed_dictionaries(
    {"payload": PAYLOADS},
    optional={
        "id": st.one_of(st.text(max_size=20), JUNK),
        "threadId": st.one_of(st.text(max_size=20), JUNK),
        "labelIds": st.one_of(st.lists(st.text(max_size=12), max_size=4), JUNK),
        "snippet": st.one_of(st.text(max_size=80), JUNK),
        "internalDate": st.one_of(st.integers(-(10**15), 10**15).map(str), JUNK),
    },
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    resource=RESOURCES, fmt=st.sampled_from(["markdown", "text", "html"]), limit=st.integers(0, 500)
)
def reader_property(resource: dict[str, Any], fmt: str, limit: int) -> None:
    COUNT["reader"] += 1
    started = time.perf_counter()
    message = parse_message(resource)
    body = body_for(message, fmt, limit)
    trim_quoted(body)
    assert isinstance(rendered_body(message, fmt, limit, trim=True), str)
    assert isinstance(body, str)
    for att in message.attachments:
        assert isinstance(att.filename, str)
    elapsed = time.perf_counter() - started
    SLOWEST["reader"] = max(SLOWEST["reader"], elapsed)
    assert elapsed < PER_EXAMPLE_SECONDS


TEXT = st.text(max_size=120)
ADDRESSES = st.one_of(
    st.none(),
    TEXT,
    st.lists(
        st.sampled_from(
            [
                "a@example.com", "Ann <ann@example.com>", '"Smith, J" <j@example.com>',
                "bad@", "@bad", "José <jose@ejemplo.es>", "user@bücher.de", "x\r\ny@z.com",
                "a@b.c, d@e.f", "<>", "undisclosed-recipients:;",
            ]
        ),
        max_size=4,
    ).map(", ".join),
)  # fmt: skip
ATTACHMENTS = st.lists(
    st.builds(
        OutgoingAttachment,
        filename=st.one_of(TEXT, st.sampled_from(["a.pdf", "../x", "C:\\d\\b.txt", "...", ""])),
        mime_type=st.one_of(TEXT, st.sampled_from(["application/pdf", "message/rfc822", "x"])),
        data=st.binary(max_size=300),
    ),
    max_size=3,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    to=ADDRESSES,
    cc=ADDRESSES,
    bcc=ADDRESSES,
    reply_to=ADDRESSES,
    subject=st.text(max_size=300),
    body=st.text(max_size=600),
    body_format=st.sampled_from(["text", "markdown", "html", "HTML", "rtf"]),
    attachments=ATTACHMENTS,
    in_reply_to=st.one_of(st.none(), TEXT),
    references=st.one_of(st.none(), TEXT),
    message_id=st.one_of(st.none(), TEXT, st.just("<ok@example.com>")),
)
def writer_property(**kwargs: Any) -> None:
    COUNT["writer"] += 1
    started = time.perf_counter()
    try:
        msg = build_message(**kwargs, require_recipient=False)
    except InvalidInputError as exc:
        assert str(exc) and len(str(exc)) < 1000
    else:
        raw = bytes(to_bytes(msg))
        assert b"\r\n\r\n" in raw
        check_header_block(raw.split(b"\r\n\r\n", 1)[0], kwargs)
    elapsed = time.perf_counter() - started
    SLOWEST["writer"] = max(SLOWEST["writer"], elapsed)
    assert elapsed < PER_EXAMPLE_SECONDS


# The top-level headers the writer sets, and the parameter each one comes from.
HEADERS_FROM = {
    "From": None, "Subject": None, "Date": None, "Message-ID": None, "MIME-Version": None,
    "Content-Type": None, "Content-Transfer-Encoding": None, "To": "to", "Cc": "cc",
    "Bcc": "bcc", "Reply-To": "reply_to", "In-Reply-To": "in_reply_to",
    "References": "references",
}  # fmt: skip
FIELD_NAME = re.compile(rb"([!-9;-~]+):")


def check_header_block(head: bytes, params: dict[str, Any]) -> None:
    """No header was injected: every line is a header the writer sets, or a fold of one; none
    appears twice; and a recipient header (Bcc above all) only when its parameter was given."""
    names: list[str] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            assert names, line  # a fold continues the header above it
            continue
        match = FIELD_NAME.match(line)
        assert match, line
        names.append(match.group(1).decode())
    assert len(names) == len(set(names)), names
    for name in names:
        assert name in HEADERS_FROM, f"injected header {name!r}"
        source = HEADERS_FROM[name]
        assert source is None or str(params.get(source) or "").strip(), (name, params)


def test_parse_message_never_raises() -> None:
    COUNT["reader"] = 0
    reader_property()
    assert COUNT["reader"] >= EXAMPLES  # hypothesis really ran its examples


def test_build_message_only_raises_invalid_input() -> None:
    COUNT["writer"] = 0
    writer_property()
    print(f"fuzz examples: {COUNT}, slowest example (s): {SLOWEST}")
    assert COUNT["writer"] >= EXAMPLES


INJECTIONS = st.sampled_from(
    ["\r\nBcc: evil@example.com", "\nBcc: evil@example.com", "\rX-Evil: 1", "\r\n\r\nbody",
     "\r\n To: evil@example.com", "\u2028Bcc: evil@example.com", "\x85Cc: evil@example.com"]
)  # fmt: skip
GOOD_ADDRESSES = st.lists(
    st.sampled_from(["a@example.com", "Ann <ann@example.com>", '"Smith, J" <j@example.com>',
                     "José <jose@ejemplo.es>"]),
    min_size=1, max_size=3,
).map(", ".join)  # fmt: skip


def injected(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``text`` with a header-injection attempt somewhere in it."""
    return st.tuples(text, INJECTIONS, text).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    to=GOOD_ADDRESSES,
    subject=st.one_of(injected(st.text(max_size=40)), st.text(max_size=40)),
    in_reply_to=st.one_of(st.none(), injected(st.just("<a@example.com>"))),
    references=st.one_of(st.none(), injected(st.just("<a@example.com> <b@example.com>"))),
    reply_to=st.one_of(st.none(), GOOD_ADDRESSES, injected(st.just("r@example.com"))),
)
def injection_property(**kwargs: Any) -> None:
    COUNT["injection"] += 1
    try:
        msg = build_message(**kwargs, body="b", require_recipient=True)
    except InvalidInputError:
        return  # refused, with a message: nothing is sent
    COUNT["injection_built"] += 1
    head = bytes(to_bytes(msg)).split(b"\r\n\r\n", 1)[0]
    check_header_block(head, kwargs)
    assert b"evil@example.com" not in head.replace(b"\r\n ", b" ").split(b"Subject:")[0]


def test_no_header_can_be_injected() -> None:
    COUNT["injection"] = COUNT["injection_built"] = 0
    injection_property()
    assert COUNT["injection"] >= 150
    assert COUNT["injection_built"] >= 15  # the check really ran on built messages (~45)


@pytest.mark.parametrize(
    "forged",
    [
        b"From: a@x.org\r\nTo: b@x.org\r\nSubject: s\r\nBcc: evil@x.org",  # no bcc was given
        b"From: a@x.org\r\nTo: b@x.org\r\nSubject: s\r\nX-Evil: 1",
        b"From: a@x.org\r\nTo: b@x.org\r\nTo: evil@x.org",
        b"From: a@x.org\r\nTo: b@x.org\r\nSubject: s\r\nevil@x.org",  # not a header line
        b" folded first\r\nTo: b@x.org",
    ],
)
def test_header_check_catches_injected_lines(forged: bytes) -> None:
    """The writer property's check fails on what a header injection would produce (the
    earlier check, "every line has a colon", let an injected Bcc through)."""
    with pytest.raises(AssertionError):
        check_header_block(forged, {"to": "b@x.org", "subject": "s"})
    check_header_block(b"From: a@x.org\r\nTo: b@x.org,\r\n c@x.org\r\nSubject: s", {"to": "b"})
