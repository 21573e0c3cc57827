"""Quoted history as each mail client writes it (devkit/mail_clients.py), in text and HTML.

Every client and language: the text heuristics on the text part alone (what a text-only
message gives), and the whole message through ``parse_message`` and ``rendered_body`` as
get_thread reads it (the HTML structure where the client sends HTML), as Markdown and as
text. The answer must be exactly the sender's own text: nothing of the history, no
attribution, header block or "Sent from my iPhone" left.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mime_fixtures import resource

from devkit.hostile_mail import gmail_resource
from devkit.mail_clients import (
    ALICE,
    CET,
    CLIENT_LANGUAGES,
    JONAS,
    SAM,
    TEXT_ONLY,
    ZOE,
    Mail,
    first_message,
    forward,
    inline_reply,
    reply,
)
from gmail_core import quotes
from gmail_core.html import html_without_history
from gmail_core.message import Message
from gmail_core.quotes import is_forward, trim_quoted
from gmail_core.reading import parse_message, rendered_body

WHEN = datetime(2026, 11, 17, 10, 2, tzinfo=CET)
FIRST = "Could you send the signed order form by Friday?"
SECOND = "I will check with procurement tomorrow morning."
OWN = "Yes, the signed form is attached and on its way to you."
OWN_TEXT = f"Hello Alice,\n\n{OWN}\n\nJonas"
CASES = [(client, language) for client, langs in CLIENT_LANGUAGES.items() for language in langs]


def _words(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def _history() -> Mail:
    """Sam (Gmail) asks, Alice (Gmail) answers quoting him: the message every client quotes."""
    first = first_message("gmail", SAM, [ALICE], WHEN, "Order form", f"Hi Alice,\n\n{FIRST}")
    return reply("gmail", ALICE, first, f"Hi Sam,\n\n{SECOND}\n\nAlice")


def _read(mail: Mail) -> Message:
    return parse_message(gmail_resource(mail.raw()))


def _bodies(mail: Mail) -> dict[str, str]:
    message = _read(mail)
    return {fmt: rendered_body(message, fmt, 0, trim=True) for fmt in ("markdown", "text")}


# -- every client, every language --------------------------------------------------------------


@pytest.mark.parametrize(("client", "language"), CASES, ids=[f"{c}-{lang}" for c, lang in CASES])
def test_the_text_part_alone_trims_to_the_senders_own_text(client: str, language: str) -> None:
    mail = reply(client, JONAS, _history(), OWN_TEXT, language=language)
    assert _words(trim_quoted(mail.text, forward=is_forward(mail.subject))) == _words(OWN_TEXT)
    text_only = dataclasses.replace(mail, html="")  # the same client, text part only
    for fmt, body in _bodies(text_only).items():
        assert _words(body) == _words(OWN_TEXT), (fmt, body)


@pytest.mark.parametrize(("client", "language"), CASES, ids=[f"{c}-{lang}" for c, lang in CASES])
def test_the_whole_message_trims_to_the_senders_own_text(client: str, language: str) -> None:
    mail = reply(client, JONAS, _history(), OWN_TEXT, language=language)
    assert bool(mail.html) == (client not in TEXT_ONLY)
    for fmt, body in _bodies(mail).items():
        assert _words(body) == _words(OWN_TEXT), (fmt, body)
        assert FIRST not in body and SECOND not in body


STRUCTURED = ["gmail", "apple_mail", "iphone", "outlook", "outlook_web", "yahoo", "thunderbird"]


@pytest.mark.parametrize("client", STRUCTURED)
def test_the_html_structure_decides_where_the_client_sends_html(client: str) -> None:
    """The HTML part alone marks the history: a text part with no marker changes nothing."""
    mail = reply(client, JONAS, _history(), OWN_TEXT)
    plain = f"{OWN_TEXT}\n\nHi Sam,\n\n{SECOND}\n"  # history without any marker
    message = _read(dataclasses.replace(mail, text=plain))
    assert SECOND in rendered_body(message, "markdown", 0, trim=False)
    for fmt in ("markdown", "text"):
        converted, cut = html_without_history(message.html_body, fmt)
        assert cut and _words(trim_quoted(converted, history_follows=True)) == _words(OWN_TEXT)
        assert _words(rendered_body(message, fmt, 0, trim=True)) == _words(OWN_TEXT)


HEADER = (
    "<b>From:</b> Alice Chen &lt;alice@x.example&gt;<br><b>Sent:</b> Tuesday, November 17, 2026 "
    "10:02 AM<br><b>To:</b> Jonas<br><b>Subject:</b> Order form"
)
MARKERS = {
    "gmail_quote": '<div class="gmail_quote"><div class="gmail_attr">On Tue, Alice &lt;a@x&gt; '
    'wrote:</div><blockquote class="gmail_quote">{old}</blockquote></div>',
    "apple-attribution-inside": '<div><br><blockquote type="cite"><div>On 17 Nov 2026, at 10:02, '
    'Alice &lt;a@x&gt; wrote:</div><br class="Apple-interchange-newline">{old}</blockquote></div>',
    "apple-attribution-before": '<div><div>On Nov 17, 2026, at 10:02 AM, Alice &lt;<a href="mailto:'
    'a@x">a@x</a>&gt; wrote:</div><br class="Apple-interchange-newline"><blockquote type="cite">'
    "{old}</blockquote></div>",
    "moz-cite-prefix": '<div class="moz-cite-prefix">On 17/11/2026 10:02, Alice wrote:<br></div>'
    '<blockquote type="cite">{old}</blockquote>',
    "yahoo_quoted": '<div id="yahoo_quoted_1" class="yahoo_quoted"><div>On Tuesday, Alice &lt;a@x&gt; '
    "wrote:</div><div>{old}</div></div>",
    "divRplyFwdMsg": f'<hr tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">{HEADER}</div>'
    "<div>{{old}}</div>",
    "owa-prefixed": f'<div id="x_divRplyFwdMsg" dir="ltr">{HEADER}</div><div>{{old}}</div>',
    "appendonsend": f'<div id="appendonsend"></div><hr><div>{HEADER}</div><div>{{old}}</div>',
    "hr-then-bold-block": f"<hr><b>From: </b>alice@x<br>{HEADER[HEADER.index('<b>Sent') :]}"
    "<p>{{old}}</p>",
    "outlook-border-top": '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:'
    f'3.0pt 0cm 0cm 0cm"><p class="MsoNormal">{HEADER}</p></div></div><p>{{old}}</p>',
    "windows-mail-border": '<div style="padding-top: 5px; border-top-color: rgb(229, 229, 229); '
    f'border-top-width: 1px; border-top-style: solid;">{HEADER}</div><div>{{old}}</div>',
    "olk-src-body-section": '<span id="OLK_SRC_BODY_SECTION"><div><span>From: </span>Alice<br>'
    "<span>Date: </span>Tue, 17 Nov 2026<br><span>To: </span>Jonas<br><span>Subject: </span>Order"
    "</div><div>{old}</div></span>",
    "new-outlook-mac": '<div id="mail-editor-reference-message-container"><div style="padding: 3pt '
    "0in 0in; border-width: 1pt medium medium; border-style: solid none none; border-color: "
    'rgb(181, 196, 223) currentcolor currentcolor;"><div><b>From: </b>Alice<br><b>Date: </b>'
    "Tuesday, 17 November 2026<br><b>To: </b>Jonas<br><b>Subject: </b>Order</div></div>"
    '<div id="mail-editor-reference-message-body"><div>{old}</div></div></div>',
}


@pytest.mark.parametrize("marker", list(MARKERS), ids=list(MARKERS))
def test_each_html_marker_starts_the_history(marker: str) -> None:
    markup = f"<html><body><div>{OWN}</div>{MARKERS[marker].format(old=SECOND)}</body></html>"
    message = Message(id="1", thread_id="1", text_body=f"{OWN}\n\n{SECOND}", html_body=markup)
    for fmt in ("markdown", "text"):
        assert html_without_history(markup, fmt)[1], fmt
        assert rendered_body(message, fmt, 0, trim=True) == OWN, fmt


# -- the earliest marker wins ------------------------------------------------------------------


def test_outlook_quoting_a_gmail_reply_is_cut_at_outlooks_block_not_gmails_attribution() -> None:
    """The issue's thread: the Outlook reply quotes, unprefixed, a Gmail reply that itself
    ends in "On … wrote:". The Gmail reply's own sentence must not survive."""
    mail = reply("outlook", JONAS, _history(), OWN_TEXT)
    assert mail.text.index("From: Alice") < mail.text.index(SECOND) < mail.text.index("wrote:")
    assert _words(trim_quoted(mail.text)) == _words(OWN_TEXT)
    for client in ("outlook", "outlook_web", "outlook_plain"):
        for fmt, body in _bodies(reply(client, JONAS, _history(), OWN_TEXT)).items():
            assert SECOND not in body and _words(body) == _words(OWN_TEXT), (client, fmt)


