"""Every named limit on what the reader reads: real mail stays below it, hostile mail stops
there, and the message says what was left out (``Message.notes``, and the text itself)."""

from __future__ import annotations

from typing import Any

import pytest
from mime_fixtures import part_json, resource

from gmail_core import html as html_mod
from gmail_core import messages, reading
from gmail_core.charsets import MAX_ENCODED_WORDS, decode_header_value
from gmail_core.errors import InvalidInputError
from gmail_core.html import (
    COLOUR_TOLERANCE,
    MAX_INVISIBLE_ALPHA,
    MAX_QUOTE_DEPTH,
    MIN_FONT_PX,
    OFFSCREEN_PX,
    html_to_markdown,
    html_to_text,
)
from gmail_core.message import Message
from gmail_core.reading import (
    MAX_ADDRESSES,
    MAX_CALENDAR_CHARS,
    MAX_DEPTH,
    MAX_FILENAME_CHARS,
    MAX_FORWARD_DEPTH,
    MAX_FORWARDS,
    MAX_HEADER_CHARS,
    MAX_HEADERS,
    MAX_PARAMETER_HEADER_CHARS,
    MAX_PARTS,
    MAX_TEXT_CHARS,
    parse_message,
)


def _with_headers(**headers: str) -> dict[str, Any]:
    return resource(part_json("text/plain", data=b"Body.", headers=headers))


def _forward(inner: dict[str, Any], subject: str) -> dict[str, Any]:
    """A message/rfc822 part holding ``inner`` (Gmail nests the inner root as the child)."""
    inner = {**inner, "headers": [{"name": "Subject", "value": subject}, *inner["headers"]]}
    return {"mimeType": "message/rfc822", "headers": [], "parts": [inner]}


# -- the MIME tree ------------------------------------------------------------------------------


def test_mime_depth() -> None:
    part: dict[str, Any] = part_json("text/plain", data=b"bottom")
    for _ in range(MAX_DEPTH + 5):
        part = {"mimeType": "multipart/mixed", "parts": [part]}
    message = parse_message(resource(part))
    assert message.text_body == ""
    assert message.notes == (f"Parts nested more than {MAX_DEPTH} levels deep were not read.",)


def test_part_count() -> None:
    parts = [part_json("text/plain", part_id=str(i), data=b"x") for i in range(MAX_PARTS + 10)]
    message = parse_message(resource(part_json("multipart/mixed", parts=parts)))
    assert message.text_body.count("x") == MAX_PARTS - 1  # the root counts as one part
    assert message.notes == (
        f"It has more than {MAX_PARTS:,} MIME parts: only the first were read.",
    )


def test_forwarded_message_depth() -> None:
    inner = part_json("text/plain", data=b"innermost")
    for level in range(MAX_FORWARD_DEPTH + 3, 0, -1):
        inner = _forward(inner, f"level {level}")
        inner = part_json("multipart/mixed", parts=[part_json("text/plain", data=b"x"), inner])
    message = parse_message(resource(inner))
    assert message.text_body.count("---------- Forwarded message") == MAX_FORWARD_DEPTH
    assert f"Subject: level {MAX_FORWARD_DEPTH}" in message.text_body
    assert f"Subject: level {MAX_FORWARD_DEPTH + 1}" not in message.text_body
    assert "innermost" not in message.text_body
    assert any(f"nested more than {MAX_FORWARD_DEPTH} deep" in note for note in message.notes)


def test_forwarded_message_count() -> None:
    forwards = [
        _forward(part_json("text/plain", data=f"forward {i}".encode()), f"F{i}")
        for i in range(MAX_FORWARDS + 5)
    ]
    message = parse_message(resource(part_json("multipart/mixed", parts=forwards)))
    assert message.text_body.count("---------- Forwarded message") == MAX_FORWARDS
    assert f"after the first {MAX_FORWARDS}" in " ".join(message.notes)


