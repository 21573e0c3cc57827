"""Gmail signatures on outgoing mail: sanitised HTML, a text rendering, and their place. Pure.

Gmail stores a send-as address's signature as HTML (``settings.sendAs.signature``). It is
placed like Gmail places it: below the new text and above the quoted history or the
forwarded message, after Gmail's "-- " line (RFC 3676's signature separator, which Gmail
writes as ``<span class="gmail_signature_prefix">-- </span>`` and as a text line).

The HTML is sanitised with a safelist over bs4 (already a dependency, and the parser the
rest of the plugin uses): bleach is deprecated upstream and keeps the text of the elements
it strips (a script's code would show), nh3 is a compiled wheel. Gmail sanitises
signatures when they are saved; this is the second line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString, PageElement

from gmail_core.html import html_to_text

# Dropped with everything inside: active content, forms, embedded documents and media.
_DROP = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
        "input", "button", "select", "option", "textarea", "noscript", "template", "svg",
        "math", "head", "title", "meta", "link", "base", "audio", "video", "source", "track",
        "canvas", "dialog", "portal", "picture", "map", "area",
    }
)  # fmt: skip
# Kept with their safe attributes; any other element is replaced by its content.
_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "blockquote", "br", "center", "cite", "code",
        "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2",
        "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
        "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "wbr",
    }
)  # fmt: skip
_ATTRIBUTES = frozenset(
    {
        "align", "alt", "bgcolor", "border", "cellpadding", "cellspacing", "class", "color",
        "colspan", "dir", "face", "height", "lang", "rowspan", "size", "style", "title",
        "valign", "width",
    }
)  # fmt: skip
_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Inline CSS that loads or runs something: remote images, old IE expressions, bindings.
# Backslashes are refused outright: CSS escapes could spell any of these in disguise.
_ACTIVE_CSS = re.compile(r"url\s*\(|expression|@import|javascript:|behaviou?r|binding|\\", re.I)
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")

_TAIL = 4096

PREFIX_HTML = '<span class="gmail_signature_prefix">-- </span><br>'
PREFIX_TEXT = "-- "


@dataclass(frozen=True, slots=True)
class Signature:
    """A signature ready to append: safe HTML and its plain-text rendering."""

    html: str
    text: str


def from_gmail(stored_html: str) -> Signature | None:
    """The signature Gmail stored, sanitised; None when it has nothing to show."""
    if not stored_html.strip():
        return None
    safe = sanitize(stored_html)
    text = html_to_text(safe).strip()
    if not text and "<img" not in safe:
        return None
    return Signature(safe, text)


def sanitize(html: str) -> str:
    """Only the safelisted elements and attributes; links to http(s), mailto and tel; images
    from https addresses only (what Gmail stores: its own image host or the user's)."""
    soup = BeautifulSoup(html, "html.parser")
    stack: list[PageElement] = list(soup.contents)
    unwrap: list[Tag] = []
    while stack:
        node = stack.pop()
        if isinstance(node, Comment) or (
            isinstance(node, NavigableString) and type(node) is not NavigableString
        ):
            node.extract()  # comments, CDATA, declarations, processing instructions
            continue
        if not isinstance(node, Tag):
            continue
        name = (node.name or "").lower()
        if name in _DROP:
            node.decompose()
            continue
        stack.extend(node.contents)
        if name not in _TAGS:
            unwrap.append(node)
            continue
        _clean_attributes(node, name)
        if name == "img" and not node.get("src"):
            node.replace_with(str(node.get("alt") or ""))
    for tag in reversed(unwrap):  # innermost first: each unwrap keeps its children
        tag.unwrap()
    return str(soup).strip()


def _clean_attributes(tag: Tag, name: str) -> None:
    kept: dict[str, Any] = {}
    for attr, raw in tag.attrs.items():
        value = " ".join(raw) if isinstance(raw, list) else str(raw)
        attr = attr.lower()
        if attr == "href" and name == "a":
            if _scheme(value) in _LINK_SCHEMES:
                kept["href"] = value.strip()
        elif attr == "src" and name == "img":
            if _scheme(value) == "https":
                kept["src"] = value.strip()
        elif attr == "target" and name == "a":
            kept["target"] = "_blank"
        elif attr == "style":
            if not _ACTIVE_CSS.search(value):
                kept["style"] = value
        elif attr in _ATTRIBUTES:
            kept[attr] = value
    tag.attrs = kept


def _scheme(url: str) -> str:
    """The URL's scheme as a browser reads it (spaces and control characters ignored)."""
    try:
        return urlsplit(_URL_NOISE.sub("", url)).scheme.lower()
    except ValueError:
        return ""


# Link targets: rendered as "text (url)" from HTML, "[text](url)" in Markdown, or left out.
_URL = re.compile(r"(?:https?|mailto|tel):[^\s()<>\[\]]*", re.I)


def _letters(text: str) -> str:
    """Letters and digits only, case-folded, link targets left out: what two renderings of
    one text (HTML as text, Markdown, what a person typed) have in common."""
    return "".join(ch for ch in _URL.sub("", text).casefold() if ch.isalnum())


def already_signed(plain: str, html_body: str | None, signature: Signature) -> bool:
    """Whether the body already ends with this signature (an agent or a person wrote it
    in), or holds a Gmail signature block (an HTML body copied from Gmail)."""
    if html_body is not None and "gmail_signature" in html_body:
        return True
    wanted = _letters(signature.text)
    if not wanted:
        return False
    # Only the end of the body can end with the signature: a window a few times its size
    # (link targets and markup are left out of the comparison) keeps a 2 MB body cheap.
    if html_body is not None:
        written = html_to_text(html_body[-(4 * len(signature.html) + _TAIL) :])
    else:
        written = plain[-(4 * len(signature.text) + _TAIL) :]
    return _letters(written).endswith(wanted)


def append(plain: str, html_body: str | None, signature: Signature) -> tuple[str, str | None]:
    """The bodies with the signature below them, unless they already end with it."""
    if already_signed(plain, html_body, signature):
        return plain, html_body
    if signature.text:  # an image-only signature has nothing to show in text
        text = f"{PREFIX_TEXT}\n{signature.text}"
        plain = f"{plain.rstrip()}\n\n{text}\n" if plain.strip() else f"{text}\n"
    if html_body is None:
        return plain, None
    block = (
        f'<div><br></div>{PREFIX_HTML}<div dir="ltr" class="gmail_signature" '
        f'data-smartmail="gmail_signature">{signature.html}</div>'
    )
    return plain, append_html(html_body, block)


_BODY_END = re.compile(r"</body\s*>", re.I)


def append_html(html_body: str, fragment: str) -> str:
    """``fragment`` at the end of the document's content: inside ``<body>`` when the HTML is
    a whole document, else after it."""
    ends = list(_BODY_END.finditer(html_body))
    if not ends:
        return html_body + fragment
    at = ends[-1].start()
    return html_body[:at] + fragment + html_body[at:]