def test_the_earliest_marker_wins_in_text_whatever_its_kind() -> None:
    attribution_first = f"{OWN}\n\nOn Mon, Alice <a@x.example> wrote:\n> {SECOND}\n> From: B\n"
    assert trim_quoted(attribution_first) == OWN
    # Yahoo-style: the attribution names an address and the history follows unprefixed, with
    # an older quoted history inside it.
    yahoo = f"{OWN}\n\n On Mon, Alice <a@x.example> wrote:\n\n {SECOND}\n\n On Sun, S wrote:\n > {FIRST}"
    assert trim_quoted(yahoo) == OWN


def test_an_outlook_block_in_markdown_without_structure_is_found_by_the_text_heuristics() -> None:
    """Outlook 2010 without a border: the bold labels survive in Markdown as **From:**."""
    markup = (
        f'<div class="WordSection1"><p class="MsoNormal">{OWN}</p><p class="MsoNormal"><b>From:'
        "</b> Alice [mailto:a@x.example]<br><b>Sent:</b> Monday, January 01, 2026 12:00 AM<br>"
        f"<b>To:</b> Jonas<br><b>Subject:</b> Order</p><p>{SECOND}</p></div>"
    )
    message = Message(id="1", thread_id="1", html_body=markup)
    for fmt in ("markdown", "text"):
        assert rendered_body(message, fmt, 0, trim=True) == OWN


