"""Email HTML to Markdown and to plain text."""

from __future__ import annotations

from gmail_core.html import html_to_markdown, html_to_text

NEWSLETTER = """<!DOCTYPE html><html><head><title>Weekly</title>
<style>p { color: red }</style><meta charset="utf-8"></head><body>
<div style="display: none; max-height:0">Preheader text&zwnj;&nbsp;&zwnj;&nbsp;</div>
<table role="presentation" width="600"><tr><td>
  <h1>Weekly digest</h1>
  <p>Read <a href="https://example.com/post?id=1">the full post</a> today.</p>
  <table><tr><th>Item</th><th>Price</th></tr><tr><td>Tea</td><td>3 EUR</td></tr></table>
</td></tr></table>
<script>document.write("evil")</script>
<noscript>enable js</noscript>
<span hidden>secret hidden span</span>
<img src="https://track.example.com/open.gif" width="1" height="1" alt="">
<img src="https://track.example.com/px2.gif" style="width:1px;height:1px" alt="">
<img src="cid:logo@x" alt="Company logo">
<img src="https://example.com/photo.jpg" width="300" alt="Team photo">
<!-- an HTML comment -->
<p>First line<br>second line</p>




<ul><li>alpha</li><li>beta</li></ul>
<p>Bye&nbsp;now   </p>
</body></html>"""


def test_markdown_keeps_links_headings_and_data_tables():
    markdown = html_to_markdown(NEWSLETTER)
    assert "# Weekly digest" in markdown
    assert "[the full post](https://example.com/post?id=1)" in markdown
    assert "| Item | Price |" in markdown
    assert "| Tea | 3 EUR |" in markdown
    assert "- alpha" in markdown


def test_markdown_drops_scripts_styles_head_hidden_and_tracking_pixels():
    markdown = html_to_markdown(NEWSLETTER)
    for gone in ("evil", "color: red", "Weekly\n", "Preheader", "secret hidden", "enable js"):
        assert gone not in markdown
    assert "track.example.com" not in markdown
    assert "an HTML comment" not in markdown
    assert "![Team photo](https://example.com/photo.jpg)" in markdown
    # cid: images cannot be shown outside the mail: only their alt text stays.
    assert "Company logo" in markdown
    assert "cid:" not in markdown


def test_layout_tables_are_not_rendered_as_markdown_tables():
    markdown = html_to_markdown(NEWSLETTER)
    # The outer presentation table would otherwise wrap everything in one giant cell.
    assert not markdown.startswith("|")
    single_column = "<table><tr><td>Row one</td></tr><tr><td>Row two</td></tr></table>"
    assert "|" not in html_to_markdown(single_column)


def test_markdown_has_no_trailing_spaces_or_runs_of_blank_lines():
    markdown = html_to_markdown(NEWSLETTER)
    assert "\n\n\n" not in markdown
    assert all(line == line.rstrip() for line in markdown.split("\n"))
    assert "\u200c" not in markdown
    assert "Bye now" in markdown


def test_text_has_no_markdown_syntax_but_keeps_urls_and_cells():
    text = html_to_text(NEWSLETTER)
    assert "Weekly digest" in text
    assert "#" not in text
    assert "[the full post]" not in text
    assert "the full post (https://example.com/post?id=1)" in text
    assert "Item | Price\nTea | 3 EUR" in text
    assert "First line\nsecond line" in text
    assert "alpha\nbeta" in text
    for gone in ("evil", "color: red", "Preheader", "secret hidden", "track.example.com"):
        assert gone not in text


def test_text_does_not_repeat_a_link_that_shows_its_own_url():
    text = html_to_text('<a href="https://x.example/">https://x.example/</a>')
    assert text == "https://x.example/"


def test_text_collapses_whitespace_and_blank_lines():
    text = html_to_text("<div>a   b\n\n\n c</div><p></p><p></p><p>d</p>")
    assert text == "a b c\n\nd"


def test_empty_and_plain_input():
    assert html_to_markdown("") == ""
    assert html_to_text("") == ""
    assert html_to_text("just text, no tags") == "just text, no tags"
    assert html_to_markdown("<p>unclosed <b>bold") == "unclosed **bold**"


def test_deeply_nested_html_does_not_overflow_the_stack():
    deep = "<div>" * 5000 + "deep text" + "</div>" * 5000
    assert html_to_markdown(deep) == "deep text"
    assert html_to_text(deep) == "deep text"


def test_two_megabyte_document_converts():
    # Shaped like marketing mail: inlined CSS on every cell makes most of the bytes.
    style = "padding:4px 8px;font-family:Helvetica,Arial,sans-serif;color:#333333;" * 5
    row = (
        f'<tr><td style="{style}">Product {{i}}</td>'
        f'<td style="{style}"><a href="https://shop.example.com/p/{{i}}">Buy now</a></td></tr>\n'
    )
    body = "".join(row.format(i=i) for i in range(2800))
    html = f"<html><body><p>{'x' * 100_000}</p><table>{body}</table></body></html>"
    assert len(html) > 2_000_000
    markdown = html_to_markdown(html)
    text = html_to_text(html)
    assert "[Buy now](https://shop.example.com/p/2799)" in markdown
    assert "Product 2799 | Buy now (https://shop.example.com/p/2799)" in text
