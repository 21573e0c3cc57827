"""Message building: headers, MIME structure, encodings, replies, forwards, size limits.

Every test serialises with to_bytes and parses the bytes back with the default policy,
so what is asserted is what a receiving mail system would see.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from gmail_core.errors import InvalidInputError
from gmail_core.message import Message
from gmail_core.writing import (
    OutgoingAttachment,
    build_forward,
    build_message,
    build_reply,
    check_size,
    forward_subject,
    make_message_id,
    render_bodies,
    reply_subject,
    to_bytes,
)

ME = "me@example.com"


def roundtrip(msg: EmailMessage) -> EmailMessage:
    data = to_bytes(msg)
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def build(**kwargs: Any) -> EmailMessage:
    kwargs.setdefault("to", "bob@example.com")
    return roundtrip(build_message(**kwargs))


def structure(msg: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def text_of(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


def addrs(msg: EmailMessage, header: str) -> list[str]:
    value = msg[header]
    return [a.addr_spec for a in value.addresses] if value is not None else []


# ---------------------------------------------------------------------------- bytes, ids


def test_to_bytes_uses_crlf_everywhere() -> None:
    data = to_bytes(build_message(to="bob@example.com", subject="Hi", body="a\nb"))
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_make_message_id_is_unique_and_uses_fixed_domain() -> None:
    ids = {make_message_id() for _ in range(200)}
    assert len(ids) == 200
    sample = ids.pop()
    assert sample.startswith("<") and sample.endswith("@mail.gmail.com>")
    assert make_message_id("example.org").endswith("@example.org>")


def test_required_headers_are_always_set() -> None:
    msg = build(subject="Hi", body="x")
    assert msg["MIME-Version"] == "1.0"
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@mail.gmail.com>")
    assert msg["Date"].datetime.tzinfo is not None


def test_given_message_id_and_date_are_used() -> None:
    when = datetime(2025, 2, 3, 10, 4, tzinfo=UTC)
    msg = build(message_id="<abc.123@example.org>", date=when)
    assert msg["Message-ID"] == "<abc.123@example.org>"
    assert msg["Date"].datetime == when


@pytest.mark.parametrize("bad", ["abc", "<abc>", "<a b@x>", "<a@x>\r\nBcc: e@x.com"])
def test_bad_message_id_is_rejected(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="message_id"):
        build_message(to="bob@example.com", message_id=bad)


def test_only_top_level_has_mime_version() -> None:
    msg = build(body="**x**", attachments=[OutgoingAttachment("a.txt", "text/plain", b"a")])
    assert [p for p in msg.walk() if p is not msg and "MIME-Version" in p] == []


# ---------------------------------------------------------------------------- recipients


def test_recipient_headers_decoded() -> None:
    msg = build(
        to='"Doe, Jane" <jane@example.com>; 山田太郎 <taro@example.jp>',
        cc="carol@example.com\ndave@example.com",
        bcc="eve@example.com",
        reply_to="Help Desk <help@example.com>",
        sender="Me <me@example.com>",
    )
    to = msg["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [
        ("Doe, Jane", "jane@example.com"),
        ("山田太郎", "taro@example.jp"),
    ]
    assert addrs(msg, "Cc") == ["carol@example.com", "dave@example.com"]
    assert addrs(msg, "Bcc") == ["eve@example.com"]
    assert msg["Reply-To"].addresses[0].display_name == "Help Desk"
    assert addrs(msg, "From") == ["me@example.com"]


def test_non_ascii_display_name_is_rfc2047_encoded() -> None:
    data = to_bytes(build_message(to="山田太郎 <taro@example.jp>"))
    assert b"=?utf-8?" in data.split(b"\r\n\r\n", 1)[0]


def test_idn_domain_goes_into_header_as_punycode() -> None:
    data = to_bytes(build_message(to="user@bücher.example"))
    assert b"To: user@xn--bcher-kva.example" in data


def test_dedupe_within_field() -> None:
    assert addrs(build(to="a@example.com, A@EXAMPLE.com"), "To") == ["a@example.com"]


def test_at_least_one_recipient_required() -> None:
    with pytest.raises(InvalidInputError, match="No recipient"):
        build_message(to="", cc=None, bcc=" ")


def test_bcc_alone_is_enough() -> None:
    assert addrs(build(to=None, bcc="x@example.com"), "Bcc") == ["x@example.com"]


def test_draft_may_have_no_recipient() -> None:
    msg = build(to=None, require_recipient=False, subject="Draft")
    assert msg["To"] is None
    assert msg["Subject"] == "Draft"


def test_sender_must_be_one_address() -> None:
    with pytest.raises(InvalidInputError, match="sender"):
        build_message(to="b@example.com", sender="a@example.com, c@example.com")


def test_invalid_address_error_names_field() -> None:
    with pytest.raises(InvalidInputError, match=r"'bob@' in cc"):
        build_message(to="a@example.com", cc="bob@")


# ---------------------------------------------------------------------------- injection


@pytest.mark.parametrize("field", ["to", "cc", "bcc", "reply_to"])
def test_crlf_in_address_fields_is_rejected_and_named(field: str) -> None:
    kwargs: dict[str, Any] = {"to": "ok@example.com"}
    kwargs[field] = "a@example.com\r\nBcc: evil@example.com"
    with pytest.raises(InvalidInputError) as info:
        build_message(**kwargs)
    assert f" in {field} " in str(info.value)


@pytest.mark.parametrize("field", ["to", "cc", "reply_to"])
def test_crlf_inside_display_name_is_rejected_and_named(field: str) -> None:
    kwargs: dict[str, Any] = {"to": "ok@example.com"}
    kwargs[field] = '"Eve\r\nBcc: evil@example.com" <eve@example.com>'
    with pytest.raises(InvalidInputError, match=f"in {field}"):
        build_message(**kwargs)


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: evil@example.com", "Hi\nX: y", "Hi\rX: y"])
def test_crlf_in_subject_is_rejected_and_named(subject: str) -> None:
    with pytest.raises(InvalidInputError, match=r"^subject contains a line break"):
        build_message(to="ok@example.com", subject=subject)


@pytest.mark.parametrize("name", ["a\r\nContent-Type: text/html.txt", "a\nb.pdf", "a\x00b.txt"])
def test_control_chars_in_filename_are_rejected_and_named(name: str) -> None:
    att = OutgoingAttachment(name, "text/plain", b"x")
    with pytest.raises(InvalidInputError, match="Attachment 1 filename"):
        build_message(to="ok@example.com", attachments=[att])


def test_crlf_in_threading_headers_cannot_inject_a_header() -> None:
    # In-Reply-To/References come from received mail: the msg-ids are kept, the rest dropped.
    msg = build(in_reply_to="<a@b>\r\nBcc: e@x.com", references="<r@b>\nBcc: f@x.com")
    assert msg["Bcc"] is None
    assert msg["In-Reply-To"] == "<a@b>" and msg["References"] == "<r@b>"


# ---------------------------------------------------------------------------- subject, bodies


def test_non_ascii_subject_is_encoded_and_decodes_back() -> None:
    msg = build_message(to="bob@example.com", subject="Grüße 😀 会議")
    data = to_bytes(msg)
    assert b"=?utf-8?" in data.split(b"\r\n\r\n", 1)[0]
    assert roundtrip(msg)["Subject"] == "Grüße 😀 会議"


def test_subject_outer_whitespace_stripped() -> None:
    assert build(subject="  Hello  ")["Subject"] == "Hello"


def test_long_subject_round_trips() -> None:
    subject = " ".join(["Wörter"] * 60)
    assert build(subject=subject)["Subject"] == subject


def test_text_body_is_single_text_plain_part() -> None:
    msg = build(body="Hello\nWorld ✓", body_format="text")
    assert structure(msg) == ["text/plain"]
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == "Hello\nWorld ✓\n"


def test_markdown_body_is_alternative_with_rendered_html() -> None:
    body = "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n\n1. one\n2. two\n"
    msg = build(body=body, body_format="markdown")
    assert structure(msg) == ["multipart/alternative", "text/plain", "text/html"]
    assert text_of(msg, "plain") == body
    html = text_of(msg, "html")
    assert "<h1>Title</h1>" in html
    assert "<table>" in html
    assert "<pre><code>code" in html
    assert "<ol>" in html


def test_markdown_does_not_turn_single_newlines_into_br() -> None:
    _, html = render_bodies("line one\nline two", "markdown")
    assert html is not None and "<br" not in html


def test_html_body_gets_plain_alternative() -> None:
    body = "<h1>Hi</h1><p>One<br>two &amp; <b>three</b></p><script>alert(1)</script>"
    msg = build(body=body, body_format="html")
    assert structure(msg) == ["multipart/alternative", "text/plain", "text/html"]
    assert text_of(msg, "html").rstrip("\n") == body
    plain = text_of(msg, "plain")
    assert "# Hi" in plain and "two & **three**" in plain
    assert "alert" not in plain and "<" not in plain


def test_render_bodies_formats() -> None:
    assert render_bodies("x", "text") == ("x", None)
    assert render_bodies("*x*", "Markdown") == ("*x*", "<p><em>x</em></p>")
    assert render_bodies("<p>x</p>", "html") == ("x", "<p>x</p>")
    assert render_bodies("", "html") == ("", "")


def test_unknown_body_format_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match=r"Unknown body_format 'rtf'.*text, markdown, html"):
        build_message(to="a@example.com", body="x", body_format="rtf")


def test_non_ascii_and_long_lines_round_trip_exactly() -> None:
    body = "Ünïcødé ✓ 日本語\n" + "x" * 2000 + "\n  trailing spaces  \n.\nFrom me\n"
    assert text_of(build(body=body, body_format="text"), "plain") == body


def test_body_uses_7bit_safe_transfer_encoding() -> None:
    data = to_bytes(build_message(to="a@example.com", body="Ünïcødé", body_format="text"))
    assert max(data) < 128


# ---------------------------------------------------------------------------- attachments


def attachment_parts(msg: EmailMessage) -> list[EmailMessage]:
    return list(msg.iter_attachments())


def test_attachments_wrap_alternative_in_mixed() -> None:
    att = OutgoingAttachment("report.pdf", "application/pdf", b"%PDF-1.4 \x00\xff")
    msg = build(body="**hi**", attachments=[att])
    assert structure(msg) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    (part,) = attachment_parts(msg)
    assert part.get_filename() == "report.pdf"
    assert part.get_content_disposition() == "attachment"
    assert part.get_payload(decode=True) == b"%PDF-1.4 \x00\xff"


def test_text_only_with_attachment_is_mixed_of_plain() -> None:
    att = OutgoingAttachment("a.bin", "application/octet-stream", b"\x01")
    msg = build(body="hi", body_format="text", attachments=[att])
    assert structure(msg) == ["multipart/mixed", "text/plain", "application/octet-stream"]


def test_attachment_bytes_exact_for_all_byte_values() -> None:
    data = bytes(range(256)) * 50 + b"\r\n\n\r"
    msg = build(attachments=[OutgoingAttachment("all.bin", "application/octet-stream", data)])
    assert attachment_parts(msg)[0].get_payload(decode=True) == data


def test_text_attachment_bytes_exact() -> None:
    data = "naïve\r\nline\n".encode("latin-1")
    msg = build(attachments=[OutgoingAttachment("notes.txt", "text/plain", data)])
    assert attachment_parts(msg)[0].get_payload(decode=True) == data


def test_non_ascii_filename_uses_rfc2231() -> None:
    att = OutgoingAttachment("Résumé 履歴書.pdf", "application/pdf", b"x")
    msg = build_message(to="a@example.com", attachments=[att])
    assert b"filename*=utf-8''" in to_bytes(msg)
    assert attachment_parts(roundtrip(msg))[0].get_filename() == "Résumé 履歴書.pdf"


def test_zero_byte_attachment_allowed() -> None:
    msg = build(attachments=[OutgoingAttachment("empty.txt", "text/plain", b"")])
    assert attachment_parts(msg)[0].get_payload(decode=True) == b""


def test_empty_filename_gets_a_generated_name() -> None:
    atts = [
        OutgoingAttachment("a.txt", "text/plain", b"1"),
        OutgoingAttachment("", "application/pdf", b"2"),
        OutgoingAttachment("  ", "application/x-unknown-thing", b"3"),
    ]
    names = [p.get_filename() for p in attachment_parts(build(attachments=atts))]
    assert names == ["a.txt", "attachment-2.pdf", "attachment-3.bin"]


def test_path_in_filename_keeps_last_component() -> None:
    atts = [
        OutgoingAttachment("/tmp/x/a.txt", "text/plain", b"1"),
        OutgoingAttachment("C:\\docs\\b.txt", "text/plain", b"2"),
    ]
    names = [p.get_filename() for p in attachment_parts(build(attachments=atts))]
    assert names == ["a.txt", "b.txt"]


@pytest.mark.parametrize(
    ("mime", "filename", "expected"),
    [
        ("image/png", "x", "image/png"),
        ("IMAGE/PNG; name=x", "x", "image/png"),
        ("", "photo.jpg", "image/jpeg"),
        ("not a type", "doc.pdf", "application/pdf"),
        ("", "noext", "application/octet-stream"),
        ("message/rfc822", "mail.eml", "application/octet-stream"),
    ],
)
def test_attachment_mime_type_resolution(mime: str, filename: str, expected: str) -> None:
    msg = build(attachments=[OutgoingAttachment(filename, mime, b"data")])
    assert attachment_parts(msg)[0].get_content_type() == expected


def test_eml_attachment_bytes_survive() -> None:
    data = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    msg = build(attachments=[OutgoingAttachment("mail.eml", "message/rfc822", data)])
    assert attachment_parts(msg)[0].get_payload(decode=True) == data


# ---------------------------------------------------------------------------- size


def test_check_size_allows_exactly_the_limit() -> None:
    check_size([OutgoingAttachment("a", "x/y", b"x" * 10)], limit=10)


def test_check_size_message_lists_largest_and_total() -> None:
    mb = 1024 * 1024
    atts = [
        OutgoingAttachment("small.txt", "text/plain", b"x" * mb),
        OutgoingAttachment("video.mp4", "video/mp4", b"x" * (20 * mb)),
        OutgoingAttachment("deck.pdf", "application/pdf", b"x" * (5 * mb + mb // 2)),
    ]
    with pytest.raises(InvalidInputError) as info:
        check_size(atts)
    message = str(info.value)
    assert "total 26.5 MB" in message
    assert "Gmail's 25 MB limit" in message
    assert "video.mp4 (20 MB), deck.pdf (5.5 MB), small.txt (1 MB)" in message
    assert "link" in message


def test_build_message_enforces_size() -> None:
    big = OutgoingAttachment("big.bin", "application/octet-stream", b"\0" * (25 * 1024 * 1024 + 1))
    with pytest.raises(InvalidInputError, match="25 MB limit"):
        build_message(to="a@example.com", attachments=[big])


# ---------------------------------------------------------------------------- subjects


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Hello", "Re: Hello"),
        ("Re: Hello", "Re: Hello"),
        ("RE: Hello", "RE: Hello"),
        ("re: Hello", "re: Hello"),
        ("Re[2]: Hello", "Re[2]: Hello"),
        ("Aw: Hallo", "Aw: Hallo"),
        ("AW: Hallo", "AW: Hallo"),
        ("Sv: Hej", "Sv: Hej"),
        ("Antw: Hallo", "Antw: Hallo"),
        ("Réf: Bonjour", "Réf: Bonjour"),
        ("RE : Bonjour", "RE : Bonjour"),
        ("回复: 你好", "回复: 你好"),
        ("答复：你好", "答复：你好"),
        ("返信: こんにちは", "返信: こんにちは"),
        ("Fwd: Hello", "Re: Fwd: Hello"),
        ("[list] Hello", "Re: [list] Hello"),
        ("Regarding x", "Re: Regarding x"),
        ("Reply needed", "Re: Reply needed"),
        ("  Hello\r\n world ", "Re: Hello world"),
        ("", "Re:"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_reply_subject_is_idempotent() -> None:
    assert reply_subject(reply_subject("Hello")) == "Re: Hello"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Hello", "Fwd: Hello"),
        ("Fwd: Hello", "Fwd: Hello"),
        ("Fw: Hello", "Fw: Hello"),
        ("FW: Hello", "FW: Hello"),
        ("WG: Hallo", "WG: Hallo"),
        ("TR: Bonjour", "TR: Bonjour"),
        ("RV: Hola", "RV: Hola"),
        ("转发: 你好", "转发: 你好"),
        ("Re: Hello", "Fwd: Re: Hello"),
    ],
)
def test_forward_subject(subject: str, expected: str) -> None:
    assert forward_subject(subject) == expected


# ---------------------------------------------------------------------------- replies


def original(**overrides: Any) -> Message:
    values: dict[str, Any] = {
        "id": "m1",
        "thread_id": "t1",
        "from_": "Alice <alice@example.com>",
        "to": f"Me <{ME}>, bob@example.com",
        "cc": "carol@example.com",
        "subject": "Plans",
        "date": "2025-02-03T10:04:00+01:00",
        "message_id_header": "<m1@example.com>",
        "references": "<m0@example.com>",
        "text_body": "Line one\n\nLine three\n",
    }
    values.update(overrides)
    return Message(**values)


def reply(**kwargs: Any) -> EmailMessage:
    kwargs.setdefault("original", original())
    kwargs.setdefault("own_addresses", [ME])
    kwargs.setdefault("body", "Sounds good.")
    return roundtrip(build_reply(**kwargs))


def test_reply_goes_to_sender() -> None:
    msg = reply()
    assert addrs(msg, "To") == ["alice@example.com"]
    assert msg["Cc"] is None
    assert msg["Subject"] == "Re: Plans"


def test_reply_prefers_reply_to() -> None:
    msg = reply(original=original(reply_to="List <list@example.com>"))
    assert addrs(msg, "To") == ["list@example.com"]


def test_reply_all_adds_to_and_cc_minus_own_address() -> None:
    msg = reply(reply_all=True, own_addresses=["ME@Example.com"])
    assert addrs(msg, "To") == ["alice@example.com"]
    assert addrs(msg, "Cc") == ["bob@example.com", "carol@example.com"]


def test_reply_all_dedupes_across_fields() -> None:
    msg = reply(reply_all=True, original=original(to="alice@example.com, Bob <bob@example.com>"))
    assert addrs(msg, "To") == ["alice@example.com"]
    assert addrs(msg, "Cc") == ["bob@example.com", "carol@example.com"]


def test_reply_to_own_sent_message_goes_to_its_recipients() -> None:
    sent = original(from_=f"Me <{ME}>", to="Alice <alice@example.com>", cc="carol@example.com")
    assert addrs(reply(original=sent), "To") == ["alice@example.com"]
    msg = reply(original=sent, reply_all=True)
    assert addrs(msg, "To") == ["alice@example.com"]
    assert addrs(msg, "Cc") == ["carol@example.com"]


def test_reply_to_self_only_message_is_refused() -> None:
    note = original(from_=ME, to=ME, cc="")
    with pytest.raises(InvalidInputError, match="No recipients are left"):
        build_reply(original=note, own_addresses=[ME], body="x", reply_all=True)


def test_reply_all_with_only_cc_left_promotes_cc_to_to() -> None:
    sent = original(from_=ME, to=ME, cc="carol@example.com")
    msg = reply(original=sent, reply_all=True)
    assert addrs(msg, "To") == ["carol@example.com"]
    assert msg["Cc"] is None


def test_reply_skips_unparseable_original_addresses() -> None:
    msg = reply(
        reply_all=True,
        original=original(to="undisclosed-recipients:;", cc="broken@, d@example.com"),
    )
    assert addrs(msg, "Cc") == ["d@example.com"]


def test_reply_threading_headers() -> None:
    msg = reply(original=original(references="<m0@example.com>\r\n <m0b@example.com>"))
    assert msg["In-Reply-To"] == "<m1@example.com>"
    assert msg["References"].split() == [
        "<m0@example.com>",
        "<m0b@example.com>",
        "<m1@example.com>",
    ]


def test_reply_references_fall_back_to_in_reply_to_then_own_id() -> None:
    msg = reply(original=original(references="", in_reply_to="<p@example.com>"))
    assert msg["References"].split() == ["<p@example.com>", "<m1@example.com>"]
    msg = reply(original=original(references="", in_reply_to=""))
    assert msg["References"] == "<m1@example.com>"


def test_reply_without_original_message_id_has_no_threading_headers() -> None:
    msg = reply(original=original(references="", message_id_header=""))
    assert msg["In-Reply-To"] is None and msg["References"] is None


# Exchange Online (~80-90 characters) and Amazon SES (~82) Message-IDs, as real mail has them.
EXCHANGE_ID = (
    "<SN6PR02MB4112C6D0E5B1A7F3E2D9B8C4A1F0E9D8C7B6@SN6PR02MB4112.namprd02.prod.outlook.com>"
)
SES_ID = "<0100018c2f3a4b5d-6e7f8a9b-0c1d-2e3f-4a5b-6c7d8e9f0a1b-000000@email.amazonses.com>"


def _header_block(msg: EmailMessage) -> bytes:
    return to_bytes(msg).split(b"\r\n\r\n", 1)[0]


def test_long_message_ids_are_folded_between_ids_never_encoded() -> None:
    parent = original(message_id_header=EXCHANGE_ID, references=f"<root@example.com> {SES_ID}")
    msg = build_reply(original=parent, own_addresses=[ME], body="x")
    head = _header_block(msg)
    assert b"=?" not in head  # no RFC 2047 encoded-word anywhere in the headers
    assert f"In-Reply-To: {EXCHANGE_ID}\r\n".encode() in head
    refs = head.split(b"References:", 1)[1].split(b"\r\nMIME", 1)[0]
    # every id whole on one line; breaks only between ids
    assert [line.strip() for line in refs.split(b"\r\n")] == [
        b"<root@example.com>",
        SES_ID.encode(),
        EXCHANGE_ID.encode(),
    ]
    parsed = roundtrip(msg)
    assert parsed["In-Reply-To"] == EXCHANGE_ID
    assert parsed["References"].split() == ["<root@example.com>", SES_ID, EXCHANGE_ID]


def test_kept_threading_headers_of_a_draft_are_not_encoded_either() -> None:
    # update_draft passes the draft's own In-Reply-To/References back through build_message.
    msg = build_message(
        to="bob@example.com", in_reply_to=EXCHANGE_ID, references=f"{SES_ID} {EXCHANGE_ID}"
    )
    head = _header_block(msg)
    assert b"=?" not in head and EXCHANGE_ID.encode() in head and SES_ID.encode() in head


def test_malformed_received_threading_values_keep_only_msg_ids() -> None:
    parent = original(
        message_id_header="bare-id@mailer.example",
        references="(comment) <a@x> junk <a@x> =?utf-8?q?x?= <b@y>",
    )
    msg = reply(original=parent)
    assert msg["In-Reply-To"] == "<bare-id@mailer.example>"
    assert msg["References"].split() == ["<a@x>", "<b@y>", "<bare-id@mailer.example>"]


def test_a_huge_references_chain_keeps_the_root_and_the_latest() -> None:
    refs = " ".join(f"<r{i}@example.com>" for i in range(500))
    chain = reply(original=original(references=refs))["References"].split()
    assert len(chain) == 50
    assert chain[0] == "<r0@example.com>" and chain[-1] == "<m1@example.com>"
    assert chain[-2] == "<r499@example.com>"


def test_long_references_chain_is_folded_but_intact() -> None:
    refs = " ".join(f"<message-{i}@mail.example.com>" for i in range(40))
    data = to_bytes(build_reply(original=original(references=refs), own_addresses=[ME], body="x"))
    header_block = data.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in header_block.split(b"\r\n"))
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert len(parsed["References"].split()) == 41


def test_reply_quote_plain_text() -> None:
    msg = reply(body="Sounds good.", body_format="text")
    assert structure(msg) == ["text/plain"]
    assert text_of(msg, "plain") == (
        "Sounds good.\n\n"
        "On Mon, 3 Feb 2025 at 10:04, Alice <alice@example.com> wrote:\n"
        "> Line one\n"
        "> \n"
        "> Line three\n"
    )


def test_reply_quote_html_blockquote_escapes_original() -> None:
    msg = reply(original=original(text_body="<b>not bold</b> & more\nsecond"), body="**ok**")
    html = text_of(msg, "html")
    assert html.startswith("<p><strong>ok</strong></p>")
    assert (
        '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;'
        'border-left:1px #ccc solid;padding-left:1ex">'
        "&lt;b&gt;not bold&lt;/b&gt; &amp; more<br>\nsecond</blockquote>"
    ) in html
    assert "On Mon, 3 Feb 2025 at 10:04, Alice &lt;alice@example.com&gt; wrote:" in html


def test_reply_uses_given_original_body_over_message_text() -> None:
    msg = reply(original_body="Given text", body_format="text")
    assert "> Given text" in text_of(msg, "plain")
    assert "Line one" not in text_of(msg, "plain")


def test_reply_falls_back_to_original_html() -> None:
    msg = reply(original=original(text_body="", html_body="<p>From html</p>"), body_format="text")
    assert "> From html" in text_of(msg, "plain")


def test_reply_without_quote() -> None:
    msg = reply(quote_original=False, body_format="text")
    assert text_of(msg, "plain") == "Sounds good.\n"


def test_reply_date_unknown_uses_internal_date_or_plain_attribution() -> None:
    msg = reply(original=original(date="", internal_date=1738577040000), body_format="text")
    assert "On Mon, 3 Feb 2025 at 10:04, Alice" in text_of(msg, "plain")
    msg = reply(original=original(date=""), body_format="text")
    assert "\nAlice <alice@example.com> wrote:\n" in text_of(msg, "plain")


def test_reply_subject_in_other_language_kept() -> None:
    assert reply(original=original(subject="AW: Termin"))["Subject"] == "AW: Termin"


def test_reply_with_attachment() -> None:
    att = OutgoingAttachment("a.txt", "text/plain", b"hello")
    msg = reply(attachments=[att])
    assert attachment_parts(msg)[0].get_payload(decode=True) == b"hello"


# ---------------------------------------------------------------------------- forwards


def forward(**kwargs: Any) -> EmailMessage:
    kwargs.setdefault("original", original())
    kwargs.setdefault("original_body", "Line one\n\nLine three\n")
    kwargs.setdefault("to", "dan@example.com")
    return roundtrip(build_forward(**kwargs))


FORWARD_BLOCK = (
    "---------- Forwarded message ---------\n"
    "From: Alice <alice@example.com>\n"
    "Date: Mon, 3 Feb 2025 at 10:04\n"
    "Subject: Plans\n"
    f"To: Me <{ME}>, bob@example.com\n"
    "Cc: carol@example.com\n"
    "\n"
    "Line one\n\nLine three\n"
)


def test_forward_plain_body() -> None:
    msg = forward(note="FYI", body_format="text")
    assert structure(msg) == ["text/plain"]
    assert text_of(msg, "plain") == "FYI\n\n" + FORWARD_BLOCK
    assert msg["Subject"] == "Fwd: Plans"
    assert addrs(msg, "To") == ["dan@example.com"]


def test_forward_without_note_or_cc() -> None:
    msg = forward(original=original(cc=""), body_format="text")
    assert text_of(msg, "plain") == FORWARD_BLOCK.replace("Cc: carol@example.com\n", "")


def test_forward_html_alternative() -> None:
    msg = forward(note="**FYI**", original_body="<x> & y")
    assert structure(msg) == ["multipart/alternative", "text/plain", "text/html"]
    html = text_of(msg, "html")
    assert html.startswith("<p><strong>FYI</strong></p>")
    assert "---------- Forwarded message ---------<br>" in html
    assert "From: Alice &lt;alice@example.com&gt;" in html
    assert "&lt;x&gt; &amp; y" in html


def test_forward_keeps_existing_prefix_and_reattaches() -> None:
    atts = [
        OutgoingAttachment("one.pdf", "application/pdf", b"1"),
        OutgoingAttachment("二.txt", "text/plain", b"2"),
    ]
    msg = forward(original=original(subject="WG: Plans"), attachments=atts, cc="e@example.com")
    assert msg["Subject"] == "WG: Plans"
    assert addrs(msg, "Cc") == ["e@example.com"]
    parts = attachment_parts(msg)
    assert [(p.get_filename(), p.get_payload(decode=True)) for p in parts] == [
        ("one.pdf", b"1"),
        ("二.txt", b"2"),
    ]


def test_forward_needs_a_recipient() -> None:
    with pytest.raises(InvalidInputError, match="No recipient"):
        build_forward(original=original(), original_body="x", to="")


def test_forward_bad_recipient_named() -> None:
    with pytest.raises(InvalidInputError, match="in bcc"):
        build_forward(original=original(), original_body="x", to="a@example.com", bcc="nope")


@pytest.mark.parametrize("size", [0, 1, 56, 57, 58, 57 * 4096, 57 * 4096 + 1, 300_001])
def test_spliced_attachments_round_trip_at_every_size(size: int) -> None:
    import os

    data = os.urandom(size)
    msg = build_message(
        to="a@example.com",
        body="x",
        attachments=[OutgoingAttachment("a.bin", "application/octet-stream", data)],
    )
    raw = bytes(to_bytes(msg))
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322 line limit
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    (part,) = list(parsed.iter_attachments())
    assert part.get_content() == data


# ---------------------------------------------------------------------------- hostile originals
# What comes from the original message cannot be changed by the user, so it is cleaned, never
# refused: a reply must stay possible whatever the sender put in their headers.


@pytest.mark.parametrize(
    "subject",
    [
        "Q3\u2028report",
        "Q3\x0creport",
        "Q3\x0breport",
        "Q3\x85report",
        "Q3\x00report",
        "Q3\x1ereport",
    ],
)
def test_reply_and_forward_to_a_subject_with_odd_line_breaks(subject: str) -> None:
    assert reply(original=original(subject=subject))["Subject"] == "Re: Q3 report"
    fwd = roundtrip(
        build_forward(original=original(subject=subject), original_body="x", to="b@example.com")
    )
    assert fwd["Subject"] == "Fwd: Q3 report"


@pytest.mark.parametrize("bad", ["\x07", "\x00", "\x1b[31m", "\u2028", "\x0c"])
def test_reply_to_a_sender_whose_display_name_has_a_control_character(bad: str) -> None:
    msg = reply(original=original(from_=f"Ali{bad}ce <alice@example.com>"))
    assert addrs(msg, "To") == ["alice@example.com"]
    msg = reply(
        reply_all=True,
        original=original(
            to=f'"Bo{bad}b" <bob@example.com>, {ME}', cc=f"Ca{bad}rol <c@example.com>"
        ),
    )
    assert addrs(msg, "Cc") == ["bob@example.com", "c@example.com"]


# ---------------------------------------------------------------------------- inline images
LOGO = OutgoingAttachment("logo.png", "image/png", b"\x89PNG-bytes", content_id="logo@acme")
PDF = OutgoingAttachment("q.pdf", "application/pdf", b"%PDF-1.4")


def test_inline_image_goes_into_related_with_its_html() -> None:
    msg = build(
        body='<p><img src="cid:logo@acme"></p>', body_format="html", attachments=[LOGO, PDF]
    )
    assert structure(msg) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
    ]
    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo@acme>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == b"\x89PNG-bytes"
    assert [p.get_filename() for p in msg.iter_attachments()] == ["q.pdf"]


@pytest.mark.parametrize(
    ("body", "body_format"), [("<p>no picture</p>", "html"), ("cid:logo@acme", "text")]
)
def test_inline_image_the_body_does_not_show_is_left_out(body: str, body_format: str) -> None:
    msg = build(body=body, body_format=body_format, attachments=[LOGO, PDF])
    assert "image/png" not in structure(msg)
    assert [p.get_filename() for p in msg.iter_attachments()] == ["q.pdf"]
