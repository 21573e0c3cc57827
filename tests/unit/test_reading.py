"""parse_message, body_for and find_attachment on Gmail-shaped resources."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mime_fixtures import b64url, part_json, raw_text_part, resource

from gmail_core.errors import InvalidInputError
from gmail_core.message import Attachment, Message
from gmail_core.quotes import trim_quoted
from gmail_core.reading import (
    MAX_PARTS,
    HeldApart,
    body_for,
    calendar_summary,
    find_attachment,
    held_apart,
    parse_message,
    size_words,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _headers(message: Any, **values: str) -> Any:
    defaults = {
        "From": "Alice Example <alice@example.com>",
        "To": "bob@example.com",
        "Subject": "Hello",
        "Date": "Tue, 02 Jan 2024 04:04:05 +0100",
        "Message-ID": "<m1@example.com>",
    }
    for name, value in {**defaults, **values}.items():
        message[name] = value
    return message


def _alternative(plain: str, html: str) -> MIMEMultipart:
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(plain, "plain", "utf-8"))
    alternative.attach(MIMEText(html, "html", "utf-8"))
    return alternative


# --- headers and metadata ------------------------------------------------------------------


def test_metadata_format_has_headers_but_no_bodies():
    payload = {
        "partId": "",
        "mimeType": "multipart/alternative",
        "headers": [
            {"name": "From", "value": "=?utf-8?Q?Jos=C3=A9_P=C3=A9rez?= <jose@example.com>"},
            {"name": "to", "value": "a@example.com, b@example.com"},
            {"name": "CC", "value": "c@example.com"},
            {"name": "Reply-To", "value": "replies@example.com"},
            {"name": "Subject", "value": "=?ISO-8859-1?B?Q2Fm6Q==?= =?utf-8?Q?_cr=C3=A8me?="},
            {"name": "Date", "value": "Tue, 2 Jan 2024 10:04:05 +0900"},
            {"name": "Message-ID", "value": "<abc@example.com>"},
            {"name": "In-Reply-To", "value": "<parent@example.com>"},
            {"name": "References", "value": "<root@example.com>\r\n <parent@example.com>"},
        ],
    }
    message = parse_message(
        {
            "id": "18c",
            "threadId": "18b",
            "labelIds": ["INBOX", "UNREAD", "STARRED"],
            "snippet": "It&#39;s &quot;done&quot; &amp; shipped",
            "internalDate": "1704157445000",
            "payload": payload,
        }
    )
    assert message.id == "18c"
    assert message.thread_id == "18b"
    assert message.label_ids == ("INBOX", "UNREAD", "STARRED")
    assert message.unread and message.starred
    assert message.snippet == 'It\'s "done" & shipped'
    assert message.internal_date == 1704157445000
    assert message.from_ == "José Pérez <jose@example.com>"
    assert message.to == "a@example.com, b@example.com"
    assert message.cc == "c@example.com"
    assert message.reply_to == "replies@example.com"
    assert message.subject == "Café crème"
    assert message.date == "2024-01-02T10:04:05+09:00"
    assert message.message_id_header == "<abc@example.com>"
    assert message.in_reply_to == "<parent@example.com>"
    assert message.references == "<root@example.com> <parent@example.com>"
    assert message.text_body == message.html_body == ""
    assert message.attachments == ()


def test_encoded_display_name_with_comma_is_quoted_so_it_stays_one_address():
    payload = part_json(
        "text/plain",
        headers={"From": "=?utf-8?Q?Doe=2C_J=C3=BCrgen?= <j@example.com>, x@example.com"},
    )
    assert parse_message(resource(payload)).from_ == '"Doe, Jürgen" <j@example.com>, x@example.com'


def test_already_decoded_headers_are_kept():
    payload = part_json(
        "text/plain", headers={"From": "Jürgen <j@example.com>", "Subject": "Grüße =? ok"}
    )
    message = parse_message(resource(payload))
    assert message.from_ == "Jürgen <j@example.com>"
    assert message.subject == "Grüße =? ok"


@pytest.mark.parametrize(
    ("date", "internal_date", "expected"),
    [
        ("Mon, 1 Jan 2024 23:30:00 -0500", "0", "2024-01-01T23:30:00-05:00"),
        ("1 Jan 2024 10:00:00 -0000", "0", "2024-01-01T10:00:00+00:00"),
        ("not a date", "1704157445123", "2024-01-02T01:04:05+00:00"),
        ("", "1704157445000", "2024-01-02T01:04:05+00:00"),
        ("", "", ""),
        ("garbage", "nope", ""),
    ],
)
def test_date_to_iso8601_with_offset_and_fallback(date: str, internal_date: str, expected: str):
    headers = {"Date": date} if date else {}
    payload = part_json("text/plain", headers=headers)
    assert parse_message(resource(payload, internal_date=internal_date)).date == expected


@pytest.mark.parametrize(
    "resource_json",
    [{}, {"id": "x"}, {"id": "x", "payload": None}, {"payload": {"headers": None, "parts": 7}}],
)
def test_missing_fields_do_not_crash(resource_json: dict[str, Any]):
    message = parse_message(resource_json)
    assert message.subject == "" and message.text_body == "" and message.date == ""


def test_junk_types_in_headers_and_parts_are_ignored():
    payload = {
        "mimeType": "multipart/mixed",
        "headers": [None, {"name": 5, "value": "x"}, {"name": "Subject", "value": None}, "x"],
        "parts": [None, "junk", {"mimeType": "text/plain", "body": {"data": b64url(b"ok")}}],
    }
    message = parse_message({"id": "1", "labelIds": ["A", 3], "payload": payload})
    assert message.text_body == "ok"
    assert message.label_ids == ("A",)


# --- bodies ----------------------------------------------------------------------------------


def test_realistic_alternative_keeps_both_bodies_and_prefers_plain():
    plain = "Hi Bob,\n\nThe report is attached and the numbers look good for Q4.\n\nAlice"
    message = parse_message(
        resource(_headers(_alternative(plain, "<p>Hi Bob,</p><p>The <b>report</b></p>")))
    )
    assert message.text_body == plain
    assert "<b>report</b>" in message.html_body
    assert body_for(message, "markdown", 0) == plain
    assert body_for(message, "html", 0) == message.html_body


@pytest.mark.parametrize(
    "stub",
    [
        "View this email in your browser: https://example.com/v/1",
        "Your email client does not support HTML messages.",
        "This is an HTML message. Please use an HTML capable mail program to read it.",
        "To view this message, please open it in a browser.",
        "",
        "   \r\n  ",
    ],
)
def test_stub_or_empty_plain_text_yields_to_real_html(stub: str):
    html = "<h1>Big sale</h1><p>" + "Everything must go, real content here. " * 5 + "</p>"
    message = parse_message(resource(_headers(_alternative(stub, html))))
    assert message.text_body == ""
    assert message.html_body.startswith("<h1>Big sale</h1>")
    assert body_for(message, "markdown", 0).startswith("# Big sale")
    assert body_for(message, "text", 0).startswith("Big sale\n\nEverything")


def test_long_plain_text_mentioning_a_browser_is_not_a_stub():
    plain = "View this email in your browser, said nobody. " + "Real words. " * 40
    html = "<p>" + "Longer HTML words. " * 60 + "</p>"
    message = parse_message(resource(_headers(_alternative(plain, html))))
    assert message.text_body == plain


def test_html_only_message():
    message = parse_message(resource(_headers(MIMEText("<p>Only <i>html</i></p>", "html"))))
    assert message.text_body == ""
    assert body_for(message, "text", 0) == "Only html"
    assert body_for(message, "markdown", 0) == "Only *html*"


def test_text_only_message_as_html_is_escaped_in_pre():
    message = parse_message(resource(_headers(MIMEText("a < b & c", "plain"))))
    assert body_for(message, "html", 0) == "<pre>a &lt; b &amp; c</pre>"


def test_several_plain_parts_in_mixed_are_joined_with_a_blank_line():
    mixed = MIMEMultipart("mixed")
    mixed.attach(MIMEText("First part.\n", "plain", "utf-8"))
    mixed.attach(MIMEApplication(b"%PDF-1.4", "pdf", Name="a.pdf"))
    mixed.attach(MIMEText("Second part.", "plain", "utf-8"))
    message = parse_message(resource(_headers(mixed)))
    assert message.text_body == "First part.\n\nSecond part."


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        ("iso-2022-jp", "iso2022_jp", "会議は明日です"),
        ("shift_jis", "shift_jis", "資料を添付します"),
        ("gb2312", "gb2312", "请查收附件"),
        ("big5", "big5", "請查收附件"),
        ("euc-kr", "euc_kr", "회의는 내일입니다"),
        ("koi8-r", "koi8_r", "Встреча завтра"),
        ("windows-1251", "cp1251", "Встреча завтра"),
        ("windows-1252", "cp1252", "Café “déjà vu”"),
    ],
)
@pytest.mark.parametrize("gmail_reencoded", [False, True], ids=["legacy", "reencoded"])
def test_body_charsets_through_the_payload(
    label: str, codec: str, text: str, gmail_reencoded: bool
):
    data = text.encode("utf-8" if gmail_reencoded else codec)
    message = parse_message(resource(_headers(raw_text_part(data, label))))
    assert message.text_body == text


def test_bad_base64_skips_that_part_only():
    payload = part_json(
        "multipart/mixed",
        parts=[
            {"partId": "0", "mimeType": "text/plain", "body": {"data": "!!not base64!!"}},
            part_json("text/plain", part_id="1", data=b"good part"),
        ],
    )
    assert parse_message(resource(payload)).text_body == "good part"


def _sent_apart() -> dict[str, Any]:
    """Gmail's shape for a large body: the HTML part by attachment ID, without data."""
    return resource(
        part_json(
            "multipart/mixed",
            parts=[
                part_json(
                    "multipart/alternative",
                    part_id="0",
                    parts=[
                        part_json("text/plain", part_id="0.0", data=b"View it in a browser"),
                        part_json("text/html", part_id="0.1", attachment_id="BIG", size=120_000),
                    ],
                ),
                part_json("text/plain", part_id="1", filename="log.txt", attachment_id="FILE"),
            ],
        )
    )


