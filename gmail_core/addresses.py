"""Parse, validate and format lists of email addresses typed by a user or an agent.

Why a hand-written tokenizer: ``email.utils.getaddresses`` splits only on commas and
mis-handles semicolons, newlines and some unquoted non-ASCII display names, and
``email.headerregistry`` is built for RFC 5322 headers (one separator, group syntax),
not for what people paste. The splitter below is small and only needs to understand
quotes, angle brackets and comments, which is where separators may hide.

Each addr-spec is then checked by ``email_validator`` (syntax only, no DNS).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from .errors import InvalidInputError

# Top-level separators between entries. Newlines are separators so that a pasted
# one-per-line list works; a newline can never reach a header because every entry is
# re-validated and re-formatted (an injected "Bcc: x@y" line fails validation).
_SEPARATORS = frozenset(",;\r\n")
_LINE_BREAKS = frozenset("\r\n")
_MAX_ECHO = 80  # longest piece of user input repeated back in an error message
# Display names of received mail longer than this are left out when their addresses are
# reused (reply-all): the email package writes a quoted name that does not fit on one line
# without its quotes, so a hostile "Name (((…" would turn the address into a comment.
MAX_RECEIVED_NAME_CHARS = 64


@dataclass(frozen=True, slots=True)
class _Mailbox:
    name: str
    addr: str  # normalised addr-spec, IDN domain kept in Unicode
    key: str  # lower-cased ASCII (punycode) form: equal for every spelling of one mailbox


def parse_address_list(
    text: str | None, *, field: str = "to", max_count: int = 500
) -> list[tuple[str, str]]:
    """Return ``(display_name, addr_spec)`` pairs, deduplicated by address (first kept).

    Raises InvalidInputError naming ``field`` for any entry that is not a valid mailbox,
    for line breaks inside an entry, and for more than ``max_count`` addresses.
    """
    boxes = _parse(text, field=field, max_count=max_count, lenient=False)
    return [(box.name, box.addr) for box in boxes]


def parse_received_addresses(text: str | None) -> list[tuple[str, str]]:
    """Like ``parse_address_list`` but for headers of mail we received.

    Other people's headers are not the caller's input, so entries that do not validate
    are skipped instead of failing, and RFC 5322 group labels
    (``undisclosed-recipients:;``) are dropped.
    """
    boxes = _parse(text, field="header", max_count=None, lenient=True)
    return [
        (box.name if len(box.name) <= MAX_RECEIVED_NAME_CHARS else "", box.addr) for box in boxes
    ]


def addresses_only(text: str | None) -> list[str]:
    """Lower-cased addr-specs for comparisons (e.g. removing the user's own address).

    Domains are in ASCII (punycode) form so that ``user@bücher.example`` and
    ``user@xn--bcher-kva.example`` compare equal. Parsed leniently (see
    ``parse_received_addresses``); a plain address such as a Gmail profile email works.
    """
    return [box.key for box in _parse(text, field="header", max_count=None, lenient=True)]


def address_key(addr_spec: str) -> str:
    """The comparison form of one addr-spec (see ``addresses_only``); "" if invalid."""
    keys = addresses_only(addr_spec)
    return keys[0] if keys else ""


def ascii_addr_spec(addr_spec: str) -> str:
    """The addr-spec with an IDN domain in punycode, as it must appear in a header."""
    return _validate(addr_spec, field="address").ascii_email or addr_spec


def format_address_list(pairs: Iterable[tuple[str, str]]) -> str:
    """Human-readable ``Name <addr>, "Doe, Jane" <addr>`` text that parses back unchanged.

    Not header-encoded: headers are produced by the email package from these pairs.
    """
    return ", ".join(_format_one(name, addr) for name, addr in pairs)


def _format_one(name: str, addr: str) -> str:
    if not name:
        return addr
    return f"{_quote_if_needed(name)} <{addr}>"


# Characters that would change how the name is split or parsed if left unquoted.
_NEEDS_QUOTES = frozenset('()<>[]:;@\\,."')


def _quote_if_needed(name: str) -> str:
    if any(ch in _NEEDS_QUOTES for ch in name) or name != name.strip():
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return name


def _parse(text: str | None, *, field: str, max_count: int | None, lenient: bool) -> list[_Mailbox]:
    if not text:
        return []
    result: list[_Mailbox] = []
    seen: set[str] = set()
    for token in _split(text, field=field, drop_group_labels=lenient, lenient=lenient):
        try:
            box = _parse_mailbox(token, field=field)
        except InvalidInputError:
            if lenient:
                continue
            raise
        if box.key in seen:
            continue
        seen.add(box.key)
        result.append(box)
        # Checked while going so a huge paste fails fast instead of validating everything.
        if max_count is not None and len(result) > max_count:
            raise InvalidInputError(
                f"Too many addresses in {field}: more than {max_count}. "
                f"Send to at most {max_count} recipients per field, or split the message."
            )
    return result


def split_received(text: str) -> list[str]:
    """Entries of an address header we received, split at top-level commas and semicolons.

    Never raises and is linear in the header (a hostile From may nest thousands of comments
    or never close a quote): whatever is still open at the end closes there. Group labels
    are kept; the entries are the header's own text, stripped.
    """
    return _split(text, field="header", drop_group_labels=False, lenient=True)


def _split(text: str, *, field: str, drop_group_labels: bool, lenient: bool = False) -> list[str]:
    """Split at top-level separators; quotes, <...> and (comments) protect them.

    Strict mode (what a user typed) refuses line breaks inside an entry and unclosed
    quotes, brackets or comments; lenient mode (received headers) reads them as they are.
    """
    tokens: list[str] = []
    buf: list[str] = []
    in_quote = escaped = False
    in_angle = False
    comment_depth = 0
    for ch in text:
        if ch in _LINE_BREAKS and (in_quote or in_angle or comment_depth or escaped):
            if lenient:
                buf.append(" ")
                continue
            raise InvalidInputError(
                f"A line break inside an address in {field} is not allowed. "
                "Put each address on one line and try again."
            )
        if escaped:
            escaped = False
        elif in_quote:
            if ch == "\\":
                escaped = True
            elif ch == '"':
                in_quote = False
        elif comment_depth:
            if ch == "\\":
                escaped = True
            elif ch == "(":
                comment_depth += 1
            elif ch == ")":
                comment_depth -= 1
        elif in_angle:
            in_angle = ch != ">"
        elif ch == '"':
            in_quote = True
        elif ch == "(":
            comment_depth = 1
        elif ch == "<":
            in_angle = True
        elif ch in _SEPARATORS:
            tokens.append("".join(buf))
            buf = []
            continue
        elif ch == ":" and drop_group_labels:
            buf = []  # "Group name:" prefix of RFC 5322 group syntax
            continue
        buf.append(ch)
    if (in_quote or in_angle or comment_depth or escaped) and not lenient:
        raise InvalidInputError(
            f"Unclosed quote, '<' or '(' in {field}: {_echo(text)}. Close it and try again."
        )
    tokens.append("".join(buf))
    return [token.strip() for token in tokens if token.strip()]


def _parse_mailbox(token: str, *, field: str) -> _Mailbox:
    """``Name <addr>``, ``"Quoted, Name" <addr>``, ``<addr>``, ``addr`` or ``addr (Name)``."""
    name_parts: list[str] = []
    comments: list[str] = []
    angle_addrs: list[str] = []
    i = 0
    while i < len(token):
        ch = token[i]
        if ch == '"':
            text, i = _read_delimited(token, i, '"')
            name_parts.append(text)
        elif ch == "(":
            text, i = _read_delimited(token, i, ")")
            comments.append(text)
        elif ch == "<":
            end = token.find(">", i)  # closed unless the header was read leniently
            end = len(token) if end < 0 else end
            angle_addrs.append(token[i + 1 : end].strip())
            i = end + 1
        else:
            name_parts.append(ch)
            i += 1
    if len(angle_addrs) > 1:
        raise InvalidInputError(
            f"{_echo(token)} in {field} has more than one <address>. "
            "Separate addresses with commas and try again."
        )
    if angle_addrs:
        addr, name = angle_addrs[0], "".join(name_parts)
    else:
        # A bare address; a trailing "(Name)" comment is the old way to give a name.
        addr, name = _strip_comments(token).strip(), " ".join(comments)
    name = _clean_display_name(name, field=field)
    if not addr:
        raise InvalidInputError(
            f"{_echo(token)} in {field} has no email address. Add one and try again."
        )
    result = _validate(addr, field=field)
    return _Mailbox(name=name, addr=result.normalized, key=(result.ascii_email or "").lower())


def _read_delimited(token: str, start: int, closing: str) -> tuple[str, int]:
    """Read a quoted string or a comment starting at ``start``; unescape backslashes."""
    out: list[str] = []
    depth = 1
    i = start + 1
    while i < len(token):
        ch = token[i]
        if ch == "\\" and i + 1 < len(token):
            out.append(token[i + 1])
            i += 2
            continue
        if closing == ")" and ch == "(":
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return "".join(out), i + 1
        out.append(ch)
        i += 1
    return "".join(out), i


def _strip_comments(token: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(token):
        if token[i] == "(":
            _, i = _read_delimited(token, i, ")")
        else:
            out.append(token[i])
            i += 1
    return "".join(out)


def _clean_display_name(name: str, *, field: str) -> str:
    # Whitespace runs (any Unicode space) become one ASCII space: header parsers collapse
    # them anyway, and the email package's encoder glues an encoded-word to the next word
    # when a name has e.g. a no-break space next to a space.
    name = " ".join(name.split())
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise InvalidInputError(
            f"The display name {_echo(name)} in {field} contains a control character. "
            "Remove it and try again."
        )
    return name


@dataclass(frozen=True, slots=True)
class _Validated:
    normalized: str
    ascii_email: str | None


def _validate(addr: str, *, field: str) -> _Validated:
    try:
        # No SMTPUTF8: Python's email package cannot write a non-ASCII local part into a
        # header (it raises at serialisation), so refuse such addresses up front.
        result = validate_email(addr, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise InvalidInputError(
            f"{_echo(addr)} in {field} is not a valid email address: {reason}. "
            "Fix the address and try again."
        ) from None
    return _Validated(normalized=result.normalized, ascii_email=result.ascii_email)


def _echo(value: str) -> str:
    """Quote user input for an error message, cut short so messages stay short."""
    if len(value) > _MAX_ECHO:
        value = value[: _MAX_ECHO - 1] + "…"
    return repr(value)
