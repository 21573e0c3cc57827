"""Gmail signatures: sanitising the stored HTML, its text, the doubling check, and where it
goes in new messages, replies and forwards (through the message builders, parsed back)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest

from gmail_core import signatures
from gmail_core.message import Message
from gmail_core.signatures import Signature, from_gmail, sanitize
from gmail_core.writing import build_forward, build_message, build_reply, to_bytes

STORED = (
    '<div dir="ltr"><b>Jane Doe</b><br>Head of Sales, ACME<br>'
    '<a href="https://acme.example">acme.example</a> · '
    '<a href="tel:+15550100">+1 555 0100</a><br>'
    '<img src="https://ci3.googleusercontent.com/logo.png" alt="ACME logo" width="96"></div>'
)
SIG = from_gmail(STORED)


def test_the_signature_text_reads_like_gmail_shows_it() -> None:
    assert SIG is not None
    # An image Gmail shows has no text of its own (as html.html_to_text renders any image).
    assert SIG.text == (
        "Jane Doe\nHead of Sales, ACME\nacme.example (https://acme.example) · +1 555 0100"
    )
    assert "https://ci3.googleusercontent.com/logo.png" in SIG.html


@pytest.mark.parametrize(
    ("stored", "gone", "kept"),
    [
        ("<div>Jo<script>alert(1)</script></div>", ["script", "alert"], ["Jo"]),
        ("<style>p{color:red}</style><p>Jo</p>", ["style", "color:red"], ["<p>Jo</p>"]),
        ('<p onclick="steal()" onmouseover="x">Jo</p>', ["onclick", "steal", "onmouseover"], ["Jo"]),
        ('<a href="javascript:alert(1)">Jo</a>', ["javascript"], ["<a>Jo</a>"]),
        ('<a href=" JaVaScRiPt:alert(1)">Jo</a>', ["alert"], ["Jo"]),
        ('<a href="java&#x09;script:alert(1)">Jo</a>', ["alert", "script"], ["Jo"]),
        ('<a href="data:text/html,x">Jo</a>', ["data:"], ["Jo"]),
        ('<a href="mailto:jo@example.com">Jo</a>', [], ['href="mailto:jo@example.com"']),
        ('<iframe src="https://evil.example"></iframe>Jo', ["iframe", "evil"], ["Jo"]),
        ('<form action="https://evil.example"><input name="p"></form>Jo', ["form", "input"], ["Jo"]),
        ('<object data="x.swf"></object><embed src="y">Jo', ["object", "embed"], ["Jo"]),
        ('<img src="http://tracker.example/p.gif" alt="logo">', ["tracker", "<img"], ["logo"]),
        ('<img src="data:image/png;base64,AAAA" alt="logo">', ["data:", "<img"], ["logo"]),
        ('<img src="https://ci3.googleusercontent.com/a.png" onerror="x()">', ["onerror"],
         ['src="https://ci3.googleusercontent.com/a.png"']),
        ('<img src="https://x.example/a.png" srcset="http://t.example/b.png 2x">', ["srcset", "t.example"],
         ['src="https://x.example/a.png"']),
        ('<td background="http://t.example/bg.png">Jo</td>', ["background"], ["Jo"]),
        ('<span style="background:url(https://t.example/p)">Jo</span>', ["url("], ["<span>Jo</span>"]),
        ('<span style="width:expression(alert(1))">Jo</span>', ["expression"], ["Jo"]),
        ('<span style="color:#c00;font-weight:bold">Jo</span>', [],
         ['style="color:#c00;font-weight:bold"']),
        ('<span style="c\\olor:red">Jo</span>', ["style"], ["Jo"]),
        ("<!--[if mso]><img src='https://x'><![endif]-->Jo", ["mso", "<img"], ["Jo"]),
        ('<base href="https://evil.example/"><meta http-equiv="refresh">Jo', ["base", "meta"], ["Jo"]),
        ("<svg><script>alert(1)</script></svg><math>x</math>Jo", ["svg", "alert", "math"], ["Jo"]),
        ("<custom-tag><b>Jo</b></custom-tag>", ["custom"], ["<b>Jo</b>"]),
        ('<p id="x" class="sig" data-x="1">Jo</p>', ["id=", "data-x"], ['class="sig"']),
    ],
)  # fmt: skip
def test_sanitize_keeps_the_safe_part_only(stored: str, gone: list[str], kept: list[str]) -> None:
    out = sanitize(stored)
    for needle in gone:
        assert needle.lower() not in out.lower(), (needle, out)
    for needle in kept:
        assert needle in out, (needle, out)


def test_sanitize_is_linear_on_deep_nesting() -> None:
    deep = "<div>" * 5_000 + "Jo" + "</div>" * 5_000
    assert "Jo" in sanitize(deep)  # an explicit stack: no recursion limit


def test_empty_or_invisible_signatures_are_none() -> None:
    assert from_gmail("") is None
    assert from_gmail("  \n ") is None
    assert from_gmail("<script>x</script><div> </div>") is None
    image_only = from_gmail('<img src="https://ci3.googleusercontent.com/a.png">')
    assert image_only is not None and image_only.text == ""


# -- where it goes --------------------------------------------------------------------------


def parsed(msg: EmailMessage) -> EmailMessage:
    out = email.message_from_bytes(to_bytes(msg), policy=email.policy.default)
    assert isinstance(out, EmailMessage)
    return out


def part(msg: EmailMessage, subtype: str) -> str:
    body = msg.get_body(preferencelist=(subtype,))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def original() -> Message:
    return Message(
        id="m1",
        thread_id="t1",
        from_="Alice <alice@example.com>",
        to="Jane <jane@acme.example>",
        subject="Plans",
        date="2025-02-03T10:04:00+01:00",
        message_id_header="<m1@example.com>",
        text_body="Original line\n",
    )


def test_new_message_text_and_html_end_with_the_signature() -> None:
    msg = parsed(build_message(to="bob@example.com", body="Hello **Bob**", signature=SIG))
    text, html = part(msg, "plain"), part(msg, "html")
    assert text.startswith("Hello **Bob**\n\n-- \nJane Doe\nHead of Sales, ACME\n")
    assert html.index("<strong>Bob</strong>") < html.index('class="gmail_signature_prefix"')
    assert html.index("gmail_signature_prefix") < html.index('class="gmail_signature"')
    assert "https://ci3.googleusercontent.com/logo.png" in html


def test_plain_text_body_gets_the_text_signature_only() -> None:
    msg = parsed(build_message(to="bob@example.com", body="Hi", body_format="text", signature=SIG))
    assert msg.get_content_type() == "text/plain"
    assert part(msg, "plain").startswith("Hi\n\n-- \nJane Doe\n")


def test_reply_signature_sits_between_the_reply_and_the_quote() -> None:
    msg = parsed(
        build_reply(
            original=original(), own_addresses=["jane@acme.example"], body="Yes.", signature=SIG
        )
    )
    text, html = part(msg, "plain"), part(msg, "html")
    assert text.index("Yes.") < text.index("-- \nJane Doe") < text.index("wrote:")
    assert text.index("wrote:") < text.index("> Original line")
    assert html.index("Yes.") < html.index("gmail_signature") < html.index('class="gmail_quote"')


def test_forward_signature_sits_between_the_note_and_the_forwarded_message() -> None:
    msg = parsed(
        build_forward(
            original=original(),
            original_body="Original line\n",
            to="x@example.com",
            note="FYI",
            signature=SIG,
        )
    )
    text, html = part(msg, "plain"), part(msg, "html")
    assert text.index("FYI") < text.index("-- \nJane Doe") < text.index("Forwarded message")
    assert html.index("FYI") < html.index("gmail_signature") < html.index("Forwarded message")


def test_forward_without_a_note_still_signs_above_the_forwarded_block() -> None:
    msg = parsed(
        build_forward(original=original(), original_body="x", to="x@example.com", signature=SIG)
    )
    text = part(msg, "plain")
    assert text.startswith("-- \nJane Doe") and "Forwarded message" in text


@pytest.mark.parametrize(
    ("body", "body_format"),
    [
        ("Thanks!\n\nJane Doe\nHead of Sales, ACME\nacme.example (https://acme.example) · "
         "+1 555 0100", "text"),
        ("Thanks!\n\n**Jane Doe**  \n*Head of Sales, ACME*  \n[acme.example](https://acme.example)"
         " · +1 555 0100", "markdown"),
        ("<p>Thanks!</p><p><b>Jane Doe</b><br>Head of Sales, ACME<br>"
         '<a href="https://acme.example">acme.example</a> · +1 555 0100</p>', "html"),
        ("<p>Thanks!</p>" + '<div class="gmail_signature">whatever it says</div>', "html"),
    ],
    ids=["text", "markdown", "html", "gmail-block"],
)  # fmt: skip
def test_a_body_that_already_ends_with_the_signature_is_not_signed_twice(
    body: str, body_format: str
) -> None:
    msg = parsed(
        build_message(to="b@example.com", body=body, body_format=body_format, signature=SIG)
    )
    text = part(msg, "plain")
    assert "-- \n" not in text and text.count("Jane Doe") <= 1
    if body_format != "text":
        assert part(msg, "html").count("gmail_signature_prefix") == 0


def test_a_name_in_the_middle_of_the_body_does_not_count_as_signed() -> None:
    msg = parsed(
        build_message(to="b@example.com", body="Jane Doe asked me to write.", signature=SIG)
    )
    assert "-- \nJane Doe" in part(msg, "plain")


def test_a_whole_html_document_gets_the_signature_inside_its_body() -> None:
    doc = "<html><body><p>Hi</p></body></html>"
    msg = parsed(build_message(to="b@example.com", body=doc, body_format="html", signature=SIG))
    html = part(msg, "html")
    assert html.index("gmail_signature") < html.index("</body>")


def test_no_signature_changes_nothing() -> None:
    plain, html = signatures.append("Hi", "<p>Hi</p>", Signature("", ""))
    assert "-- " not in plain  # nothing to show in text
    assert html is not None and "gmail_signature" in html
    built: dict[str, Any] = {"to": "b@example.com", "body": "Hi", "body_format": "text"}
    assert "-- " not in part(parsed(build_message(**built)), "plain")


def test_only_the_end_of_a_long_body_is_compared() -> None:
    assert SIG is not None
    long_text = "filler words " * 200_000 + "\n\n" + SIG.text
    assert signatures.already_signed(long_text, None, SIG)
    long_html = "<p>filler</p>" * 200_000 + "<p>" + SIG.html + "</p>"
    assert signatures.already_signed("", long_html, SIG)
    assert not signatures.already_signed("", "<p>filler</p>" * 200_000, SIG)