def test_forwarded_html_converted_per_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fifty forwarded newsletters cost what one body does (they took 12 s, 33 s with
    "view in browser" stubs): HTML converted while one message is read — forwarded
    messages' text and the stub checks — holds at most ``MAX_HTML_TAGS`` tags in all."""
    converted: list[int] = []
    real = reading.html_to_text

    def counting(markup: str) -> str:
        converted.append(markup.count("<"))
        return real(markup)

    monkeypatch.setattr(reading, "html_to_text", counting)
    markup = ("<p>" + "<b>x</b> " * 1_000 + "</p>").encode()
    stub = b"View this email in your browser."
    forwards = [
        _forward(
            part_json(
                "multipart/alternative",
                parts=[part_json("text/plain", data=stub), part_json("text/html", data=markup)],
            ),
            f"F{i}",
        )
        for i in range(20)
    ]
    top = part_json("text/plain", data=b"See below.")
    message = parse_message(resource(part_json("multipart/mixed", parts=[top, *forwards])))
    assert sum(converted) <= html_mod.MAX_HTML_TAGS
    assert message.text_body.count("---------- Forwarded message") == 20
    assert "x x x" in message.text_body and "Subject: F19" in message.text_body
    assert any("not converted" in note for note in message.notes)


# -- headers ---------------------------------------------------------------------------------------


def test_headers_per_part() -> None:
    junk = {f"X-Junk-{i}": "x" for i in range(MAX_HEADERS)}
    message = parse_message(_with_headers(**junk, Subject="late subject"))
    assert message.subject == ""  # the header after the first MAX_HEADERS is not looked at
    assert parse_message(_with_headers(Subject="early", **junk)).subject == "early"


def test_header_characters() -> None:
    message = parse_message(_with_headers(Subject="s" * (MAX_HEADER_CHARS + 50)))
    assert message.subject == "s" * MAX_HEADER_CHARS
    assert message.notes == (
        f"The Subject header is {MAX_HEADER_CHARS + 50:,} characters long: only the first "
        f"{MAX_HEADER_CHARS:,} were read.",
    )