@pytest.mark.parametrize(
    "history",
    [
        # Mail on an iPhone before iOS 13: the attribution unquoted, wrapped by quoted-printable.
        "Sent from my iPhone\n\nOn Apr 3, 2026, at 4:19 PM, Alice <alice@x.example> wrote:\n\n"
        f"> {SECOND}",
        # Yahoo Mail classic, and Samsung Email: a dashed line, then the header block.
        f"----- Original Message -----\nFrom: Alice <a@x>\nTo: Jonas\nCc: \nSent: Monday, April 2"
        f", 2026 5:44 PM\nSubject: Test\n\n{SECOND}",
        "Sent from my Galaxy\n\n\n-------- Original message --------\nFrom: Alice <a@x> \nDate: "
        f"02/04/2026 17:44 (GMT+01:00) \nTo: Jonas \nSubject: Test \n\n{SECOND}",
        # Outlook on behalf of someone, no rule above the block.
        "From: Alice [mailto:a@x] On Behalf Of Team\nSent: Monday, January 01, 2026 12:00 AM\n"
        f"To: Jonas\nCc: Ops\nSubject: Conversation\n\n{SECOND}",
        # Outlook for iOS: its signature, then the rule and the block.
        f"Get Outlook for iOS<https://aka.ms/o0ukef>\n{'_' * 32}\nFrom: Alice <a@x>\nSent: "
        f"Monday, January 1, 2026 10:00:00 AM\nTo: Jonas\nSubject: Test\n\n{SECOND}",
    ],
    ids=["old-iphone", "yahoo-classic", "samsung", "outlook-on-behalf", "outlook-ios"],
)
def test_more_text_shapes(history: str) -> None:
    assert trim_quoted(f"{OWN}\n\n{history}\n") == OWN


@pytest.mark.parametrize("colon", [":", "："])
def test_chinese_labels_with_either_colon(colon: str) -> None:
    block = f"发件人{colon} 张伟\n发送时间{colon} 2026年11月17日 10:02\n收件人{colon} Jonas\n主题{colon} 订单"
    assert trim_quoted(f"{OWN}\n\n{block}\n\n{SECOND}") == OWN


# -- what is never history ---------------------------------------------------------------------


@pytest.mark.parametrize("client", ["gmail", "apple_mail", "outlook_web", "thunderbird"])
def test_forwarded_messages_stay_content(client: str) -> None:
    mail = forward(client, JONAS, _history(), "FYI, see Alice's answer below.")
    assert is_forward(mail.subject)
    assert SECOND in trim_quoted(mail.text, forward=True)
    for fmt, body in _bodies(mail).items():
        assert SECOND in body and "FYI" in body, (client, fmt, body)
        # The forwarded message's own history is content too: it is not in this thread.
        assert FIRST in body, (client, fmt, body)


def test_a_reply_to_a_forward_trims_the_forward_it_quotes() -> None:
    forwarded = forward("gmail", JONAS, _history(), "FYI, see Alice's answer below.")
    answer = reply("outlook_web", ZOE, forwarded, OWN_TEXT, language="de")
    for fmt, body in _bodies(answer).items():
        assert _words(body) == _words(OWN_TEXT), (fmt, body)


