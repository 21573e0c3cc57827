"""Email HTML to Markdown or plain text: what the recipient would see, in bounded time.

Email HTML is untrusted and can be megabytes. Every step here is linear in the input or
capped by a named limit:

- At most ``MAX_HTML_CHARS`` characters and ``MAX_HTML_TAGS`` tags reach the parser; the rest
  is cut *before* parsing, and the output ends with a line that says so.
- ``html.parser`` before Python 3.12.11 / 3.13.5 (CVE-2025-6069) re-scans to the end of the
  document for every construct that is still open there, which is quadratic. A terminator
  appended to the markup closes whatever is open, so that never happens; markup the parser
  rejects outright (``<![`` sections, broken character references) is rewritten first.
- One cleaning pass with an explicit stack. Nothing is removed from or inserted into the
  bs4 tree (each costs O(siblings)): dropped nodes are skipped by id when rendering.
- The tree is at most ``MAX_HTML_DEPTH`` deep (bs4 and markdownify spend O(depth) per node),
  and markdownify, superlinear on some shapes (long numbered lists, long table heads, deep
  quotes), sees at most ``MAX_QUOTE_DEPTH`` nested quotes/lists and gives way to the linear
  text renderer after ``MARKDOWN_SECONDS``.
- Text a recipient cannot see is not content: hidden boxes (``display:none``, ``hidden``,
  ``opacity:0``, zero-size or off-screen boxes, ``mso-hide``…) and invisible text (tiny font,
  transparent colour, colour equal to the background) are dropped, so instructions hidden
  in a mail never reach an agent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, Tag
from bs4.element import NavigableString, PageElement
from markdownify import MarkdownConverter

# HTML handed to the parser, cut before parsing. Gmail itself clips a message's display at
# 102 kB of HTML. Tags are what cost (parsing, cleaning and converting take ~30-50 µs per
# "<" here), characters much less: 10,000 tags convert in under 0.4 s on a 2-core machine.
MAX_HTML_CHARS = 1_000_000
MAX_HTML_TAGS = 10_000
# Elements nested deeper than this are not read (bs4 spends O(depth) per text node, and
# markdownify recurses once per level); real mail nests a few dozen levels.
MAX_HTML_DEPTH = 256
# Markdown repeats a prefix ("> ", list indent) per level on every line: deeper quotes and
# lists are flattened, so 540 kB of nested blockquotes cannot become megabytes of prefixes.
MAX_QUOTE_DEPTH = 8
# markdownify's few superlinear spots are cut short: after this much CPU time (of its own
# thread, so a busy machine does not change the output) it gives way to the linear text
# renderer. A 100 kB newsletter takes ~50 ms, 10,000 tags ~0.3 s.
MARKDOWN_SECONDS = 0.5
# Converted text returned; the rest is cut with a line saying how much.
MAX_OUTPUT_CHARS = 1_000_000

_DROP_TAGS = frozenset(
    {"script", "style", "head", "title", "noscript", "template", "meta", "link", "svg"}
)
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
# Paragraph-like blocks get a blank line around them in plain text; other blocks a line break.
_PARAGRAPH_TAGS = frozenset(
    {"blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre", "table", "ul"}
)
_QUOTE_TAGS = frozenset({"blockquote", "ul", "ol", "li", "dl", "dd"})
# Private-use characters stand for breaks until adjacent breaks are merged into one.
_LINE, _PARAGRAPH = "\ue000", "\ue001"
_NO_MARKS = dict.fromkeys(map(ord, _LINE + _PARAGRAPH))
_BREAKS = re.compile("[\ue000\ue001](?:[\\s\ue000\ue001]*[\ue000\ue001])?")
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_CELLS = frozenset({"td", "th"})
_NOT_TEXT = (Comment, Declaration, Doctype)
# Zero-width and soft-hyphen padding that marketing preheaders repeat by the hundred.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u034f\u00ad"))
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[ \t\f\v\r\xa0]+")

# -- making html.parser linear -----------------------------------------------------------------
# Closes anything still open at the end: a comment (-->), a tag with an open quote (' or "
# then >), an end tag, declaration or processing instruction (>). When nothing is open it is
# a complete, empty comment, so it never shows up as text.
_TERMINATOR = "<!--'\"-->"
# "&#" that is not a character reference makes html.parser stop and emit the rest of the
# document as literal text (hidden markup included): escape it as a browser would show it.
_BAD_CHARREF = re.compile(r"&#(?![0-9]+[^0-9a-fA-F]|[xX][0-9a-fA-F]+[^0-9a-fA-F])")


def converted_length(html: str) -> int:
    """How many leading characters of ``html`` reach the parser (the rest is cut first)."""
    end = min(len(html), MAX_HTML_CHARS)
    if html.count("<", 0, end) > MAX_HTML_TAGS:
        position = -1
        for _ in range(MAX_HTML_TAGS + 1):
            position = html.find("<", position + 1)
        return position  # just before the first tag over the limit
    if end < len(html):
        tag_start = html.rfind("<", max(0, end - 4096), end)
        return tag_start if tag_start > 0 else end  # do not hand over half a tag
    return end


def _bounded(html: str) -> tuple[str, str]:
    """The markup handed to the parser, and a note for the output when some was cut."""
    end = converted_length(html)
    if end >= len(html):
        return html, ""
    note = (
        f"[… this message's HTML is {len(html):,} characters long; only the first "
        f"{end:,} were read]"
    )
    return html[:end], note


def _parseable(markup: str) -> str:
    # "<![" sections other than CDATA make html.parser raise; as in a browser they become
    # bogus comments (hidden). CDATA in HTML is a bogus comment too.
    markup = markup.replace("<![", "<!x[")
    return _BAD_CHARREF.sub("&amp;#", markup) + _TERMINATOR


# <p>a<p>b: as in a browser, the second element closes the first instead of nesting in it,
# so sloppy mail stays shallow.
_CLOSES_ITSELF = frozenset({"p", "li", "dt", "dd", "option", "tr", "td", "th"})


class _Soup(BeautifulSoup):
    """bs4's tree, never deeper than ``MAX_HTML_DEPTH``: what is nested deeper is not read.

    Skipped rather than flattened: a flattened element would lose its styles, and text a
    deeper element hides would then show. bs4's tree-builder hooks (handle_starttag,
    handle_endtag, handle_data) are its interface to every parser.
    """

    def __init__(self, markup: str) -> None:
        self.skipped_names: list[str] = []  # open elements inside the skipped region
        self._skipped_count: dict[str, int] = {}
        self.cut_deep = False
        super().__init__(markup, "html.parser")

    def handle_starttag(self, name: str, *args: Any, **kwargs: Any) -> Tag | None:
        if self.skipped_names or len(self.tagStack) > MAX_HTML_DEPTH:
            self.cut_deep = True
            if not self.builder.can_be_empty_element(name):
                self.skipped_names.append(name)
                self._skipped_count[name] = self._skipped_count.get(name, 0) + 1
            return None
        current = self.currentTag
        if name in _CLOSES_ITSELF and current is not None and current.name == name:
            super().handle_endtag(name)
        tag: Tag | None = super().handle_starttag(name, *args, **kwargs)
        return tag

    def handle_endtag(self, name: str, *args: Any, **kwargs: Any) -> None:
        if self.skipped_names:
            if self._skipped_count.get(name):
                while True:  # close skipped elements up to the matching one: amortised O(1)
                    closed = self.skipped_names.pop()
                    self._skipped_count[closed] -= 1
                    if closed == name:
                        return
            if not self.open_tag_counter.get(name):
                return  # a stray end tag
            self.skipped_names.clear()  # it closes a kept element, and all inside it
            self._skipped_count.clear()
        super().handle_endtag(name, *args, **kwargs)

    def handle_data(self, data: str) -> None:
        if not self.skipped_names:
            super().handle_data(data)


# -- styles: what a recipient can see ------------------------------------------------------
_Rgba = tuple[int, int, int, float]
_WHITE: _Rgba = (255, 255, 255, 1.0)
_BLACK: _Rgba = (0, 0, 0, 1.0)
# CSS names worth knowing to compare colours; an unknown name is treated as visible.
_NAMED: dict[str, _Rgba] = {
    "white": _WHITE, "black": _BLACK, "snow": (255, 250, 250, 1.0),
    "ivory": (255, 255, 240, 1.0), "ghostwhite": (248, 248, 255, 1.0),
    "whitesmoke": (245, 245, 245, 1.0), "floralwhite": (255, 250, 240, 1.0),
    "mintcream": (245, 255, 250, 1.0), "azure": (240, 255, 255, 1.0),
    "aliceblue": (240, 248, 255, 1.0), "seashell": (255, 245, 238, 1.0),
    "linen": (250, 240, 230, 1.0), "honeydew": (240, 255, 240, 1.0),
    "lavenderblush": (255, 240, 245, 1.0), "oldlace": (253, 245, 230, 1.0),
    "beige": (245, 245, 220, 1.0), "cornsilk": (255, 248, 220, 1.0),
    "lightyellow": (255, 255, 224, 1.0), "silver": (192, 192, 192, 1.0),
    "gray": (128, 128, 128, 1.0), "grey": (128, 128, 128, 1.0), "red": (255, 0, 0, 1.0),
    "maroon": (128, 0, 0, 1.0), "yellow": (255, 255, 0, 1.0), "olive": (128, 128, 0, 1.0),
    "lime": (0, 255, 0, 1.0), "green": (0, 128, 0, 1.0), "aqua": (0, 255, 255, 1.0),
    "cyan": (0, 255, 255, 1.0), "teal": (0, 128, 128, 1.0), "blue": (0, 0, 255, 1.0),
    "navy": (0, 0, 128, 1.0), "fuchsia": (255, 0, 255, 1.0), "magenta": (255, 0, 255, 1.0),
    "purple": (128, 0, 128, 1.0), "orange": (255, 165, 0, 1.0),
    "transparent": (0, 0, 0, 0.0),
}  # fmt: skip
# Text this close to its background (per RGB channel, 0-255) cannot be told apart from it.
COLOUR_TOLERANCE = 12
# Text smaller than this many CSS pixels cannot be read.
MIN_FONT_PX = 3.0
# Alpha or opacity at or below this is see-through.
MAX_INVISIBLE_ALPHA = 0.05
# Boxes pushed further than this off the page are out of sight.
OFFSCREEN_PX = -500.0
_FONT_KEYWORDS = {
    "xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
    "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0,
}  # fmt: skip
_UNIT_PX = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 9.6 / 2.54}
_MAX_VALUE_CHARS = 64  # longer style values are not lengths or colours anyone writes
_SIMPLE_SELECTOR = re.compile(r"([a-z][a-z0-9]*)?(?:([.#])([\w-]+))?", re.IGNORECASE)


def _declarations(style: str) -> dict[str, str]:
    """``a: b; c: d !important`` → {"a": "b", "c": "d"} (lower case, later wins)."""
    found: dict[str, str] = {}
    for item in style.split(";"):
        name, colon, value = item.partition(":")
        if colon:
            value = value.strip().lower().removesuffix("!important").strip()
            found[name.strip().lower()] = value
    return found


def _number(text: str) -> tuple[float, str] | None:
    """A leading CSS number and the unit after it: "-1.5em" → (-1.5, "em")."""
    text = text.strip()
    if not text or len(text) > _MAX_VALUE_CHARS:
        return None
    end = 1 if text[0] in "+-" else 0
    while end < len(text) and (text[end].isdigit() or text[end] == "."):
        end += 1
    try:
        return float(text[:end]), text[end:].strip()
    except ValueError:
        return None


def _length_px(value: str, font_px: float = 16.0) -> float | None:
    """A CSS length in pixels (em and % relative to ``font_px``); None if not a length."""
    parsed = _number(value.split()[0] if value.split() else "")
    if parsed is None:
        return None
    number, unit = parsed
    if unit in ("", "px") or unit in _UNIT_PX:
        return number * _UNIT_PX.get(unit, 1.0)
    if unit in ("em", "ex", "ch"):
        return number * font_px * (0.5 if unit != "em" else 1.0)
    if unit == "rem":
        return number * 16.0
    if unit == "%":
        return number * font_px / 100
    return None


def _font_px(value: str, parent_px: float) -> float:
    value = value.strip()
    if value in _FONT_KEYWORDS:
        return _FONT_KEYWORDS[value]
    if value == "smaller":
        return parent_px / 1.2
    if value == "larger":
        return parent_px * 1.2
    size = _length_px(value, parent_px)
    return parent_px if size is None else size


def _channel(text: str) -> float | None:
    parsed = _number(text)
    if parsed is None:
        return None
    number, unit = parsed
    return number * 2.55 if unit == "%" else number if unit == "" else None


def _alpha(text: str) -> float | None:
    parsed = _number(text)
    if parsed is None:
        return None
    number, unit = parsed
    return number / 100 if unit == "%" else number if unit == "" else None


def _colour(value: str) -> _Rgba | None:
    """A CSS colour; None when unknown (then it is treated as visible)."""
    value = value.strip().lower()
    if not value or len(value) > _MAX_VALUE_CHARS:
        return None
    if value in _NAMED:
        return _NAMED[value]
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(d * 2 for d in digits)
        if len(digits) not in (6, 8):
            return None
        try:
            channels = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        except ValueError:
            return None
        alpha = channels[3] / 255 if len(channels) == 4 else 1.0
        return channels[0], channels[1], channels[2], alpha
    if value.startswith(("rgb(", "rgba(")) and value.endswith(")"):
        items = value[value.index("(") + 1 : -1].replace(",", " ").replace("/", " ").split()
        if len(items) not in (3, 4):
            return None
        rgb = [_channel(item) for item in items[:3]]
        given_alpha = _alpha(items[3]) if len(items) == 4 else 1.0
        if any(c is None for c in rgb) or given_alpha is None:
            return None
        red, green, blue = (max(0, min(255, round(c or 0))) for c in rgb)
        return red, green, blue, given_alpha
    return None


def _background(declarations: Mapping[str, str], tag: Tag) -> tuple[bool, _Rgba | None]:
    """(whether the box paints its own background, its colour or None when unknowable)."""
    if (
        _attr(tag, "background")
        or "url(" in declarations.get("background", "")
        or (declarations.get("background-image", "none") not in ("none", ""))
    ):
        return True, None  # text over an image: its colour says nothing about visibility
    for value in (
        declarations.get("background-color", ""),
        (declarations.get("background", "").split() or [""])[0],
        _attr(tag, "bgcolor"),
    ):
        if value:
            colour = _colour(value)
            if colour is not None and colour[3] > MAX_INVISIBLE_ALPHA:
                return True, colour
    return False, None


@dataclass(frozen=True, slots=True)
class _Look:
    """The inherited styles that decide whether text inside an element can be seen."""

    colour: _Rgba = _BLACK
    background: _Rgba | None = _WHITE  # None: unknown (an image), text counts as visible
    font_px: float = 16.0

    def hides_text(self) -> bool:
        if self.font_px < MIN_FONT_PX or self.colour[3] <= MAX_INVISIBLE_ALPHA:
            return True
        if self.background is None:
            return False
        return all(
            abs(a - b) <= COLOUR_TOLERANCE
            for a, b in zip(self.colour[:3], self.background[:3], strict=True)
        )


def _hides_box(declarations: Mapping[str, str]) -> bool:
    """Styles that take a whole element (and what it contains) out of sight."""
    get = declarations.get
    if get("display") == "none" or get("visibility") in ("hidden", "collapse"):
        return True
    if get("mso-hide") == "all":
        return True
    opacity = _alpha(get("opacity", "1"))
    if opacity is not None and opacity <= MAX_INVISIBLE_ALPHA:
        return True
    if get("overflow", get("overflow-y", "")) in ("hidden", "clip"):
        for name in ("height", "max-height", "width", "max-width"):
            size = _length_px(get(name, ""))
            if size is not None and size <= 0:
                return True
    if get("position") in ("absolute", "fixed"):
        for name in ("left", "top", "right", "bottom"):
            offset = _length_px(get(name, ""))
            if offset is not None and offset <= OFFSCREEN_PX:
                return True
        clip = get("clip", "").replace(" ", "")
        if clip.startswith("rect(") and all(
            _length_px(part) == 0 for part in clip[5:-1].split(",")
        ):
            return True
    for name in ("margin-left", "margin-top", "text-indent"):
        offset = _length_px(get(name, ""))
        if offset is not None and offset <= OFFSCREEN_PX:
            return True
    transform = get("transform", "").replace(" ", "")
    return transform.startswith("scale(0)") or transform.startswith("scale(0,")


# -- <style> rules ------------------------------------------------------------------------------


@dataclass
class _StyleRules:
    """Declarations of top-level rules with simple selectors (tag, .class, #id, tag.class).

    Hand-written rather than a CSS library: only these rules decide what is hidden, and
    rules inside @media (mobile-only hiding, dark mode) must not count.
    """

    by_tag: dict[str, dict[str, str]] = field(default_factory=dict)
    by_class: dict[str, dict[str, str]] = field(default_factory=dict)
    by_id: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, css: str) -> None:
        for selectors, body in _top_level_rules(_without_comments(css)):
            declarations = _declarations(body)
            for selector in selectors.split(","):
                match = _SIMPLE_SELECTOR.fullmatch(selector.strip())
                if not match or not (match.group(1) or match.group(2)):
                    continue
                tag, kind, name = match.groups()
                if kind:  # tag.class counts as .class: close enough, and errs towards hiding
                    table = self.by_class if kind == "." else self.by_id
                    table.setdefault(name.lower(), {}).update(declarations)
                elif tag:
                    self.by_tag.setdefault(tag.lower(), {}).update(declarations)

    def for_tag(self, tag: Tag) -> dict[str, str]:
        found: dict[str, str] = {}
        if not (self.by_tag or self.by_class or self.by_id):
            return found
        found.update(self.by_tag.get(tag.name, {}))
        for name in _attr(tag, "class").lower().split():
            found.update(self.by_class.get(name, {}))
        found.update(self.by_id.get(_attr(tag, "id").lower(), {}))
        return found


def _without_comments(css: str) -> str:
    pieces: list[str] = []
    position = 0
    while (start := css.find("/*", position)) >= 0:
        pieces.append(css[position:start])
        end = css.find("*/", start + 2)
        if end < 0:
            return "".join(pieces)
        position = end + 2
    pieces.append(css[position:])
    return "".join(pieces)


def _top_level_rules(css: str) -> Iterator[tuple[str, str]]:
    """(selectors, declarations) of rules outside any @-block, in one pass over the braces."""
    depth = 0
    start = body_start = 0
    selectors = ""
    for match in re.finditer(r"[{}]", css):
        if match.group() == "{":
            if depth == 0:
                selectors, body_start = css[start : match.start()], match.end()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                if "@" not in selectors:
                    yield selectors, css[body_start : match.start()]
                start = match.end()


# -- cleaning: one pass ------------------------------------------------------------------------


def _attr(tag: Tag, name: str) -> str:
    value = tag.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value or ""


def _is_tracking_pixel(img: Tag, declarations: Mapping[str, str]) -> bool:
    for name in ("width", "height"):
        for value in (_attr(img, name), declarations.get(name, "")):
            size = _length_px(value)
            if size is not None and size <= 1:
                return True
    return False


def _children(tag: Tag) -> list[Tag]:
    return [child for child in tag.contents if isinstance(child, Tag)]


@dataclass
class _TableInfo:
    """One <table>'s own rows and cells (not those of tables nested inside it)."""

    tag: Tag
    parts: list[Tag] = field(default_factory=list)
    cells_per_row: list[int] = field(default_factory=list)
    has_nested_table: bool = False

    def is_layout(self) -> bool:
        # Email layouts nest tables for positioning; as Markdown tables they are unreadable.
        return (
            _attr(self.tag, "role").lower() in ("presentation", "none")
            or self.has_nested_table
            or all(count <= 1 for count in self.cells_per_row)
        )


@dataclass
class _Cleaned:
    soup: BeautifulSoup
    note: str  # "" or a line saying the HTML was cut before parsing
    skipped: set[int]  # ids of nodes not rendered (hidden, scripts, pixels, invisible text)
    alt_text: dict[int, str]  # ids of images that cannot be shown -> their alt text


@dataclass(frozen=True, slots=True)
class _Visit:
    node: PageElement
    table: _TableInfo | None
    row: Tag | None
    look: _Look
    quotes: int  # nested blockquotes and lists above this node


# Attributes markdownify turns into int(): a 5,000-digit value would raise.
_NUMERIC_ATTRIBUTES = ("colspan", "start")


def _clean(html: str) -> _Cleaned:
    markup, note = _bounded(html)
    soup = _Soup(_parseable(markup))
    if soup.cut_deep:
        deep = (
            f"[… parts of this message's HTML nested more than {MAX_HTML_DEPTH} levels deep "
            "are not shown]"
        )
        note = f"{deep}\n{note}" if note else deep
    rules = _StyleRules()
    skipped: set[int] = set()
    alt_text: dict[int, str] = {}
    tables: list[_TableInfo] = []
    stack = [_Visit(soup, None, None, _Look(), 0)]
    while stack:
        visit = stack.pop()
        node = visit.node
        if not isinstance(node, Tag):
            if (
                isinstance(node, NavigableString)
                and not isinstance(node, _NOT_TEXT)
                and visit.look.hides_text()
                and node.strip()
            ):
                skipped.add(id(node))
            continue
        name = node.name
        if name == "style":
            rules.add(node.get_text())
        inline = _attr(node, "style")
        declarations = rules.for_tag(node)
        if inline:
            declarations.update(_declarations(inline))
        if (
            name in _DROP_TAGS
            or node.has_attr("hidden")
            or (declarations and _hides_box(declarations))
            or (name == "img" and _is_tracking_pixel(node, declarations))
        ):
            skipped.add(id(node))
            continue
        look = _restyle(visit.look, node, declarations)
        if name == "img" and not _attr(node, "src").strip().lower().startswith(("http:", "https:")):
            # cid: and data: images cannot be shown outside the mail: their alt text stays.
            alt_text[id(node)] = "" if look.hides_text() else _attr(node, "alt")
        for attribute in _NUMERIC_ATTRIBUTES:
            if len(_attr(node, attribute)) > 4:
                del node[attribute]
        quotes = visit.quotes
        if name in _QUOTE_TAGS:
            quotes += 1
            if quotes > MAX_QUOTE_DEPTH:
                node.name = "div"  # in place: O(1), unlike replacing the node
        table, row = visit.table, visit.row
        if name == "table":
            if table is not None:
                table.has_nested_table = True
            table, row = _TableInfo(node), None
            tables.append(table)
        elif table is not None and name in _SECTIONS:
            table.parts.append(node)
        elif table is not None and name == "tr":
            table.parts.append(node)
            table.cells_per_row.append(0)
            row = node
        elif table is not None and name in _CELLS:
            table.parts.append(node)
            if row is not None and table.cells_per_row:
                table.cells_per_row[-1] += 1
        stack.extend(_Visit(child, table, row, look, quotes) for child in reversed(node.contents))
    for info in tables:
        if info.is_layout():
            for tag in (info.tag, *info.parts):
                tag.name = "div"
    return _Cleaned(soup, note, skipped, alt_text)


def _restyle(look: _Look, tag: Tag, declarations: Mapping[str, str]) -> _Look:
    colour_value = declarations.get("color") or _attr(tag, "color")
    font_value = declarations.get("font-size", "")
    paints, background = (
        _background(declarations, tag)
        if declarations or tag.has_attr("bgcolor") or tag.has_attr("background")
        else (False, None)
    )
    if not (colour_value or font_value or paints):
        return look
    colour = _colour(colour_value) if colour_value else None
    return _Look(
        colour=colour if colour is not None else look.colour,
        background=background if paints else look.background,
        font_px=_font_px(font_value, look.font_px) if font_value else look.font_px,
    )


# -- rendering ------------------------------------------------------------------------------


class _SlowMarkdown(Exception):
    """markdownify ran past MARKDOWN_SECONDS."""


class _Converter(MarkdownConverter):
    """markdownify, skipping what the cleaning pass dropped, within a time limit.

    ``process_element`` (every node passes through it) and ``escape`` exist since
    markdownify 1.1 but are missing from its type stub.
    """

    def __init__(self, cleaned: _Cleaned, deadline: float) -> None:
        super().__init__(heading_style="ATX", bullets="-")
        self._skipped = cleaned.skipped
        self._alt_text = cleaned.alt_text
        self._deadline = deadline

    def process_element(self, node: PageElement, parent_tags: Any = None) -> str:
        key = id(node)
        if key in self._skipped:
            return ""
        if key in self._alt_text:
            escaped = self.escape(self._alt_text[key], parent_tags or set())  # type: ignore[attr-defined]
            return str(escaped)
        if time.thread_time() > self._deadline:
            raise _SlowMarkdown
        return str(super().process_element(node, parent_tags=parent_tags))  # type: ignore[misc]


def _tidy_lines(lines: Iterable[str]) -> str:
    """Strip trailing spaces and keep at most one blank line in a row (line by line: linear)."""
    out: list[str] = []
    blank = 0
    for line in lines:
        line = line.translate(_INVISIBLE).rstrip()
        if line.strip():
            blank = 0
        else:
            blank += 1
            if blank > 1 or not out:
                continue
            line = ""
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _finish(text: str, note: str) -> str:
    if len(text) > MAX_OUTPUT_CHARS:
        hidden = len(text) - MAX_OUTPUT_CHARS
        text = (
            f"{text[:MAX_OUTPUT_CHARS]}\n\n[… {hidden:,} more characters of this message's "
            "converted HTML not shown]"
        )
    return f"{text}\n\n{note}" if note else text


def html_to_markdown(html: str) -> str:
    """Readable Markdown for an agent: links and data tables kept, scripts, pixels and
    hidden text gone."""
    cleaned = _clean(html)
    converter = _Converter(cleaned, time.thread_time() + MARKDOWN_SECONDS)
    try:
        markdown = str(converter.convert_soup(cleaned.soup))
    except _SlowMarkdown:
        return _finish(_text_of(cleaned), cleaned.note)
    return _finish(_tidy_lines(markdown.replace("\xa0", " ").split("\n")), cleaned.note)


def html_to_text(html: str) -> str:
    """Plain text with one line per block, table cells joined by " | ", links as "text (url)".

    A hand-rolled walk rather than markdownify: no Markdown escapes to undo, and an explicit
    stack, so it also serves as the fallback for pathologically deep or slow HTML.
    """
    cleaned = _clean(html)
    return _finish(_text_of(cleaned), cleaned.note)


@dataclass(frozen=True, slots=True)
class _LinkEnd:
    """Pushed after a link's children: appends the URL once the label text is known."""

    href: str
    start: int  # index in pieces
    chars: int  # characters emitted before the label


def _later_cells(row: Tag) -> set[int]:
    cells = [child for child in _children(row) if child.name in _CELLS]
    return {id(cell) for cell in cells[1:]}


def _text_of(cleaned: _Cleaned) -> str:
    # Stack items: (a node to enter, inside <pre>?), a break to emit after a block, or a
    # link's end.
    stack: list[tuple[PageElement, bool] | str | _LinkEnd] = [(cleaned.soup, False)]
    pieces: list[str] = []
    chars = 0  # total length of pieces, so a link's label is joined only when it may be its URL
    later_cells: set[int] = set()
    skipped, alt_text = cleaned.skipped, cleaned.alt_text
    while stack:
        item = stack.pop()
        if isinstance(item, _LinkEnd):
            label_chars = chars - item.chars
            label = (
                "".join(pieces[item.start :]).strip()
                if len(item.href) <= label_chars <= len(item.href) + 64
                and len(pieces) - item.start <= len(item.href) + 64
                else None
            )
            if item.href.startswith(("http://", "https://")) and item.href != label:
                pieces.append(f" ({item.href})")
                chars += len(pieces[-1])
            continue
        if isinstance(item, str):
            pieces.append(item)
            chars += 1
            continue
        node, in_pre = item
        key = id(node)
        if key in skipped:
            continue
        if key in alt_text:
            pieces.append(alt_text[key])
            chars += len(alt_text[key])
        elif isinstance(node, Tag):
            name = node.name
            if name == "tr":
                later_cells |= _later_cells(node)
            elif key in later_cells:
                pieces.append(" | ")
                chars += 3
            mark = _PARAGRAPH if name in _PARAGRAPH_TAGS else _LINE if name in _BLOCK_TAGS else ""
            if mark:
                pieces.append(mark)
                chars += 1
                stack.append(mark)
            if name == "a":
                stack.append(_LinkEnd(_attr(node, "href").strip(), len(pieces), chars))
            in_pre = in_pre or name == "pre"
            stack.extend((child, in_pre) for child in reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, _NOT_TEXT):
            text = str(node).translate(_NO_MARKS)
            # Outside <pre>, a newline in the source is just a space, as a browser shows it.
            pieces.append(text if in_pre else _WHITESPACE.sub(" ", text))
            chars += len(pieces[-1])
    text = _BREAKS.sub(_break_for, "".join(pieces))
    return _tidy_lines(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _break_for(match: re.Match[str]) -> str:
    return "\n\n" if _PARAGRAPH in match.group(0) else "\n"