def test_body_parts_sent_apart_are_listed_and_attachments_are_not():
    assert held_apart(_sent_apart()) == [HeldApart("BIG", 120_000)]
    assert held_apart(resource(part_json("text/plain", data=b"inline"))) == []


def test_finding_parts_sent_apart_parses_no_header_parameters(monkeypatch):
    """held_apart runs on the event loop: Gmail's ``filename`` and the disposition decide,
    never the email package (5,000 parts of long RFC 2231 parameters took 1.8 s)."""

    def parsed(*_: Any) -> None:
        raise AssertionError("header parameters parsed")

    monkeypatch.setattr("gmail_core.reading._Headers.email_message", parsed)
    named_in_headers = {"Content-Disposition": "inline; filename*0*=utf-8''%41%42"}
    found = resource(
        part_json(
            "multipart/mixed",
            parts=[
                part_json("text/plain", part_id="0", attachment_id="BODY", size=9, headers={}),
                part_json(
                    "text/plain",
                    part_id="1",
                    attachment_id="NAMED",
                    size=9,
                    headers=named_in_headers,
                ),
                part_json(
                    "text/plain",
                    part_id="2",
                    attachment_id="FILE",
                    size=9,
                    headers={"Content-Disposition": "attachment"},
                ),
                part_json("text/plain", part_id="3", attachment_id="LOG", filename="a/log.txt"),
            ],
        )
    )
    # named only in its parameters: merely fetched (then read as the attachment it is)
    assert held_apart(found) == [HeldApart("BODY", 9), HeldApart("NAMED", 9)]