@pytest.mark.parametrize("client", ["gmail", "apple_mail", "thunderbird"])
def test_inline_replies_interleaved_with_quotes_stay_whole(client: str) -> None:
    question = first_message(
        "gmail", SAM, [ALICE], WHEN, "Questions", "Can you come on Friday?\nShall I book a room?"
    )
    answers = ["Yes, Friday at ten works for me.", "Please book the small room."]
    mail = inline_reply(client, ALICE, question, answers)
    assert all(answer in trim_quoted(mail.text) for answer in answers)
    for fmt, body in _bodies(mail).items():
        assert all(answer in body for answer in answers), (client, fmt, body)
        assert "Shall I book a room?" in body


def test_a_body_that_is_all_quote_is_returned_whole() -> None:
    only_quote = "On Mon, Alice <a@x.example> wrote:\n> all of it quoted\n> still quoted"
    assert trim_quoted(only_quote) == only_quote
    markup = (
        '<div class="gmail_quote"><blockquote class="gmail_quote">all quoted</blockquote></div>'
    )
    message = Message(id="1", thread_id="1", html_body=markup)
    for fmt in ("markdown", "text"):
        assert "all quoted" in rendered_body(message, fmt, 0, trim=True)


@pytest.mark.parametrize(
    "markup",
    [
        f"<p>{OWN}</p><hr><p>From: Berlin Tegel</p><p>Date: 4 January</p><p>To: Lisbon</p>"
        "<p>Seat: 12A</p>",
        f'<p>{OWN}</p><div style="border-top:1px solid #ccc"><b>Total:</b> 48 EUR</div><p>More.</p>',
        f"<p>{OWN}</p><blockquote>A quote of my own, not a reply.</blockquote><p>More.</p>",
        f"<p>{OWN}</p><hr><p>Part two of the newsletter.</p>",
    ],
    ids=["itinerary-after-rule", "bordered-total", "plain-blockquote", "newsletter-rule"],
)
def test_markup_that_only_looks_like_a_marker_is_content(markup: str) -> None:
    message = Message(id="1", thread_id="1", html_body=f"<html><body>{markup}</body></html>")
    for fmt in ("markdown", "text"):
        assert rendered_body(message, fmt, 0, trim=True) == rendered_body(
            message, fmt, 0, trim=False
        )


@pytest.mark.parametrize(
    "text",
    [
        f"{OWN}\n\nFrom: Berlin Tegel\nDate: 4 January\nTo: Lisbon\nSeat: 12A",
        f"{OWN}\n\nOn the flight back, Anna wrote:\nThe hotel was great.",
        f"{OWN}\n\nSent from my phone, so brief.",
    ],
    ids=["itinerary", "attribution-without-quote", "sent-from-without-history"],
)
def test_text_that_only_looks_like_a_marker_is_content(text: str) -> None:
    assert trim_quoted(text) == text
    message = Message(id="1", thread_id="1", text_body=text)
    assert rendered_body(message, "text", 0, trim=True) == text


def test_forwarded_attachments_and_calendar_lines_after_the_body_are_kept() -> None:
    """reading appends message/rfc822 parts after the body: trimming the body keeps them."""
    attached = MIMEText(f"{FIRST}\n", "plain", "utf-8")
    attached["From"], attached["Subject"] = "Carol <carol@x.example>", "Figures"
    outer = MIMEMultipart("mixed")
    outer["Subject"] = "Re: Order form"
    outer.attach(MIMEText(reply("outlook_plain", JONAS, _history(), OWN_TEXT).text, "plain"))
    outer.attach(MIMEMessage(attached))
    message = parse_message(resource(outer))
    for fmt in ("markdown", "text"):
        body = rendered_body(message, fmt, 0, trim=True)
        assert OWN in body and SECOND not in body and FIRST in body, body
        assert body.index(OWN) < body.index("Forwarded message") < body.index(FIRST)


