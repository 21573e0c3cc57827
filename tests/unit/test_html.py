"""Email HTML to Markdown and to plain text."""

from __future__ import annotations

from gmail_core.html import (
    MAX_HTML_CHARS,
    MAX_HTML_DEPTH,
    MAX_HTML_TAGS,
    html_to_markdown,
    html_to_text,
)

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


def test_deeply_nested_html_is_read_to_the_depth_limit_and_says_so():
    within = "<div>" * (MAX_HTML_DEPTH - 1) + "deep text" + "</div>" * (MAX_HTML_DEPTH - 1)
    assert html_to_markdown(within) == "deep text"
    assert html_to_text(within) == "deep text"
    deep = "<p>shallow</p>" + "<div>" * 3000 + "deep text" + "</div>" * 3000 + "<p>after</p>"
    for converted in (html_to_markdown(deep), html_to_text(deep)):
        assert "deep text" not in converted
        assert converted.startswith("shallow\n\nafter")
        assert converted.endswith(
            f"[… parts of this message's HTML nested more than {MAX_HTML_DEPTH} levels deep "
            "are not shown]"
        )


def test_unclosed_paragraphs_and_items_close_themselves_as_in_a_browser():
    sloppy = "text<p>one" + "<p>more" * 2000 + "<ul>" + "<li>item" * 2000 + "</ul><p>end"
    text = html_to_text(sloppy)
    assert "nested more than" not in text  # siblings, not 4,000 levels of nesting
    assert text.endswith("item\n\nend")


def test_too_many_tags_are_cut_before_parsing_and_it_says_so():
    row = (
        '<tr><td>Product {i}</td><td><a href="https://shop.example.com/p/{i}">Buy now</a></td></tr>'
    )
    html = "<table>" + "".join(row.format(i=i) for i in range(2800)) + "</table>"
    assert html.count("<") > MAX_HTML_TAGS and len(html) < MAX_HTML_CHARS
    kept = [i for i, char in enumerate(html) if char == "<"][MAX_HTML_TAGS]
    note = (
        f"[… this message's HTML is {len(html):,} characters long; only the first "
        f"{kept:,} were read]"
    )
    for converted in (html_to_markdown(html), html_to_text(html)):
        assert "shop.example.com/p/1000" in converted
        assert "shop.example.com/p/1300" not in converted  # cut before conversion
        assert converted.endswith("\n\n" + note)


def test_too_many_characters_are_cut_before_parsing_at_a_tag_boundary():
    html = "<p>" + "w" * (MAX_HTML_CHARS - 5) + "<a href='https://x.example/'>link</a> after</p>"
    kept = html.index("<a ")  # the tag that straddles the limit is not handed over in half
    for converted in (html_to_markdown(html), html_to_text(html)):
        assert "link" not in converted and "after" not in converted and "<a" not in converted
        assert converted.endswith(
            f"[… this message's HTML is {len(html):,} characters long; only the first "
            f"{kept:,} were read]"
        )


def test_long_document_within_the_limits_converts_whole():
    # Shaped like marketing mail: inlined CSS on every cell makes most of the bytes.
    style = "padding:4px 8px;font-family:Helvetica,Arial,sans-serif;color:#333333;" * 2
    row = (
        f'<tr><td style="{style}">Product {{i}}</td>'
        f'<td style="{style}"><a href="https://shop.example.com/p/{{i}}">Buy now</a></td></tr>\n'
    )
    html = "<table>" + "".join(row.format(i=i) for i in range(1200)) + "</table>"
    assert len(html) > 400_000
    assert "[Buy now](https://shop.example.com/p/1199)" in html_to_markdown(html)
    assert "Product 1199 | Buy now (https://shop.example.com/p/1199)" in html_to_text(html)