def test_a_body_part_sent_apart_is_read_from_what_was_fetched():
    message = parse_message(_sent_apart(), {"BIG": b"<p>The whole newsletter</p>"})
    assert message.html_body == "<p>The whole newsletter</p>" and message.notes == ()
    assert [a.filename for a in message.attachments] == ["log.txt"]


def test_a_body_part_sent_apart_and_not_fetched_is_never_dropped_unsaid():
    # Before, the stub was shown as the whole body, without a word.
    message = parse_message(_sent_apart())
    assert message.text_body == "View it in a browser"
    assert message.notes == (
        "A text part of 117 KB that Gmail sends separately was not fetched: its text is not shown.",
    )
    why = "A text part of 117 KB that Gmail sends separately is more than the 4 MB read."
    assert parse_message(_sent_apart(), {"BIG": why}).notes == (why,)
    # Read without bodies (search's partial response): nothing was missed, nothing to say.
    assert parse_message(_sent_apart(), bodies=False).notes == ()


def test_base64url_without_padding_decodes():
    data = base64.urlsafe_b64encode("héllo wörld?>".encode()).decode().rstrip("=")
    payload = {"mimeType": "text/plain", "body": {"data": data}}
    assert parse_message({"payload": payload}).text_body == "héllo wörld?>"


