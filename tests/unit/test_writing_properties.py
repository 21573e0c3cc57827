"""Property tests: build_message -> to_bytes -> parse gives back what went in.

What "gives back" means, precisely:

* display names: exactly, after every run of whitespace becomes one space and outer
  whitespace is stripped (parse_address_list does both; see decoded_display_name for how
  the name is read back);
* subjects: exactly, after stripping outer whitespace (build_message strips it);
* text bodies: exactly, after line-ending normalisation: CRLF and lone CR become LF
  (MIME text is line-based, so line breaks are canonicalised), and the body ends with
  exactly one added LF if it did not already end with one (an empty body becomes "\\n").
  The parsed side may carry CRLF from the wire, which is turned back into LF first;
* filenames: exactly, after stripping outer whitespace ("/" and "\\" are excluded because
  build_message keeps only the last path component).
"""

from __future__ import annotations

import email
import email.policy
import re
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gmail_core.addresses import format_address_list
from gmail_core.errors import InvalidInputError
from gmail_core.writing import OutgoingAttachment, build_message, to_bytes

# Printable Unicode: no control characters (Cc), no surrogates (Cs), no line or paragraph
# separators (Zl, Zp), which str.splitlines treats as line breaks and headers refuse.
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def canonical_body(body: str) -> str:
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def decoded_display_name(data: bytes) -> str:
    """The To display name, decoded as RFC 2047 says.

    Not via policy.default: its address parser keeps the space between two adjacent
    encoded-words (RFC 2047 6.2 says to drop it), so any long non-ASCII name, which must
    be split into several encoded-words, would come back with extra spaces. getaddresses
    unquotes quoted-strings; decode_header joins adjacent encoded-words correctly.
    """
    raw = email.message_from_bytes(data, policy=email.policy.compat32)["To"]
    ((name, _addr),) = getaddresses([str(raw)])
    return str(make_header(decode_header(name)))


@settings(max_examples=200, deadline=None)
@given(name=st.text(PRINTABLE, min_size=1, max_size=40))
def test_display_name_round_trips(name: str) -> None:
    # A name that itself looks like an RFC 2047 encoded word ("=?cs?q?x?=") is written as
    # is by the email package and decoded by every reader: not a round trip we can offer.
    assume(not re.search(r"=\?[^?]*\?[^?]*\?[^?]*\?=", name))
    to = format_address_list([(name, "someone@example.com")])
    data = to_bytes(build_message(to=to, body="x", body_format="text"))
    assert decoded_display_name(data) == " ".join(name.split())
    (address,) = parse(data)["To"].addresses
    assert address.addr_spec == "someone@example.com"


@settings(max_examples=200, deadline=None)
@given(subject=st.text(PRINTABLE, max_size=200))
def test_subject_round_trips(subject: str) -> None:
    data = to_bytes(build_message(to="a@example.com", subject=subject, body_format="text"))
    assert parse(data)["Subject"] == subject.strip()


@settings(max_examples=200, deadline=None)
@given(body=st.text(max_size=3000))
def test_text_body_round_trips(body: str) -> None:
    data = to_bytes(build_message(to="a@example.com", body=body, body_format="text"))
    part = parse(data)
    assert part.get_content_type() == "text/plain"
    assert part.get_content().replace("\r\n", "\n") == canonical_body(body)


@settings(max_examples=200, deadline=None)
@given(
    filename=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="/\\"),
        min_size=1,
        max_size=80,
    )
    .filter(lambda name: name.strip().strip(".") != "")
    # Python's own reader (the oracle here) unquotes "<name>" to "name" and '"name"' to
    # "name" (email.utils.unquote, after the header's own quoting); the bytes on the wire
    # are right: filename="\"name\"".
    .filter(lambda name: not (name.strip().startswith("<") and name.strip().endswith(">")))
    .filter(lambda name: not (len(name.strip()) > 1 and name.strip()[0] == name.strip()[-1] == '"'))
    .filter(lambda name: "=?" not in name),  # refused (see the test below)
    data=st.binary(max_size=2000),
)
def test_filename_and_bytes_round_trip(filename: str, data: bytes) -> None:
    att = OutgoingAttachment(filename, "application/octet-stream", data)
    parsed = parse(to_bytes(build_message(to="a@example.com", attachments=[att])))
    (part,) = list(parsed.iter_attachments())
    assert part.get_filename() == filename.strip()
    assert part.get_payload(decode=True) == data


@pytest.mark.parametrize("filename", ["=??Q?=00", "=?utf-8?q?a?= b.pdf", "x=?.txt"])
def test_a_filename_that_reads_as_encoded_text_is_refused(filename: str) -> None:
    att = OutgoingAttachment(filename, "application/octet-stream", b"x")
    with pytest.raises(InvalidInputError, match=r"contains '=\?'.*Rename the file"):
        build_message(to="a@example.com", attachments=[att])


@pytest.mark.parametrize(("filename", "wire"), [('""', b'"\\"\\""'), ('"a"', b'"\\"a\\""')])
def test_a_quoted_filename_is_escaped_on_the_wire(filename: str, wire: bytes) -> None:
    """What the round trip above leaves to this test: Python's reader unquotes these twice."""
    att = OutgoingAttachment(filename, "application/octet-stream", b"x")
    raw = bytes(to_bytes(build_message(to="a@example.com", attachments=[att])))
    assert b"filename=" + wire + b"\r\n" in raw
