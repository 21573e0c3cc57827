"""Edges of reading that mutation found untested: where quoted history starts, exactly how
much quoting counts as "mostly quoted", and a forwarded text message in an HTML body."""

from __future__ import annotations

from email.message import EmailMessage

from gmail_core.quotes import trim_quoted
from gmail_core.reading import body_for, parse_message
from tests.unit.mime_fixtures import resource


def test_a_long_line_ending_in_a_colon_is_not_an_attribution() -> None:
    """Only a short line can be "On … wrote:"; a long paragraph ending in ":" is content."""
    long_line = "On " + "very " * 100 + "long notes, Bob wrote:"
    text = f"Reply text.\n{long_line}\n> quoted\n> more"
    assert trim_quoted(text) == f"Reply text.\n{long_line}"
    short = "Reply text.\nOn Mon, 2 Mar 2026, Bob wrote:\n> quoted\n> more"
    assert trim_quoted(short) == "Reply text."


def test_four_fifths_quoted_counts_as_quoted_history() -> None:
    """Quoted lines then a short unquoted tail (a list footer) are still the history."""
    head = "Sounds good.\nOn Mon, 2 Mar 2026, Bob wrote:\n"
    eighty = head + "> a\n> b\n> c\n> d\nfooter"  # 4 of 5 lines quoted
    assert trim_quoted(eighty) == "Sounds good."
    less = head + "> a\n> b\n> c\nfooter one\nfooter two"  # 3 of 5: not history
    assert trim_quoted(less) == less


def test_an_attribution_with_nothing_after_it_is_trimmed_as_empty_history() -> None:
    assert trim_quoted("Thanks!\nOn Mon, 2 Mar 2026, Bob wrote:\n\n") == "Thanks!"
    unquoted = "Thanks!\nOn Mon, 2 Mar 2026, Bob wrote:\nI did not quote anything here."
    assert trim_quoted(unquoted) == unquoted


def test_a_forwarded_text_message_inside_an_html_message_reads_as_escaped_pre() -> None:
    inner = EmailMessage()
    inner["From"] = "Bob <bob@example.com>"
    inner["Subject"] = "Numbers"
    inner.set_content("a < b & c")
    outer = EmailMessage()
    outer["From"] = "Ann <ann@example.com>"
    outer["Subject"] = "Fwd: Numbers"
    outer.set_content("<p>see below</p>", subtype="html")
    outer.add_attachment(inner)  # message/rfc822
    html = body_for(parse_message(resource(outer)), "html", 0)
    assert "<pre>a &lt; b &amp; c</pre>" in html
    assert "None" not in html