def test_nested_multipart_at_depth_four():
    related = MIMEMultipart("related")
    related.attach(_alternative("deep plain text", "<p>deep html</p>"))
    image = MIMEImage(PNG, "png")
    image["Content-ID"] = "<logo@x>"
    related.attach(image)
    inner_mixed = MIMEMultipart("mixed")
    inner_mixed.attach(related)
    outer = MIMEMultipart("mixed")
    outer.attach(inner_mixed)
    outer.attach(MIMEApplication(b"data", "octet-stream", Name="report.bin"))
    message = parse_message(resource(_headers(outer)))
    assert message.text_body == "deep plain text"
    assert message.html_body == "<p>deep html</p>"
    assert [a.filename for a in message.attachments] == ["report.bin"]
    assert message.attachments[0].part_id == "1"


def test_forwarded_message_rfc822_is_inlined_with_a_header_block():
    original = _headers(
        EmailMessage(),
        From="Carol <carol@example.com>",
        To="alice@example.com",
        Subject="=?utf-8?Q?Budget_f=C3=BCr_2024?=",
        Date="Mon, 01 Jan 2024 09:00:00 +0000",
    )
    original.set_content("Original budget text.")
    outer = MIMEMultipart("mixed")
    outer.attach(MIMEText("FYI, see below.", "plain", "utf-8"))
    outer.attach(MIMEMessage(original))
    message = parse_message(resource(_headers(outer)))
    assert message.text_body == (
        "FYI, see below.\n\n"
        "---------- Forwarded message ----------\n"
        "From: Carol <carol@example.com>\n"
        "Date: Mon, 01 Jan 2024 09:00:00 +0000\n"
        "Subject: Budget für 2024\n"
        "To: alice@example.com\n\n"
        "Original budget text."
    )
    assert message.attachments == ()
    # Trimming quotes keeps forwards: they are content, not history.
    assert "Original budget text." in trim_quoted(message.text_body)


def test_forwarded_html_only_message_is_converted_for_the_text_body():
    original = _headers(EmailMessage(), Subject="Inner")
    original.set_content("<p>Inner <b>html</b></p>", subtype="html")
    outer = MIMEMultipart("mixed")
    outer.attach(MIMEText("See the forward.", "plain"))
    outer.attach(MIMEMessage(original))
    message = parse_message(resource(_headers(outer)))
    assert message.text_body.endswith("Subject: Inner\nTo: bob@example.com\n\nInner html")


