"""Where a reply's quoted history starts: the part a mail client folds away as "…".

Pure, no I/O. One set of conventions, read two ways:

- :func:`trim_quoted`, text heuristics for text-only mail and for what is left once the HTML
  structure has been cut: attribution lines ("On … wrote:" in nine languages), ">" quotes,
  Outlook's From/Sent/To/Subject block and "-----Original Message-----" (localised), and the
  "Sent from my iPhone" line a phone puts just above the history;
- :class:`HtmlHistory`, which watches ``html``'s cleaning pass (one parse, document order) and
  names the element where the history starts: Gmail's ``gmail_quote``, Apple Mail's and
  Thunderbird's ``<blockquote type="cite">``, ``moz-cite-prefix``, Yahoo's ``yahoo_quoted``,
  Outlook's ``divRplyFwdMsg``, ``appendonsend``, ``OLK_SRC_BODY_SECTION``, new Outlook's
  reference-message container, and the From/Sent/To/Subject block after an ``<hr>`` or a top
  border (Outlook desktop).

History starts at the earliest marker of any kind, and runs to the end of the message's own
body. Never history: a forwarded message (nothing after a forward marker counts, and in a
message whose subject says it is a forward, Outlook's first header block is that marker),
inline replies interleaved with quotes, and the whole body (a body that is nothing but quote is
returned whole). Every step is linear in the input (``tests/reliability/test_pathological.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bs4 import Tag

# An attribution is at most this long (it may be wrapped over up to three lines).
MAX_ATTRIBUTION_CHARS = 400

# Attribution lines that introduce quoted history. The part in <…> may be wrapped onto the
# next line; the checks below join up to three lines first.
_ATTRIBUTION = re.compile(
    r"(?:On\b.*\bwrote:"  # Gmail, Apple Mail, Thunderbird, Yahoo, Outlook for Mac
    r"|Le\b.*\ba écrit\s?:"  # French
    r"|Am\b.*\b(?:schrieb|geschrieben)\b.*:"  # German ("… hat X Folgendes geschrieben:")
    r"|El\b.*\bescribió:"  # Spanish
    r"|Op\b.*\b(?:schreef|geschreven)\b.*:"  # Dutch ("… heeft X het volgende geschreven:")
    r"|Il\b.*\bha scritto:"  # Italian ("Il giorno … ha scritto:")
    r"|Em\b.*\bescreveu:"  # Portuguese
    r"|.*写道\s?[:：]"  # Chinese ("… 写道：")
    r"|.*のメール\s?[:：]"  # Japanese, Apple Mail ("2026/11/17 16:20、X <x@y>のメール:")
    r"|\d{4}年\d{1,2}月\d{1,2}日.*@.*>\s?[:：]"  # Japanese, Gmail ("2026年11月17日(火) X <x@y>:")
    r")\s*$",
    re.IGNORECASE,
)
# Outlook and friends: the original follows unquoted, so these markers trim on their own.
_ORIGINAL_MESSAGE = re.compile(
    r"\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Original-Nachricht"
    r"|Message d'origine|Mensaje original|Messaggio originale|Mensagem original"
    r"|Oorspronkelijk bericht|原始邮件|原始郵件|元のメッセージ)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# Header labels of a quoted header block, in Outlook's languages (and the ones Apple Mail,
# Yahoo and Thunderbird use): "From:", "**From:**" (Markdown of <b>From:</b>), "发件人：".
_FROM_LABEL = re.compile(
    r"\s*\*{0,2}(?:From|De|Von|Van|Da|发件人|寄件者|差出人)\s?\*{0,2}\s?[:：]", re.IGNORECASE
)
_SENT_LABEL = re.compile(
    r"\s*\*{0,2}(?:Sent|Date|Envoyé|Gesendet|Datum|Enviado(?: el| em)?|Enviada(?: em)?|Fecha"
    r"|Data|Inviato"
    r"|Verzonden|Verstuurd|发送时间|日期|傳送時間|送信日時|日付)\s?\*{0,2}\s?[:：]",
    re.IGNORECASE,
)
_SUBJECT_LABEL = re.compile(
    r"\s*\*{0,2}(?:Subject|Betreff|Objet|Asunto|Oggetto|Assunto|Onderwerp|主题|主旨|件名)"
    r"\s?\*{0,2}\s?[:：]",
    re.IGNORECASE,
)
# A rule above an Outlook header block ("____…"; "\_\_…" in Markdown; "---" from an <hr>).
_RULE = re.compile(r"\s*(?:-{3,}|(?:\\?_){3,})\s*$")
# A forwarded message starts here: what follows is content, not history.
_FORWARD_MARKER = re.compile(
    r"\s*(?:-+\s*)?(?:Forwarded message|Begin forwarded message|Weitergeleitete Nachricht"
    r"|Anfang der weitergeleiteten Nachricht|Message transféré|Début du message réexpédié"
    r"|Mensaje reenviado|Inicio del mensaje reenviado|Messaggio inoltrato"
    r"|Inizio messaggio inoltrato|Mensagem encaminhada|Início da mensagem reencaminhada"
    r"|Doorgestuurd bericht|Begin doorgestuurd bericht"
    r"|转发的邮件|轉寄的郵件|転送されたメッセージ)\b",
    re.IGNORECASE,
)
# First letters of the forward markers above (a cheap test before the regex).
_FORWARD_INITIALS = frozenset("FfBbWwAaMmDdIi转轉転")
# The line a phone or app puts under the reply, just above the history: part of neither.
_SIGNOFF = re.compile(
    r"\s*(?:Sent from (?:my |Outlook|Mail for Windows|Yahoo Mail|Samsung|AOL)"
    r"|Get \[?Outlook for (?:iOS|Android)"
    r"|Von meinem \S|Gesendet von (?:meinem|Outlook)|Envoyé (?:de mon|depuis)"
    r"|Enviado (?:desde mi|do meu|de meu|desde) |Inviato da |Verstuurd vanaf mijn "
    r"|Verzonden (?:vanaf mijn|met) |发自我的|从我的|寄自我的|\S{1,20}から送信)",
    re.IGNORECASE,
)
_MAX_SIGNOFF_CHARS = 100
# Subject prefixes, in the languages above: the first one says whether this is a forward.
_SUBJECT_PREFIX = re.compile(
    r"\s*(?:(fwd?|wg|tr|rv|enc|i|doorst|转发|轉寄|転送)|re|aw|sv|vs|antw|rif|r|res|回复|答复|回覆"
    r"|返信)\s*(?:\[\d{1,4}\]\s*)?[:：]",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")
# Raw HTML that may hold a structural marker: anything else is not parsed for trimming.
# Looked for as plain substrings of the case-folded HTML: a case-insensitive regex of these
# alternatives tries each one at every character (0.44 ms for 4.5 kB of HTML, 20x this).
_HTML_HINTS = (
    "<hr",
    "border",
    "cite",
    "quote",
    "divrplyfwdmsg",
    "appendonsend",
    "olk_src_body_section",
    "reference-message-container",
)


def is_forward(subject: str) -> bool:
    """Whether the subject's first prefix is a forward's ("Fwd:", "FW:", "WG:", "TR:" …)."""
    match = _SUBJECT_PREFIX.match(subject[:200])
    return bool(match and match.group(1))


def same_words(first: str, second: str) -> bool:
    """Whether two texts hold the same words in the same order (letters and digits only, so
    Markdown escapes, link syntax and line breaks do not count)."""
    return _WORD.findall(first.casefold()) == _WORD.findall(second.casefold())


def may_mark_history(html: str) -> bool:
    """Whether ``html`` may hold a structural history marker (worth parsing to trim)."""
    folded = html.casefold()
    return any(hint in folded for hint in _HTML_HINTS)


# ---------------------------------------------------------------------------------------
# Text


def trim_quoted(text: str, *, forward: bool = False, history_follows: bool = False) -> str:
    """``text`` without the quoted history it repeats; never "" for non-empty input.

    ``forward``: the message's subject says it is a forward (``is_forward``), so Outlook's
    first header block introduces the forwarded message, not history. ``history_follows``:
    ``text`` was cut where the HTML structure marks the history, so an attribution or a
    "Sent from my …" line at its end belongs to that history (and ">" lines before it are
    the sender's own quote, not history). Linear in the text.
    """
    lines = text.splitlines()
    start = _history_start(lines, forward=forward, history_follows=history_follows)
    if start is None:
        return text
    trimmed = "\n".join(lines[:start]).rstrip()
    return trimmed if trimmed.strip() else text


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _history_start(lines: list[str], *, forward: bool, history_follows: bool) -> int | None:
    end = _forward_start(lines, forward=forward)
    starts = [
        start
        for start in (_attribution_start(lines, end), _outlook_start(lines, end))
        if start is not None
    ]
    if history_follows:
        if end == len(lines):
            starts.append(len(lines))
    elif (tail := _quoted_tail(lines)) is not None and tail < end:
        starts.append(tail)
    if not starts:
        return None
    return _above_signoff(lines, min(starts))


def _forward_start(lines: list[str], *, forward: bool) -> int:
    """The first line of a forwarded message (or ``len(lines)``): history must start before."""
    start = len(lines)
    for index, line in enumerate(lines):
        if line.lstrip("> \t-")[:1] not in _FORWARD_INITIALS:
            continue  # cheap: most lines cannot start a forward marker
        # Quoted too: Apple Mail quotes a forwarded message, "Begin forwarded message:" first.
        if len(line) <= MAX_ATTRIBUTION_CHARS and _FORWARD_MARKER.match(line.lstrip("> \t")):
            start = index
            break
    if forward:  # Outlook writes a forward's header block like a reply's
        header = _outlook_start(lines, start)
        if header is not None:
            start = header
    return start


def _quoted_tail(lines: list[str]) -> int | None:
    """Where a trailing run of ">" lines (and blank lines) starts, if there is one."""
    tail = len(lines)
    while tail > 0 and (not lines[tail - 1].strip() or _is_quoted(lines[tail - 1])):
        tail -= 1
    while tail < len(lines) and not lines[tail].strip():
        tail += 1
    return tail if tail < len(lines) else None


def _above_signoff(lines: list[str], start: int) -> int:
    """``start``, or the "Sent from my iPhone" line just above it (blank lines between)."""
    previous = start - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    if (
        previous >= 0
        and len(lines[previous]) <= _MAX_SIGNOFF_CHARS
        and _SIGNOFF.match(lines[previous])
    ):
        return previous
    return start


@dataclass(frozen=True, slots=True)
class _QuotedRuns:
    """For each line index i (and len(lines)), computed in one backward pass:

    - ``mostly_quoted[i]``: ``lines[i:]`` is quoted history rather than inline replies: ">"
      lines, then at most a short unquoted tail (a list footer), quoted lines being at least
      80 % of the non-blank ones;
    - ``next_quoted[i]``: the first ">" line at or after i (``len(lines)`` if none).
    """

    mostly_quoted: list[bool]
    next_quoted: list[int]

    @classmethod
    def of(cls, lines: list[str]) -> _QuotedRuns:
        mostly = [False] * (len(lines) + 1)
        following = [len(lines)] * (len(lines) + 1)
        content = quoted = 0
        seen_quoted = interleaved = False
        mostly[len(lines)] = True
        for index in range(len(lines) - 1, -1, -1):
            line = lines[index]
            following[index] = following[index + 1]
            if line.strip():
                content += 1
                if _is_quoted(line):
                    quoted += 1
                    seen_quoted = True
                    following[index] = index
                elif seen_quoted:
                    interleaved = True  # an unquoted line before a quoted one: inline replies
            mostly[index] = content == 0 or (not interleaved and quoted >= 0.8 * content)
        return cls(mostly, following)


def _wrapped_attribution(lines: list[str], end: int) -> tuple[int, str] | None:
    """(first line, text) of an attribution ending on line ``end - 1`` (maybe wrapped)."""
    length = 0
    for start in range(end - 1, max(end - 4, -1), -1):
        length += len(lines[start]) + 1
        if length > MAX_ATTRIBUTION_CHARS + 3:  # checked before joining: lines may be huge
            return None
        candidate = " ".join(line.strip() for line in lines[start:end])
        if len(candidate) > MAX_ATTRIBUTION_CHARS:
            return None
        if _ATTRIBUTION.match(candidate):
            return start, candidate
    return None


def _attribution_start(lines: list[str], end: int) -> int | None:
    """The first attribution (before line ``end``) that really introduces quoted history.

    It does when what follows is mostly ">" lines (not inline replies), or, for an
    attribution naming an address (every client's does; a sentence rarely), when no ">"
    line follows at all (Yahoo's text part quotes unprefixed) or only after the unprefixed
    text of the message it quotes.
    """
    runs: _QuotedRuns | None = None
    for index, line in enumerate(lines[:end]):
        if len(line) > MAX_ATTRIBUTION_CHARS or not line.rstrip().endswith((":", "：")):
            continue
        found = _wrapped_attribution(lines, index + 1)
        if found is None:
            continue
        start, attribution = found
        if runs is None:
            runs = _QuotedRuns.of(lines)
        after = index + 1
        if runs.mostly_quoted[after]:
            return start
        first_quoted = runs.next_quoted[after]
        if "@" in attribution and (first_quoted == len(lines) or runs.mostly_quoted[first_quoted]):
            return start
    return None


def _header_block_at(lines: list[str], index: int) -> bool:
    """A From line with a Sent/Date line and a Subject line right below it (every client
    writes all three; "From:", "Date:" and "To:" alone may be an itinerary)."""
    if len(lines[index]) > MAX_ATTRIBUTION_CHARS or not _FROM_LABEL.match(lines[index]):
        return False
    sent = subject = False
    for line in lines[index + 1 : index + 13]:
        if not line.strip() or len(line) > MAX_ATTRIBUTION_CHARS:
            continue
        sent = sent or bool(_SENT_LABEL.match(line))
        subject = subject or bool(_SUBJECT_LABEL.match(line))
    return sent and subject


def _outlook_start(lines: list[str], end: int) -> int | None:
    """The first "-----Original Message-----" line or quoted header block before ``end``
    (from the rule above it, if any)."""
    for index in range(min(end, len(lines))):
        line = lines[index]
        if "--" in line and len(line) <= MAX_ATTRIBUTION_CHARS and _ORIGINAL_MESSAGE.match(line):
            return index
        if ":" not in line and "：" not in line:
            continue  # not a header line
        if _header_block_at(lines, index):
            previous = index - 1
            while previous >= 0 and not lines[previous].strip():
                previous -= 1
            above = lines[previous] if previous >= 0 else ""
            if len(above) <= MAX_ATTRIBUTION_CHARS and (
                _RULE.match(above) or _ORIGINAL_MESSAGE.match(above)
            ):
                return previous
            return index
    return None


# ---------------------------------------------------------------------------------------
# HTML

# Contexts of a node, for HtmlHistory.enter/text: inside a quote, or an attribution.
QUOTED = 1
ATTRIBUTION = 2
# What a marker element is.
_QUOTE, _HEADER_BLOCK = "quote", "header block"
# Classes of quote elements (any prefix), and the mark each gets in _class_marks.
_CLASS_MARKS = (("gmail_quote", "q"), ("moz-cite-prefix", "m"), ("yahoo_quoted", "y"),
                ("gmail_attr", "a"))  # fmt: skip
_QUOTE_CLASSES = tuple(suffix for suffix, _ in _CLASS_MARKS)
# Ids of the elements Outlook puts at (or just above) a quoted header block.
_HEADER_IDS = (
    "divrplyfwdmsg",
    "appendonsend",
    "olk_src_body_section",
    "mail-editor-reference-message-container",
)
# Text items after a header-block marker searched for its labels.
_HEADER_ITEMS = 60
# Characters of each text item kept (labels and forward markers are short).
_SNIPPET_CHARS = 120


def _class_marks(tag: Tag) -> str:
    """Which of the quote classes ``tag`` has: a string holding "q" (gmail_quote), "m"
    (moz-cite-prefix), "y" (yahoo_quoted), "a" (gmail_attr)."""
    value = tag.attrs.get("class")
    if not value:
        return ""
    names = value if isinstance(value, list) else str(value).split()
    marks = ""
    for name in names:
        # Webmail prefixes the classes and ids of quoted mail: OWA "x_", Yahoo "yiv1234…".
        name = str(name).lower()
        if name.endswith(_QUOTE_CLASSES):
            marks += next(mark for suffix, mark in _CLASS_MARKS if name.endswith(suffix))
    return marks


def _top_border(declarations: Mapping[str, str]) -> bool:
    """A box with a line along its top only: Outlook's separator above a header block."""
    if "solid" in declarations.get("border-top", "").split():
        return True
    if declarations.get("border-top-style", "") == "solid":
        return True
    styles = declarations.get("border-style", "").split()
    return len(styles) > 1 and styles[0] == "solid" and "solid" not in styles[1:]


@dataclass(frozen=True, slots=True)
class _Marker:
    tag: Tag
    kind: str
    first_text: int  # index of the first text item at or after the element's start


@dataclass(frozen=True, slots=True)
class _TextItem:
    context: int
    size: int
    snippet: str


class HtmlHistory:
    """Finds where the quoted history starts in one HTML body, from html's cleaning pass.

    The pass calls :meth:`enter` for every element and :meth:`text` for every text a reader
    can see, in document order (hidden elements are never entered); :meth:`start` then names
    the element from which everything is history, or None. State for one body only.
    """

    def __init__(self, *, forward: bool = False) -> None:
        self._forward = forward
        self._markers: list[_Marker] = []
        self._texts: list[_TextItem] = []
        self._forward_text = -1  # index of the first text that starts a forwarded message

    def enter(self, tag: Tag, declarations: Mapping[str, str], context: int) -> int:
        """Note ``tag`` if it marks history; the context for its content."""
        name = tag.name
        marks = _class_marks(tag)
        kind = ""
        if name == "blockquote":
            context |= QUOTED
            if "q" in marks or str(tag.attrs.get("type") or "").lower() == "cite":
                kind = _QUOTE
        elif "q" in marks or "m" in marks:
            kind = _QUOTE
            if "m" in marks:
                context |= ATTRIBUTION
        elif "y" in marks:
            kind = _QUOTE
            context |= QUOTED
        elif (
            name == "hr"
            or str(tag.attrs.get("id") or "").lower().endswith(_HEADER_IDS)
            or (declarations and _top_border(declarations))
        ):
            kind = _HEADER_BLOCK
        if "a" in marks:
            context |= ATTRIBUTION
        if kind:
            self._markers.append(_Marker(tag, kind, len(self._texts)))
        return context

    def text(self, text: str, context: int) -> None:
        """Note a text a reader sees, inside ``context``."""
        stripped = text.strip()
        if not stripped:
            return
        snippet = stripped[:_SNIPPET_CHARS]
        if self._forward_text < 0 and _FORWARD_MARKER.match(snippet):
            self._forward_text = len(self._texts)
        self._texts.append(_TextItem(context, len(stripped), snippet))

    def start(self) -> Tag | None:
        """The element where the history starts (it and all that follows), or None."""
        forward_at = self._forward_text if self._forward_text >= 0 else len(self._texts)
        for marker in self._markers:
            if marker.first_text >= forward_at:
                return None  # a forwarded message starts here, or before: content
            if marker.kind == _HEADER_BLOCK:
                if not self._header_block_at(marker.first_text):
                    continue  # a rule or a bordered box, not a quoted header
                if self._forward:
                    return None  # the first header block of a forward introduces it
                return marker.tag
            return marker.tag if self._only_quotes_from(marker.first_text) else None
        return None

    def _header_block_at(self, index: int) -> bool:
        snippets = [item.snippet for item in self._texts[index : index + _HEADER_ITEMS]]
        if not snippets or not _FROM_LABEL.match(snippets[0]):
            return False
        return any(_SENT_LABEL.match(s) for s in snippets[1:40]) and any(
            _SUBJECT_LABEL.match(s) for s in snippets[1:]
        )

    def _only_quotes_from(self, index: int) -> bool:
        """Whether the text from ``index`` on is quotes: an attribution, quoted text, then at
        most a short footer (a list's), never an answer between two quotes."""
        leading = quoted = tail = 0
        for item in self._texts[index:]:
            if item.context & QUOTED:
                if tail:
                    return False  # an answer between two quotes: inline replies
                quoted += item.size
            elif not quoted:
                if not item.context & ATTRIBUTION:
                    leading += item.size
            else:
                tail += item.size
        return quoted > 0 and leading <= MAX_ATTRIBUTION_CHARS and tail * 4 <= quoted