def test_encoded_words_per_header() -> None:
    value = " ".join(["=?utf-8?q?=C3=A9?="] * (MAX_ENCODED_WORDS + 5))
    assert decode_header_value(value) == "é" * MAX_ENCODED_WORDS + " […]"
    message = parse_message(_with_headers(Subject=value))
    assert message.subject == "é" * MAX_ENCODED_WORDS + " […]"
    assert "more than 2,000 encoded words" in message.notes[0]
    # In an address header the words are counted across its addresses (two per name here).
    names = ", ".join(
        f"=?utf-8?q?N{i}?= =?utf-8?q?_X?= <n{i}@x.io>" for i in range(MAX_ENCODED_WORDS // 2 + 5)
    )
    # Past the limit, names are left out and addresses kept.
    to = parse_message(_with_headers(To=names)).to
    last = MAX_ENCODED_WORDS // 2 + 4
    assert to.startswith("N0 X <n0@x.io>, N1 X <n1@x.io>") and to.endswith(f", n{last}@x.io")
    assert to.count("@") == last + 1 and "N1000 X" not in to


def test_a_from_of_too_many_encoded_words_keeps_its_address() -> None:
    """One entry whose name alone has more words than the limit: without its address, the
    message has no sender to reply to."""
    name = " ".join(f"=?utf-8?q?Hostile=E2=80=8B({i}?=" for i in range(MAX_ENCODED_WORDS + 700))
    message = parse_message(_with_headers(From=f"{name} <hostile@example.com>"))
    assert message.from_ == "hostile@example.com"
    assert message.notes == (
        f"The From header has more than {MAX_ENCODED_WORDS:,} encoded words: names after them "
        "are not shown, only the addresses.",
    )
    bare = parse_message(_with_headers(From=name))  # nothing to keep
    assert bare.from_ == "[…]"


def test_addresses_per_header() -> None:
    value = ", ".join(f"user{i}@example.com" for i in range(MAX_ADDRESSES + 10))
    message = parse_message(_with_headers(To=value))
    assert message.to.count("@") == MAX_ADDRESSES
    assert message.notes == (
        f"The To header lists {MAX_ADDRESSES + 10:,} addresses: only the first "
        f"{MAX_ADDRESSES:,} are shown.",
    )


def test_cut_address_header_does_not_show_half_an_address() -> None:
    padding = "a" * (MAX_HEADER_CHARS - 30)
    value = f"{padding}@example.com, =?utf-8?q?Jos=C3=A9?= <jose.perez.garcia@example.com>"
    message = parse_message(_with_headers(Cc=value))
    assert message.cc == f"{padding}@example.com"


def test_parameter_header_characters() -> None:
    koi8 = "Привет".encode("koi8-r")
    late = f'text/plain; x="{"a" * MAX_PARAMETER_HEADER_CHARS}"; charset=koi8-r'
    early = 'text/plain; charset=koi8-r; x="a"'
    for content_type, expected in ((early, "Привет"), (late, koi8.decode("cp1252"))):
        payload = part_json("text/plain", data=koi8, headers={"Content-Type": content_type})
        assert parse_message(resource(payload)).text_body == expected


# -- bodies -------------------------------------------------------------------------------------


def test_text_characters() -> None:
    text = "t" * (MAX_TEXT_CHARS + 7)
    message = parse_message(resource(part_json("text/plain", data=text.encode())))
    assert message.text_body == "t" * MAX_TEXT_CHARS + (
        f"\n\n[… this message's text is {MAX_TEXT_CHARS + 7:,} characters long; only the "
        f"first {MAX_TEXT_CHARS:,} were read]"
    )
    assert message.notes == (
        f"Its text is {MAX_TEXT_CHARS + 7:,} characters long: only the first "
        f"{MAX_TEXT_CHARS:,} were read.",
    )


def test_calendar_characters() -> None:
    event = "BEGIN:VEVENT\r\nSUMMARY:Late\r\nEND:VEVENT\r\n"
    early = f"BEGIN:VCALENDAR\r\n{event}END:VCALENDAR\r\n"
    late = "BEGIN:VCALENDAR\r\nX-PAD:" + "p" * MAX_CALENDAR_CHARS + "\r\n" + event
    mixed = [part_json("text/plain", data=b"Invite.")]
    for ics, shown in ((early, True), (late, False)):
        parts = [*mixed, part_json("text/calendar", data=ics.encode())]
        message = parse_message(resource(part_json("multipart/mixed", parts=parts)))
        assert ("Calendar invite: Late" in message.text_body) is shown


def test_filename_characters() -> None:
    name = "n" * 1000 + ".pdf"
    payload = part_json(
        "multipart/mixed",
        parts=[part_json("application/pdf", part_id="0", filename=name, size=1)],
    )
    (attachment,) = parse_message(resource(payload)).attachments
    assert attachment.filename == name[-MAX_FILENAME_CHARS:]


def test_long_html_is_noted_on_the_message() -> None:
    long_text = "<p>" + "w" * html_mod.MAX_HTML_CHARS + "</p>"
    many_tags = "<b>x</b>" * html_mod.MAX_HTML_TAGS
    for markup, kept in (
        (long_text, html_mod.MAX_HTML_CHARS),
        (many_tags, len("<b>x</b>") * html_mod.MAX_HTML_TAGS // 2),
    ):
        message = parse_message(resource(part_json("text/html", data=markup.encode())))
        assert message.notes == (
            f"Its HTML is {len(markup):,} characters long: only the first {kept:,} are converted.",
        )


def test_long_html_is_not_noted_when_the_text_part_is_what_is_shown() -> None:
    """multipart/alternative: the plain text is the body; its long HTML twin is never
    converted, so no note may say it was cut."""
    markup = "<b>x</b>" * (html_mod.MAX_HTML_TAGS + 10)
    payload = part_json(
        "multipart/alternative",
        parts=[
            part_json("text/plain", part_id="0", data=b"The whole message."),
            part_json("text/html", part_id="1", data=markup.encode()),
        ],
    )
    message = parse_message(resource(payload))
    assert reading.body_for(message, "markdown", 0) == "The whole message."
    assert message.notes == ()


# -- HTML conversion ---------------------------------------------------------------------------


def test_quote_depth() -> None:
    markup = "".join(f"<blockquote>level {i}" for i in range(MAX_QUOTE_DEPTH + 6))
    markdown = html_to_markdown(markup)
    assert max(line.count(">") for line in markdown.splitlines()) == MAX_QUOTE_DEPTH
    assert f"level {MAX_QUOTE_DEPTH + 5}" in markdown


def test_markdown_time_limit_falls_back_to_text(monkeypatch: pytest.MonkeyPatch) -> None:
    markup = "<h1>Title</h1><p>Read <a href='https://x.example/a'>this</a>.</p>"
    assert html_to_markdown(markup).startswith("# Title")
    monkeypatch.setattr(html_mod, "MARKDOWN_SECONDS", -1.0)
    assert html_to_markdown(markup) == html_to_text(markup)


def test_output_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_mod, "MAX_OUTPUT_CHARS", 100)
    converted = html_to_text("<p>" + "word " * 100 + "</p>")
    assert converted.startswith(("word " * 20).strip())
    assert converted.endswith("[… 399 more characters of this message's converted HTML not shown]")


def _shown(style: str) -> bool:
    return "SECRET" in html_to_text(f"<p>Visible.</p><p style='{style}'>SECRET</p>")


def test_colour_tolerance() -> None:
    near = 255 - COLOUR_TOLERANCE
    assert not _shown(f"color: rgb({near}, {near}, {near})")  # on the default white
    assert _shown(f"color: rgb({near - 1}, {near - 1}, {near - 1})")


def test_minimum_font_size() -> None:
    assert not _shown(f"font-size: {MIN_FONT_PX - 0.5}px")
    assert _shown(f"font-size: {MIN_FONT_PX}px")


def test_invisible_alpha() -> None:
    assert not _shown(f"opacity: {MAX_INVISIBLE_ALPHA}")
    assert _shown(f"opacity: {MAX_INVISIBLE_ALPHA + 0.05}")
    assert not _shown(f"color: rgba(0, 0, 0, {MAX_INVISIBLE_ALPHA})")


def test_offscreen_distance() -> None:
    assert not _shown(f"position: absolute; left: {OFFSCREEN_PX}px")
    assert _shown(f"position: absolute; left: {OFFSCREEN_PX + 1}px")
    assert not _shown(f"text-indent: {OFFSCREEN_PX}px")


# -- isolation -------------------------------------------------------------------------------------


def test_a_header_that_cannot_be_read_costs_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    real = reading._address_header

    def broken(value: str, label: str, notes: Any) -> str:
        if label == "From":
            raise RecursionError("a parser bug nobody has met yet")
        return real(value, label, notes)

    monkeypatch.setattr(reading, "_address_header", broken)
    message = parse_message(
        _with_headers(
            From="a@x.io", To="b@x.io", Subject="Still here", Date="1 Jan 2024 10:00 +0000"
        )
    )
    assert message.from_ == "" and message.to == "b@x.io" and message.subject == "Still here"
    assert message.date == "2024-01-01T10:00:00+00:00" and message.text_body == "Body."
    assert message.notes == ("Could not read this message's From header.",)


def test_a_body_that_cannot_be_read_keeps_the_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(reading, "_collect", broken)
    message = parse_message(_with_headers(From="a@x.io", Subject="Headers survive"))
    assert message.subject == "Headers survive" and message.from_ == "a@x.io"
    assert message.text_body == "" and message.notes == ("Could not read this message's body.",)


def test_a_body_that_cannot_be_converted_costs_only_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(message: Message, *args: Any, **kwargs: Any) -> str:
        if message.id == "bad":
            raise ValueError("a converter bug nobody has met yet")
        return "fine"

    monkeypatch.setattr(reading, "rendered_body", broken)
    good, body = messages.message_body(Message(id="ok", thread_id="t"), "markdown", 0)
    assert body == "fine" and good.notes == ()
    bad, body = messages.message_body(Message(id="bad", thread_id="t", subject="S"), "text", 0)
    assert bad.subject == "S"
    assert bad.notes == (
        "Could not convert this message's body: it is not shown. Open it in Gmail.",
    )
    assert body == f"[… {bad.notes[0]}]"
    with pytest.raises(InvalidInputError):  # the caller's mistakes still fail the call
        messages.message_body(Message(id="ok", thread_id="t"), "pdf", 0)