def test_trimming_happens_before_the_cut_and_html_is_never_trimmed() -> None:
    message = _read(reply("gmail", JONAS, _history(), OWN_TEXT))
    assert rendered_body(message, "text", 20, trim=True).startswith("Hello Alice,")
    assert "more characters not shown" in rendered_body(message, "text", 20, trim=True)
    assert SECOND in rendered_body(message, "html", 0, trim=True)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Fwd: Budget", True), ("FW: Budget", True), ("WG: Budget", True), ("TR : Budget", True),
        ("RV: Budget", True), ("I: Budget", True), ("ENC: Budget", True), ("转发: 预算", True),
        ("Re: Fwd: Budget", False), ("AW: WG: Budget", False), ("Budget", False),
        ("RE: Budget", False), ("Invitation: review", False), ("Fwd[2]: Budget", True),
    ],
)  # fmt: skip
def test_forward_subjects(subject: str, expected: bool) -> None:
    assert is_forward(subject) is expected


# -- the text heuristics on their own (moved from test_reading) ---------------------------------


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Jan 1, 2024 at 10:00 AM Alice <alice@example.com> wrote:",
        "Le lun. 1 janv. 2024 à 10:00, Alice <alice@example.com> a écrit :",
        "Am Mo., 1. Jan. 2024 um 10:00 Uhr schrieb Alice <alice@example.com>:",
        "El lun, 1 ene 2024 a las 10:00, Alice (<alice@example.com>) escribió:",
        "Alice <alice@example.com> 于2024年1月1日周一 10:00写道：",
    ],
)
def test_trim_quoted_drops_attribution_and_quotes(attribution: str) -> None:
    text = f"Sounds good, see you then.\n\n{attribution}\n> Shall we meet?\n>\n> Alice\n"
    assert trim_quoted(text) == "Sounds good, see you then."


def test_trim_quoted_handles_wrapped_attribution() -> None:
    text = (
        "Thanks!\n\nOn Mon, Jan 1, 2024 at 10:00 AM Alice Example <\n"
        "alice@example.com> wrote:\n\n> question?\n"
    )
    assert trim_quoted(text) == "Thanks!"


def test_trim_quoted_keeps_inline_replies() -> None:
    text = "On Mon, Alice wrote:\n> first question?\nFirst answer.\n> second?\nSecond answer.\n"
    assert trim_quoted(text) == text


def test_trim_quoted_trailing_quote_without_attribution() -> None:
    assert trim_quoted("Yes.\n> did you?\n> really?") == "Yes."


def test_trim_quoted_outlook_blocks() -> None:
    original = "See below.\n\n-----Original Message-----\nFrom: A\nSent: today\nHi"
    assert trim_quoted(original) == "See below."
    outlook = (
        "Approved.\n\n________________________________\n"
        "From: Alice <a@example.com>\nSent: Monday, January 1, 2024 10:00 AM\n"
        "To: Bob\nSubject: Request\n\nPlease approve."
    )
    assert trim_quoted(outlook) == "Approved."


def test_trim_quoted_never_returns_empty() -> None:
    only_quote = "> all quoted\n> text"
    assert trim_quoted(only_quote) == only_quote
    assert trim_quoted("") == ""
    assert trim_quoted("plain text, nothing quoted") == "plain text, nothing quoted"


def test_trim_quoted_keeps_gmail_forwards() -> None:
    text = "FYI\n\n---------- Forwarded message ---------\nFrom: A <a@x>\nDate: x\n\nBody"
    assert trim_quoted(text) == text


@given(st.text(max_size=300), st.booleans(), st.booleans())
def test_trim_quoted_is_never_empty_for_non_empty_input(
    text: str, forward_subject: bool, history_follows: bool
) -> None:
    result = trim_quoted(text, forward=forward_subject, history_follows=history_follows)
    assert bool(result.strip()) or result == text


@given(
    st.lists(
        st.sampled_from(
            [
                "<HR",
                "<hR ",
                "BORDER=0",
                "Cite",
                "blockQuote",
                "divRplyFwdMsg",
                "appendOnSend",
                "OLK_SRC_BODY_SECTION",
                "reference-MESSAGE-container",
                "<h r",
                "bord er",
                "<p>",
                "text",
                "é",
                "ß",
                "İ",
                "\u212a",
                " ",
            ]
        ),
        max_size=8,
    ).map("".join)
)
@settings(max_examples=300, deadline=None)
def test_html_hint_is_the_case_insensitive_search_it_replaced(html: str) -> None:
    """may_mark_history looks for its markers as substrings of the case-folded HTML (fast):
    the same answer as the case-insensitive regex it replaced."""
    old = re.compile(
        r"<hr|border|cite|quote|divrplyfwdmsg|appendonsend|olk_src_body_section"
        r"|reference-message-container",
        re.IGNORECASE,
    )
    assert quotes.may_mark_history(html) == (old.search(html) is not None)