ICS = (
    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"
    "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Europe/Paris:20240115T100000\r\n"
    "DTEND;TZID=Europe/Paris:20240115T103000\r\nSUMMARY:Weekly sync\\, team A\r\n"
    "LOCATION:Room 4 \r\n (second floor)\r\n"
    'ORGANIZER;CN="Alice: PM":mailto:alice@example.com\r\nEND:VEVENT\r\n'
    "BEGIN:VEVENT\r\nSUMMARY:Exception\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_calendar_invite_becomes_a_summary_line():
    alternative = _alternative("You are invited to Weekly sync.", "<p>Invited</p>")
    alternative.attach(MIMEText(ICS, "calendar", "utf-8"))
    mixed = MIMEMultipart("mixed")
    mixed.attach(alternative)
    mixed.attach(MIMEApplication(ICS.encode(), "ics", Name="invite.ics"))
    message = parse_message(resource(_headers(mixed)))
    summary = (
        "Calendar invite: Weekly sync, team A — 2024-01-15 10:00 Europe/Paris – "
        "2024-01-15 10:30 Europe/Paris, Room 4 (second floor), "
        "organized by Alice: PM <alice@example.com>"
    )
    assert message.text_body == f"You are invited to Weekly sync.\n\n{summary}"
    assert [a.filename for a in message.attachments] == ["invite.ics"]


def test_calendar_summary_utc_cancel_and_not_ics():
    ics = "BEGIN:VCALENDAR\nMETHOD:CANCEL\nBEGIN:VEVENT\nDTSTART:20240115T100000Z\nEND:VEVENT"
    assert calendar_summary(ics) == "Calendar cancellation: (no title) — 2024-01-15 10:00 UTC"
    assert calendar_summary("DTSTART;VALUE=DATE:20240115") == ""
    assert calendar_summary("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20240115") == (
        "Calendar invite: (no title) — 2024-01-15"
    )


# --- attachments ---------------------------------------------------------------------------


def test_inline_cid_images_in_related_are_not_attachments():
    related = MIMEMultipart("related")
    related.attach(MIMEText('<p>Logo: <img src="cid:logo@x"></p>', "html"))
    image = MIMEImage(PNG, "png", Name="image001.png")
    image["Content-ID"] = "<logo@x>"
    image["Content-Disposition"] = 'inline; filename="image001.png"'
    related.attach(image)
    message = parse_message(resource(_headers(related)))
    assert message.attachments == ()
    assert message.has_attachments is False


def test_image_with_content_id_outside_related_is_an_attachment():
    mixed = MIMEMultipart("mixed")
    mixed.attach(MIMEText("photo attached", "plain"))
    image = MIMEImage(PNG, "png", Name="photo.png")
    image["Content-ID"] = "<p@x>"
    mixed.attach(image)
    assert [a.filename for a in parse_message(resource(_headers(mixed))).attachments] == [
        "photo.png"
    ]


def test_attachment_with_attachment_id_vs_inline_data():
    mixed = MIMEMultipart("mixed")
    mixed.attach(MIMEText("see files", "plain"))
    mixed.attach(MIMEApplication(b"%PDF-1.7 data", "pdf", Name="Q4 report.pdf"))
    by_id = parse_message(resource(_headers(mixed))).attachments[0]
    assert by_id == Attachment(
        filename="Q4 report.pdf",
        mime_type="application/pdf",
        size=13,
        part_id="1",
        attachment_id="ATT-1",
        data=None,
    )
    inline = parse_message(resource(_headers(mixed), inline_attachments=True)).attachments[0]
    assert inline.attachment_id is None
    assert inline.data == b"%PDF-1.7 data"


def test_rfc2231_and_rfc2047_filenames_from_headers_when_gmail_filename_is_empty():
    rfc2231 = part_json(
        "application/pdf",
        part_id="1",
        headers={
            "Content-Disposition": "attachment; filename*=UTF-8''R%C3%A9sum%C3%A9%20final.pdf"
        },
        attachment_id="A1",
        size=10,
    )
    rfc2047 = part_json(
        "application/pdf",
        part_id="2",
        headers={"Content-Type": 'application/pdf; name="=?utf-8?B?5pel5pys6KqeLnBkZg==?="'},
        attachment_id="A2",
        size=10,
    )
    continued = part_json(
        "text/csv",
        part_id="3",
        headers={
            "Content-Disposition": "attachment; filename*0*=utf-8''Gr%C3%BC%C3%9Fe;"
            ' filename*1="-list.csv"'
        },
        data=b"a,b",
    )
    payload = part_json(
        "multipart/mixed",
        parts=[part_json("text/plain", part_id="0", data=b"hi"), rfc2231, rfc2047, continued],
    )
    names = [a.filename for a in parse_message(resource(payload)).attachments]
    assert names == ["Résumé final.pdf", "日本語.pdf", "Grüße-list.csv"]


def test_rfc2231_filename_built_by_the_email_package():
    mixed = MIMEMultipart("mixed")
    mixed.attach(MIMEText("x", "plain"))
    part = MIMEApplication(b"xx", "octet-stream")
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "naïve ü.txt"))
    mixed.attach(part)
    assert parse_message(resource(_headers(mixed))).attachments[0].filename == "naïve ü.txt"


