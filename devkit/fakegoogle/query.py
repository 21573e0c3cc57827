"""A subset of Gmail's search language (the ``q`` parameter).

Supported: free words and "quoted phrases" (subject/from/to/cc/body/attachment names,
case-insensitive), ``-term`` negation, ``OR`` and ``{a b}`` alternatives, and the operators
``from: to: cc: bcc: subject: filename: is:(unread|read|starred|important)
in:(inbox|sent|trash|spam|drafts|starred|important|anywhere) label: category: has:attachment
rfc822msgid: after: before: older: newer: newer_than: older_than: larger: smaller:``.
Dates (``YYYY/MM/DD``) are midnight in Google's PST zone (America/Los_Angeles), epoch seconds
are taken as is. Unknown operators are matched as plain words.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

try:
    from zoneinfo import ZoneInfo

    PST: dt.tzinfo = ZoneInfo("America/Los_Angeles")
except Exception:  # no tzdata: Google documents PST
    PST = dt.timezone(dt.timedelta(hours=-8))

_TOKEN_RE = re.compile(
    r'-?[A-Za-z_]+:"[^"]*"'  # op:"quoted value"
    r"|-?[A-Za-z_]+:\([^)]*\)"  # op:(grouped words)
    r'|-?"[^"]*"'  # "phrase"
    r"|-?\{[^}]*\}"  # {a b} = a OR b
    r"|\S+"
)
_OPERATORS = {
    "from", "to", "cc", "bcc", "subject", "filename", "is", "in", "label", "category",
    "has", "rfc822msgid", "after", "before", "older", "newer", "newer_than", "older_than",
    "larger", "smaller",
}  # fmt: skip
_SPAN_UNITS = {"d": 86_400, "m": 30 * 86_400, "y": 365 * 86_400}
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}


@dataclass(frozen=True)
class Term:
    op: str  # "" for a free word / phrase
    value: str
    negate: bool = False


# A query is an AND of OR-groups.
Query = list[list[Term]]


@dataclass
class SearchDoc:
    """Lower-cased searchable fields of one message."""

    subject: str
    from_: str
    to: str
    cc: str
    bcc: str
    body: str
    filenames: list[str]
    message_ids: set[str]
    size: int

    @cached_property
    def all_text(self) -> str:
        parts = [self.subject, self.from_, self.to, self.cc, self.body, *self.filenames]
        return "\n".join(parts)


@dataclass
class Candidate:
    doc: SearchDoc
    label_ids: set[str]
    internal_date_ms: int


def _strip_quotes(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if len(value) >= 2 and value[0] == "(" and value[-1] == ")":
        return value[1:-1]
    return value


def _term(token: str) -> list[Term]:
    negate = token.startswith("-") and len(token) > 1
    if negate:
        token = token[1:]
    if token.startswith("{") and token.endswith("}"):
        return [_term_one(t, negate) for t in _TOKEN_RE.findall(token[1:-1])]
    return [_term_one(token, negate)]


def _term_one(token: str, negate: bool) -> Term:
    token = token.strip("()") if not token.startswith('"') else token
    op, sep, value = token.partition(":")
    if sep and op.lower() in _OPERATORS and value:
        return Term(op.lower(), _strip_quotes(value).lower(), negate)
    return Term("", _strip_quotes(token).lower(), negate)


def parse_query(q: str) -> Query:
    groups: Query = []
    join_next = False
    for token in _TOKEN_RE.findall(q or ""):
        if token == "OR":
            join_next = bool(groups)
            continue
        if token in ("AND", "(", ")"):
            continue
        terms = [t for t in _term(token) if t.value]
        if not terms:
            continue
        if join_next:
            groups[-1].extend(terms)
        else:
            groups.append(terms)
        join_next = False
    return groups


def reaches_spam_trash(query: Query) -> bool:
    """True when the query names trash/spam explicitly (they are excluded otherwise)."""
    for group in query:
        for t in group:
            if (
                not t.negate
                and t.op in ("in", "label")
                and t.value in ("trash", "spam", "anywhere")
            ):
                return True
    return False


def _date_ms(value: str) -> int | None:
    if value.isdigit():
        return int(value) * 1000
    m = re.fullmatch(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", value)
    if not m:
        return None
    day = dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=PST)
    return int(day.timestamp() * 1000)


def _span_ms(value: str) -> int | None:
    m = re.fullmatch(r"(\d+)([dmy])", value)
    return int(m[1]) * _SPAN_UNITS[m[2]] * 1000 if m else None


def _size(value: str) -> int | None:
    m = re.fullmatch(r"(\d+)([km]?)b?", value)
    return int(m[1]) * _SIZE_UNITS[m[2]] if m else None


def _label_key(name: str) -> str:
    return re.sub(r"[\s/]+", "-", name.strip().lower())


class Matcher:
    """Evaluates a parsed query against candidates of one mailbox."""

    def __init__(self, query: Query, *, my_email: str, label_name: Callable[[str], str]) -> None:
        self.query = query
        self.my_email = my_email.lower()
        self.label_name = label_name
        self.now_ms = int(time.time() * 1000)

    def matches(self, c: Candidate) -> bool:
        return all(any(self._term(t, c) != t.negate for t in group) for group in self.query)

    def _addr(self, value: str) -> str:
        return self.my_email if value == "me" else value

    def _term(self, t: Term, c: Candidate) -> bool:
        doc, v = c.doc, t.value
        if t.op == "":
            return " ".join(v.split()) in doc.all_text
        if t.op in ("from", "to", "cc", "bcc"):
            field = {"from": doc.from_, "to": doc.to + "\n" + doc.cc, "cc": doc.cc, "bcc": doc.bcc}
            return self._addr(v) in field[t.op]
        if t.op == "subject":
            return all(w in doc.subject for w in v.split())
        if t.op == "filename":
            return any(v in name for name in doc.filenames)
        if t.op == "is":
            flags = {"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}
            if v == "read":
                return "UNREAD" not in c.label_ids
            return flags.get(v, "\0") in c.label_ids
        if t.op == "in":
            return (
                v == "anywhere"
                or v.upper() in c.label_ids
                or (v == "drafts" and "DRAFT" in c.label_ids)
            )
        if t.op == "label":
            return any(
                _label_key(lid) == _label_key(v)
                or _label_key(self.label_name(lid)) == _label_key(v)
                for lid in c.label_ids
            )
        if t.op == "category":
            return f"CATEGORY_{v.upper()}" in c.label_ids
        if t.op == "has":
            return v == "attachment" and bool(doc.filenames)
        if t.op == "rfc822msgid":
            return v.strip("<>") in doc.message_ids
        if t.op in ("after", "newer", "before", "older"):
            ms = _date_ms(v)
            if ms is None:
                return False
            return (
                c.internal_date_ms >= ms if t.op in ("after", "newer") else c.internal_date_ms < ms
            )
        if t.op in ("newer_than", "older_than"):
            span = _span_ms(v)
            if span is None:
                return False
            cutoff = self.now_ms - span
            return (
                c.internal_date_ms >= cutoff
                if t.op == "newer_than"
                else c.internal_date_ms < cutoff
            )
        if t.op in ("larger", "smaller"):
            size = _size(v)
            if size is None:
                return False
            return doc.size > size if t.op == "larger" else doc.size < size
        return f"{t.op}:{v}" in doc.all_text
