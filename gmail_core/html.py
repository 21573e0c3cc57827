"""Email HTML to Markdown or plain text, with the noise email HTML carries removed.

Everything here is linear in the input size: email HTML can be megabytes (inlined CSS,
marketing layouts), so the tree is walked with explicit stacks (deep nesting cannot overflow
the Python stack), nodes are never inserted one by one (bs4 inserts cost O(siblings)) and no
regex backtracks over a whole document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, Tag
from bs4.element import PageElement
from markdownify import MarkdownConverter

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
# Private-use characters stand for breaks until adjacent breaks are merged into one.
_LINE, _PARAGRAPH = "\ue000", "\ue001"
_NO_MARKS = dict.fromkeys(map(ord, _LINE + _PARAGRAPH))
_BREAKS = re.compile("[\ue000\ue001](?:[\\s\ue000\ue001]*[\ue000\ue001])?")
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_CELLS = frozenset({"td", "th"})
_NOT_TEXT = (Comment, Declaration, Doctype)
# markdownify recurses once per nesting level; deeper documents are converted as plain text.
_MAX_MARKDOWN_DEPTH = 200
# Hiding styles used by preheaders and Outlook-only blocks; the reader never sees them.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all", re.I)
_PIXEL_STYLE = re.compile(r"(?:^|;)\s*(?:width|height)\s*:\s*[01](?:\.0*)?(?:px)?\s*(?:;|$)", re.I)
_LEADING_NUMBER = re.compile(r"\s*(\d+)")
# Zero-width and soft-hyphen padding that marketing preheaders repeat by the hundred.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u034f\u00ad"))
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[ \t\f\v\r\xa0]+")


def _attr(tag: Tag, name: str) -> str:
    value = tag.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value or ""


def _is_hidden(tag: Tag) -> bool:
    return tag.has_attr("hidden") or bool(_HIDDEN_STYLE.search(_attr(tag, "style")))


def _is_tracking_pixel(img: Tag) -> bool:
    for name in ("width", "height"):
        match = _LEADING_NUMBER.match(_attr(img, name))
        if match and int(match.group(1)) <= 1:
            return True
    return bool(_PIXEL_STYLE.search(_attr(img, "style")))


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
    depth: int


def _clean(html: str) -> _Cleaned:
    soup = BeautifulSoup(html, "html.parser")
    drop: list[Tag] = []
    unshown_images: list[Tag] = []
    tables: list[_TableInfo] = []
    max_depth = 0
    # (tag, depth, nearest table, nearest row) — one explicit stack, one pass.
    stack: list[tuple[Tag, int, _TableInfo | None, Tag | None]] = [(soup, 0, None, None)]
    while stack:
        tag, depth, table, row = stack.pop()
        max_depth = max(max_depth, depth)
        name = tag.name
        if name in _DROP_TAGS or _is_hidden(tag) or (name == "img" and _is_tracking_pixel(tag)):
            drop.append(tag)
            continue
        if name == "img" and not _attr(tag, "src").strip().lower().startswith(("http:", "https:")):
            unshown_images.append(tag)  # cid: and data: images cannot be shown outside the mail
        if name == "table":
            if table is not None:
                table.has_nested_table = True
            table, row = _TableInfo(tag), None
            tables.append(table)
        elif table is not None and name in _SECTIONS:
            table.parts.append(tag)
        elif table is not None and name == "tr":
            table.parts.append(tag)
            table.cells_per_row.append(0)
            row = tag
        elif table is not None and name in _CELLS:
            table.parts.append(tag)
            if row is not None and table.cells_per_row:
                table.cells_per_row[-1] += 1
        stack.extend((child, depth + 1, table, row) for child in reversed(_children(tag)))
    for tag in drop:
        tag.decompose()
    for img in unshown_images:
        img.replace_with(_attr(img, "alt"))
    for info in tables:
        if info.is_layout():
            for tag in (info.tag, *info.parts):
                tag.name = "div"
    return _Cleaned(soup, max_depth)


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


def html_to_markdown(html: str) -> str:
    """Readable Markdown for an agent: links and data tables kept, scripts and pixels gone."""
    cleaned = _clean(html)
    if cleaned.depth > _MAX_MARKDOWN_DEPTH:
        return _text_of(cleaned.soup)
    converter = MarkdownConverter(heading_style="ATX", bullets="-")
    markdown = str(converter.convert_soup(cleaned.soup))
    return _tidy_lines(markdown.replace("\xa0", " ").split("\n"))


def html_to_text(html: str) -> str:
    """Plain text with one line per block, table cells joined by " | ", links as "text (url)".

    A hand-rolled walk rather than markdownify: no Markdown escapes to undo, and an explicit
    stack, so it also serves as the fallback for pathologically deep HTML.
    """
    return _text_of(_clean(html).soup)


@dataclass(frozen=True, slots=True)
class _LinkEnd:
    """Pushed after a link's children: appends the URL once the label text is known."""

    href: str
    start: int


def _later_cells(row: Tag) -> set[int]:
    cells = [child for child in _children(row) if child.name in _CELLS]
    return {id(cell) for cell in cells[1:]}


def _text_of(soup: BeautifulSoup) -> str:
    # Stack items: (a node to enter, inside <pre>?), a break to emit after a block, or a
    # link's end.
    stack: list[tuple[PageElement, bool] | str | _LinkEnd] = [(soup, False)]
    pieces: list[str] = []
    later_cells: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, _LinkEnd):
            label = "".join(pieces[item.start :]).strip()
            if item.href.startswith(("http://", "https://")) and item.href != label:
                pieces.append(f" ({item.href})")
            continue
        if isinstance(item, str):
            pieces.append(item)
            continue
        node, in_pre = item
        if isinstance(node, Tag):
            name = node.name
            if name == "tr":
                later_cells |= _later_cells(node)
            elif id(node) in later_cells:
                pieces.append(" | ")
            mark = _PARAGRAPH if name in _PARAGRAPH_TAGS else _LINE if name in _BLOCK_TAGS else ""
            if mark:
                pieces.append(mark)
                stack.append(mark)
            if name == "a":
                stack.append(_LinkEnd(_attr(node, "href").strip(), len(pieces)))
            in_pre = in_pre or name == "pre"
            stack.extend((child, in_pre) for child in reversed(node.contents))
        elif not isinstance(node, _NOT_TEXT):
            text = str(node).translate(_NO_MARKS)
            # Outside <pre>, a newline in the source is just a space, as a browser shows it.
            pieces.append(text if in_pre else _WHITESPACE.sub(" ", text))
    text = _BREAKS.sub(_break_for, "".join(pieces))
    return _tidy_lines(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _break_for(match: re.Match[str]) -> str:
    return "\n\n" if _PARAGRAPH in match.group(0) else "\n"