def test_unnamed_attachments_get_generated_names():
    payload = part_json(
        "multipart/mixed",
        parts=[
            part_json("text/plain", part_id="0", data=b"body"),
            part_json(
                "application/pdf",
                part_id="1",
                headers={"Content-Disposition": "attachment"},
                attachment_id="A",
                size=5,
            ),
            part_json("image/png", part_id="2", data=PNG),
            part_json("application/x-weird-thing", part_id="3", data=b"?"),
        ],
    )
    names = [a.filename for a in parse_message(resource(payload)).attachments]
    assert names == ["attachment-1.pdf", "attachment-2.png", "attachment-3.bin"]


def test_named_text_part_is_an_attachment_not_body():
    mixed = MIMEMultipart("mixed")
    mixed.attach(MIMEText("the body", "plain"))
    notes = MIMEText("file contents", "plain")
    notes.add_header("Content-Disposition", "attachment", filename="notes.txt")
    mixed.attach(notes)
    message = parse_message(resource(_headers(mixed), inline_attachments=True))
    assert message.text_body == "the body"
    assert message.attachments[0].filename == "notes.txt"
    assert message.attachments[0].data == b"file contents"


def test_attachment_names_cannot_carry_paths_or_control_characters():
    payload = part_json(
        "multipart/mixed",
        parts=[part_json("application/pdf", part_id="0", filename="../../etc/pa\nss.pdf", size=1)],
    )
    assert parse_message(resource(payload)).attachments[0].filename == "pass.pdf"


# --- hostile shapes ------------------------------------------------------------------------


def test_hundred_level_deep_tree_is_bounded():
    part: dict[str, Any] = part_json("text/plain", data=b"bottom")
    for _ in range(100):
        part = {"mimeType": "multipart/mixed", "parts": [part]}
    message = parse_message(resource(part))
    assert message.text_body == ""  # the text sits below the depth limit


def test_ten_thousand_parts_are_bounded():
    parts = [part_json("text/plain", part_id=str(i), data=b"x") for i in range(10_000)]
    message = parse_message(resource(part_json("multipart/mixed", parts=parts)))
    assert message.text_body.count("x") == MAX_PARTS - 1  # the root counts as one part


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "mimeType",
                    "parts",
                    "body",
                    "data",
                    "headers",
                    "name",
                    "value",
                    "filename",
                    "size",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_parse_message_never_raises_on_arbitrary_json(payload: Any):
    parse_message({"id": "1", "payload": payload})


# --- body_for ------------------------------------------------------------------------------


def test_truncation_marker_says_how_much_is_hidden():
    message = Message(id="1", thread_id="1", text_body="a" * 12_445)
    body = body_for(message, "text", 100)
    assert body == "a" * 100 + (
        "\n\n[… truncated: 12,345 more characters not shown; raise max_body_chars to see more]"
    )
    assert body_for(message, "text", 0) == "a" * 12_445
    assert body_for(message, "text", 12_445) == "a" * 12_445


def test_body_for_rejects_bad_arguments():
    message = Message(id="1", thread_id="1", text_body="x")
    with pytest.raises(InvalidInputError, match="markdown, text, html"):
        body_for(message, "pdf", 0)
    with pytest.raises(InvalidInputError, match="max_body_chars"):
        body_for(message, "text", -1)


def test_body_for_empty_message():
    message = Message(id="1", thread_id="1")
    assert [body_for(message, f, 0) for f in ("markdown", "text", "html")] == ["", "", ""]


# --- find_attachment -----------------------------------------------------------------------


def _with_attachments(*names: str) -> Message:
    attachments = tuple(
        Attachment(name, "application/pdf", 1, part_id=str(i + 1), attachment_id=f"ID{i + 1}")
        for i, name in enumerate(names)
    )
    return Message(id="1", thread_id="1", attachments=attachments)


def test_find_attachment_by_each_key_kind():
    message = _with_attachments("Invoice-2024.pdf", "contract.pdf", "invoice-2023.pdf")
    assert find_attachment(message, "") == list(message.attachments)
    assert find_attachment(message, "2")[0].filename == "contract.pdf"
    assert find_attachment(message, "ID3")[0].filename == "invoice-2023.pdf"
    assert find_attachment(message, "CONTRACT.PDF")[0].filename == "contract.pdf"
    assert find_attachment(message, "2024")[0].filename == "Invoice-2024.pdf"


def test_find_attachment_ambiguous_substring_lists_the_candidates():
    message = _with_attachments("Invoice-2024.pdf", "contract.pdf", "invoice-2023.pdf")
    with pytest.raises(InvalidInputError) as error:
        find_attachment(message, "invoice")
    assert "several" in str(error.value)
    assert "Invoice-2024.pdf, invoice-2023.pdf" in str(error.value)
    assert "contract.pdf" not in str(error.value)


def test_find_attachment_no_match_lists_at_most_ten_names_and_the_fix():
    message = _with_attachments(*(f"file{i}.pdf" for i in range(15)))
    with pytest.raises(InvalidInputError) as error:
        find_attachment(message, "missing.doc")
    text = str(error.value)
    assert "file9.pdf" in text and "file10.pdf" not in text
    assert "(and 5 more)" in text
    assert "exact filename or part ID" in text


def test_find_attachment_on_message_without_attachments():
    message = Message(id="1", thread_id="1")
    assert find_attachment(message, "") == []
    with pytest.raises(InvalidInputError, match="no attachments"):
        find_attachment(message, "x.pdf")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_hostile_content_headers_never_raise(content_type: str, disposition: str):
    part = {
        "mimeType": "application/octet-stream",
        "headers": [
            {"name": "Content-Type", "value": content_type},
            {"name": "Content-Disposition", "value": disposition},
        ],
        "body": {"size": 1, "attachmentId": "A"},
    }
    parse_message({"payload": {"mimeType": "multipart/mixed", "parts": [part]}})


def test_a_negative_size_from_gmail_reads_as_zero():
    assert size_words(-5) == "0 bytes"
    found = resource(part_json("text/plain", attachment_id="BODY", size=-5))
    assert held_apart(found) == [HeldApart("BODY", 0)]
    assert parse_message(found).notes == (
        "A text part of 0 bytes that Gmail sends separately was not fetched: its text is not "
        "shown.",
    )
