"""Build outgoing messages (new, reply, forward) as RFC 5322 bytes. Pure: no HTTP.

The email package does the encoding work: RFC 2047 encoded-words for non-ASCII headers,
RFC 2231 for non-ASCII attachment names, and a transfer encoding chosen per text part.
Its policy also refuses CR/LF in header values; we turn that refusal into an
InvalidInputError that names the offending field.
"""

from __future__ import annotations

import base64
import email.policy
import html
import mimetypes
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, make_msgid

import markdown

from . import signatures
from .addresses import (
    address_key,
    ascii_addr_spec,
    parse_address_list,
    parse_received_addresses,
)
from .errors import InvalidInputError
from .html import html_to_markdown
from .message import Message
from .signatures import Signature


class MessageIdListHeader(UnstructuredHeader, BaseHeader):
    """In-Reply-To and References: folded only between msg-ids, never RFC 2047-encoded.

    The email package treats both as unstructured text and encodes any word longer than a
    line (Exchange Online and SES Message-IDs run ~80 characters), which no mail client
    can thread. Values reach it already reduced to ASCII msg-ids by ``message_ids``.
    """

    max_count = 1

    def fold(self, *, policy: email.policy.Policy) -> str:
        limit = policy.max_line_length or 998
        lines = [f"{self.name}:"]
        for index, msg_id in enumerate(str(self).split()):
            # The first id stays on the name's line however long: a field body that starts
            # on a continuation line is legal but trips some parsers.
            if index and len(lines[-1]) + 1 + len(msg_id) > limit:
                lines.append("")
            lines[-1] += " " + msg_id
        return policy.linesep.join(lines) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("in-reply-to", MessageIdListHeader)
_HEADERS.map_to_type("references", MessageIdListHeader)

# CRLF on the wire (RFC 5322). cte_type="7bit" makes set_content pick quoted-printable
# or base64 for non-ASCII text instead of raw 8bit, so every part survives any hop.
POLICY = email.policy.SMTP.clone(cte_type="7bit", header_factory=_HEADERS)

GMAIL_ATTACHMENT_LIMIT = 25 * 1024 * 1024
_MB = 1024 * 1024
BODY_FORMATS = ("text", "markdown", "html")
_MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]

Pair = tuple[str, str]


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    mime_type: str
    data: bytes
    # Set for an inline image the HTML body shows as ``cid:<content_id>`` (no angle brackets).
    content_id: str = ""


class OutgoingMessage(EmailMessage):
    """An EmailMessage whose attachment bytes are spliced in only by ``to_bytes``.

    The email package base64-encodes an attachment into ~1.4x its size of small line
    strings and copies it again when flattening (~6.5x a 24 MB file at peak). Here each
    attachment holds a short placeholder; ``to_bytes`` encodes the real bytes once,
    straight into the final buffer.
    """

    def __init__(self, policy: email.policy.Policy = email.policy.SMTP) -> None:
        super().__init__(policy=policy)
        # base64 text of a placeholder -> the attachment bytes it stands for
        self.deferred: dict[bytes, bytes] = {}


# ---------------------------------------------------------------------------- ids, sizes


def make_message_id(domain: str = "mail.gmail.com") -> str:
    """A unique ``<...@domain>`` Message-ID.

    The fixed domain keeps make_msgid from looking up the host name (slow, and it would
    leak the server's name); the uuid4 adds entropy that make_msgid's own part lacks.
    """
    return make_msgid(idstring=uuid.uuid4().hex, domain=domain)


def check_size(
    attachments: Sequence[OutgoingAttachment], limit: int = GMAIL_ATTACHMENT_LIMIT
) -> None:
    """Refuse attachments whose total is over ``limit`` bytes, naming the largest files."""
    check_sizes([(att.filename, len(att.data)) for att in attachments], limit)


def check_sizes(sizes: Sequence[tuple[str, int]], limit: int = GMAIL_ATTACHMENT_LIMIT) -> None:
    """Same check on (filename, size) pairs, e.g. before the files are downloaded."""
    total = sum(size for _, size in sizes)
    if total <= limit:
        return
    largest = sorted(sizes, key=lambda item: item[1], reverse=True)[:3]
    listed = ", ".join(f"{name or 'unnamed'} ({_mb(size)} MB)" for name, size in largest)
    raise InvalidInputError(
        f"Attachments total {_mb(total)} MB, over Gmail's {_mb(limit)} MB limit. "
        f"Largest: {listed}. Remove some files, or share large files as a link "
        "(for example Google Drive) instead of attaching them."
    )


def _mb(size: int) -> str:
    return f"{size / _MB:.1f}".removesuffix(".0")


# ---------------------------------------------------------------------------- bodies


def render_bodies(body: str, body_format: str) -> tuple[str, str | None]:
    """Return ``(plain, html)`` for a body written in ``body_format``; html None for text."""
    fmt = body_format.strip().lower()
    if fmt == "text":
        return body, None
    if fmt == "markdown":
        # Plain alternative is the Markdown source: it is already readable as text.
        return body, markdown.markdown(body, extensions=_MARKDOWN_EXTENSIONS)
    if fmt == "html":
        # A readable Markdown-like rendering is the best plain alternative of an HTML body.
        return html_to_markdown(body), body
    raise InvalidInputError(
        f"Unknown body_format {body_format!r}. Use one of: {', '.join(BODY_FORMATS)}."
    )


def _signed(
    plain: str, html_body: str | None, signature: Signature | None
) -> tuple[str, str | None]:
    if signature is None:
        return plain, html_body
    return signatures.append(plain, html_body, signature)


# ---------------------------------------------------------------------------- new message


def build_message(
    *,
    to: str | None,
    cc: str | None = None,
    bcc: str | None = None,
    subject: str = "",
    body: str = "",
    body_format: str = "markdown",
    attachments: Sequence[OutgoingAttachment] = (),
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    message_id: str | None = None,
    sender: str | None = None,
    require_recipient: bool = True,
    date: datetime | None = None,
    signature: Signature | None = None,
) -> EmailMessage:
    """A complete message from caller input; raises InvalidInputError naming bad fields.

    ``require_recipient=False`` is for drafts, which may be saved without recipients.
    ``signature`` goes below the body (see ``signatures``).
    """
    plain, html_body = _signed(*render_bodies(body, body_format), signature)
    return _assemble(
        sender=_parse_sender(sender),
        to=parse_address_list(to, field="to"),
        cc=parse_address_list(cc, field="cc"),
        bcc=parse_address_list(bcc, field="bcc"),
        reply_to=parse_address_list(reply_to, field="reply_to"),
        subject=subject,
        plain=plain,
        html_body=html_body,
        attachments=attachments,
        in_reply_to=in_reply_to,
        references=references,
        message_id=message_id,
        require_recipient=require_recipient,
        date=date,
    )


def _parse_sender(sender: str | None) -> list[Pair]:
    pairs = parse_address_list(sender, field="sender", max_count=1)
    if sender and sender.strip() and not pairs:
        raise InvalidInputError("sender is empty after parsing. Give one email address.")
    return pairs


def _assemble(
    *,
    sender: list[Pair],
    to: list[Pair],
    cc: list[Pair],
    bcc: list[Pair],
    reply_to: list[Pair],
    subject: str,
    plain: str,
    html_body: str | None,
    attachments: Sequence[OutgoingAttachment],
    in_reply_to: str | None,
    references: str | None,
    message_id: str | None,
    require_recipient: bool,
    date: datetime | None,
) -> EmailMessage:
    if require_recipient and not (to or cc or bcc):
        raise InvalidInputError("No recipient given. Put at least one address in to, cc or bcc.")
    check_size(attachments)

    msg = OutgoingMessage(policy=POLICY)
    _set_addresses(msg, "From", sender, field="sender")
    _set_addresses(msg, "To", to, field="to")
    _set_addresses(msg, "Cc", cc, field="cc")
    # Kept on purpose: Gmail reads Bcc to deliver, then strips it from what is sent.
    _set_addresses(msg, "Bcc", bcc, field="bcc")
    _set_addresses(msg, "Reply-To", reply_to, field="reply_to")
    # Outer whitespace is dropped: header folding would not keep it reliably anyway.
    _set_header(msg, "Subject", subject.strip(), field="subject")
    _set_header(msg, "Date", format_datetime(date or datetime.now(UTC)), field="date")
    _set_header(msg, "Message-ID", _check_message_id(message_id), field="message_id")
    parent = message_ids(in_reply_to or "")[:1]
    if parent:
        _set_header(msg, "In-Reply-To", parent[0], field="in_reply_to")
    chain = _trim_references(message_ids(references or ""))
    if chain:
        _set_header(msg, "References", " ".join(chain), field="references")
    _set_body(msg, plain, html_body, attachments)
    if "MIME-Version" not in msg:
        msg["MIME-Version"] = "1.0"
    return msg


def _check_message_id(message_id: str | None) -> str:
    if message_id is None or not message_id.strip():
        return make_message_id()
    value = message_id.strip()
    if not re.fullmatch(r"<[^<>\s@]+@[^<>\s@]+>", value):
        raise InvalidInputError(
            f"message_id {value[:80]!r} is not a Message-ID. "
            "Use the form <unique-part@domain>, or leave it empty to generate one."
        )
    return value


# A msg-id as it may appear in a header: printable ASCII without "<", ">" or spaces, and
# short enough for one 998-character line after "References: ".
_MSG_ID = re.compile(r"<[!-;=?-~]{1,980}>")
_BARE_MSG_ID = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")
MAX_REFERENCES = 50


def message_ids(value: str) -> list[str]:
    """The msg-ids in a received In-Reply-To/References/Message-ID value, in order, once each.

    Whatever else the header holds (comments, encoded words, line breaks, junk) is dropped:
    it comes from other people's mail and must not fail or inject into our reply. A lone
    ``id@host`` without angle brackets (seen from some mailers) is bracketed.
    """
    found = _MSG_ID.findall(value)
    if not found and _BARE_MSG_ID.fullmatch(value.strip()) and len(value.strip()) <= 980:
        found = [f"<{value.strip()}>"]
    return list(dict.fromkeys(found))


def _trim_references(chain: list[str]) -> list[str]:
    """At most MAX_REFERENCES ids: the thread's first and the most recent (RFC 5322 3.6.4
    lets a reply shorten the list; the root and the parent are what threading needs)."""
    if len(chain) <= MAX_REFERENCES:
        return chain
    return [chain[0], *chain[-(MAX_REFERENCES - 1) :]]


def _set_addresses(msg: EmailMessage, name: str, pairs: list[Pair], *, field: str) -> None:
    if not pairs:
        return
    # Headers need the ASCII form of IDN domains: the email package would otherwise put
    # an encoded-word inside the domain, which no mail server understands.
    addresses = [Address(display_name=n, addr_spec=ascii_addr_spec(a)) for n, a in pairs]
    _set_header(msg, name, addresses, field=field)


def _set_header(msg: EmailMessage, name: str, value: object, *, field: str) -> None:
    try:
        msg[name] = value
    except ValueError as exc:  # the policy's refusal of CR/LF (header injection)
        raise InvalidInputError(
            f"{field} contains a line break, which is not allowed in an email header. "
            "Remove it and try again."
        ) from exc


# ---------------------------------------------------------------------------- MIME structure


def _set_body(
    msg: OutgoingMessage,
    plain: str,
    html_body: str | None,
    attachments: Sequence[OutgoingAttachment],
) -> None:
    """text/plain, or multipart/alternative (its HTML in multipart/related with the inline
    images it shows), wrapped in multipart/mixed if attachments."""
    msg.set_content(plain, subtype="plain", charset="utf-8")
    html_part: MIMEPart | None = None
    if html_body is not None:
        msg.add_alternative(html_body, subtype="html", charset="utf-8")
        html_part = msg.get_body(preferencelist=("html",))
    for index, att in enumerate(attachments, start=1):
        cid = _inline_cid(att, html_body)
        if att.content_id and not cid:
            continue  # an inline image the HTML does not show would only confuse the reader
        maintype, subtype = _attachment_type(att)
        filename = _attachment_filename(att, index, f"{maintype}/{subtype}")
        placeholder = f"GFD{uuid.uuid4().hex}{index:04d}".encode()  # 39 bytes: one b64 line
        try:
            if cid and html_part is not None:
                html_part.add_related(
                    placeholder,
                    maintype=maintype,
                    subtype=subtype,
                    cid=cid,
                    filename=filename,
                    disposition="inline",
                )
            else:
                msg.add_attachment(
                    placeholder, maintype=maintype, subtype=subtype, filename=filename
                )
        except ValueError as exc:
            raise InvalidInputError(
                f"Attachment {index} filename is not allowed in an email header. Rename it."
            ) from exc
        msg.deferred[base64.b64encode(placeholder)] = att.data
    # add_alternative/add_attachment give every sub-part its own MIME-Version header;
    # it belongs on the top-level message only.
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]


def _inline_cid(att: OutgoingAttachment, html_body: str | None) -> str:
    """``<content-id>`` when ``att`` is an inline image that ``html_body`` shows, else ""."""
    if not att.content_id or html_body is None or not _CONTENT_ID.fullmatch(att.content_id):
        return ""
    return f"<{att.content_id}>" if f"cid:{att.content_id}" in html_body else ""


_CONTENT_ID = re.compile(r"[!-;=?-~]{1,900}")  # msg-id characters: no "<", ">" or spaces
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


def _attachment_type(att: OutgoingAttachment) -> tuple[str, str]:
    mime = att.mime_type.split(";", 1)[0].strip().lower()
    if not _MIME_TYPE.fullmatch(mime):
        mime = mimetypes.guess_type(att.filename, strict=False)[0] or "application/octet-stream"
    maintype, subtype = mime.split("/", 1)
    if maintype in ("message", "multipart"):
        # RFC 2046 forbids base64 on these types and Python's parser then reads the part
        # as a nested message, so the bytes would not arrive intact. Send them opaque.
        return "application", "octet-stream"
    return maintype, subtype


def _attachment_filename(att: OutgoingAttachment, index: int, mime: str) -> str:
    # Checked on the whole name before any trimming, so nothing hides a line break.
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in att.filename):
        raise InvalidInputError(
            f"Attachment {index} filename {att.filename[:80]!r} contains a line break or "
            "control character. Rename the file and try again."
        )
    if "=?" in att.filename:
        # The email package (and Gmail) read "=?...?=" in a name as RFC 2047 encoded text,
        # even when writing it: "=??Q?=00" went out as a NUL byte. No encoding keeps it.
        raise InvalidInputError(
            f"Attachment {index} filename {att.filename[:80]!r} contains '=?', which mail "
            "programs read as encoded text. Rename the file and try again."
        )
    # A path given by mistake ("C:\\docs\\a.pdf", "/tmp/a.pdf") keeps only its last part.
    name = re.split(r"[/\\]", att.filename)[-1].strip()
    if name.strip("."):
        return name
    extension = mimetypes.guess_extension(mime, strict=False) or ".bin"
    return f"attachment-{index}{extension}"


def to_bytes(msg: EmailMessage) -> bytearray:
    """Serialise with CRLF line endings for upload as ``message/rfc822``.

    Attachments of an ``OutgoingMessage`` are base64-encoded here, chunk by chunk, directly
    into one preallocated buffer: peak memory is the attachment bytes plus the finished
    message (~2.4x a large file), instead of the email package's ~6.5x.
    """
    skeleton = msg.as_bytes(policy=POLICY)
    deferred = msg.deferred if isinstance(msg, OutgoingMessage) else {}
    spots = sorted((skeleton.index(token), token) for token in deferred)
    size = len(skeleton) + sum(_b64_size(len(deferred[t])) - len(t) for _, t in spots)
    out = bytearray(size)
    written = read = 0
    for at, token in spots:
        out[written : written + at - read] = skeleton[read:at]
        written += at - read
        written = _b64_into(out, written, deferred[token])
        read = at + len(token)
    out[written:] = skeleton[read:]
    return out


_B64_LINE = 57  # input bytes per 76-character base64 line (RFC 2045)
_B64_CHUNK = _B64_LINE * 4096


def _b64_size(n: int) -> int:
    """Length of ``n`` bytes as CRLF-separated 76-character base64 lines, no final CRLF."""
    if n == 0:
        return 0
    lines = -(-n // _B64_LINE)
    return 4 * -(-n // 3) + 2 * (lines - 1)


def _b64_into(out: bytearray, pos: int, data: bytes) -> int:
    view = memoryview(data)
    for start in range(0, len(data), _B64_CHUNK):
        block = base64.encodebytes(view[start : start + _B64_CHUNK]).replace(b"\n", b"\r\n")
        if start + _B64_CHUNK >= len(data):
            block = block[:-2]  # the skeleton already ends the placeholder's line
        out[pos : pos + len(block)] = block
        pos += len(block)
    return pos


# ---------------------------------------------------------------------------- subjects

# No two adjacent \s* (one would backtrack into the other: quadratic on a hostile subject).
_REPLY_PREFIX = re.compile(
    r"^(?:re|aw|sv|antw|réf|ref|回复|答复|返信)\s*(?:(?:\[\d+\]|\(\d+\))\s*)?[:：]",
    re.IGNORECASE,
)
_FORWARD_PREFIX = re.compile(r"^(?:fwd|fw|wg|tr|rv|转发)\s*[:：]", re.IGNORECASE)


def reply_subject(subject: str) -> str:
    """Exactly one reply prefix: keep an existing one (any language), else add ``Re:``."""
    subject = _unfold(subject)
    if _REPLY_PREFIX.match(subject):
        return subject
    return f"Re: {subject}".rstrip()


def forward_subject(subject: str) -> str:
    """Exactly one forward prefix: keep an existing one, else add ``Fwd:``."""
    subject = _unfold(subject)
    if _FORWARD_PREFIX.match(subject):
        return subject
    return f"Fwd: {subject}".rstrip()


# C0/C1 controls and the Unicode line/paragraph separators: str.splitlines (and so the email
# package's header check) breaks on several of them (\f, \v, \x1c-\x1e, \x85, U+2028/9).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _unfold(value: str) -> str:
    """A header value of received mail as one clean line: folding line breaks, other line
    separators and control characters become single spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def _received_addresses(value: str) -> list[Pair]:
    # A control character in someone's display name must not cost the address itself.
    return parse_received_addresses(_CONTROL.sub(" ", value))


# ---------------------------------------------------------------------------- reply


def build_reply(
    *,
    original: Message,
    own_addresses: Sequence[str],
    body: str,
    body_format: str = "markdown",
    reply_all: bool = False,
    quote_original: bool = True,
    original_body: str = "",
    attachments: Sequence[OutgoingAttachment] = (),
    message_id: str | None = None,
    sender: str | None = None,
    reply_to: str | None = None,
    signature: Signature | None = None,
) -> EmailMessage:
    """A reply in the original's thread, addressed the way Gmail would address it, with
    ``signature`` between the reply and the quoted original."""
    to, cc = _reply_recipients(original, own_addresses, reply_all=reply_all)
    plain, html_body = _signed(*render_bodies(body, body_format), signature)
    quoted = _original_text(original, original_body) if quote_original else ""
    if quoted:
        attribution = _attribution(original)
        plain = _join_blocks(plain, f"{attribution}\n{_quote_lines(quoted)}")
        if html_body is not None:
            html_body = signatures.append_html(html_body, _html_quote(attribution, quoted))
    return _assemble(
        sender=_parse_sender(sender),
        to=to,
        cc=cc,
        bcc=[],
        reply_to=parse_address_list(reply_to, field="reply_to"),
        subject=reply_subject(original.subject),
        plain=plain,
        html_body=html_body,
        attachments=attachments,
        in_reply_to=original.message_id_header,
        references=_reply_references(original),
        message_id=message_id,
        require_recipient=True,
        date=None,
    )


def _reply_recipients(
    original: Message, own_addresses: Sequence[str], *, reply_all: bool
) -> tuple[list[Pair], list[Pair]]:
    own = {key for addr in own_addresses if (key := address_key(addr))}
    senders = _received_addresses(original.from_)
    sent_by_me = any(address_key(addr) in own for _, addr in senders)
    if sent_by_me:
        # Gmail's behaviour: replying to your own message goes to its recipients.
        to = _received_addresses(original.to)
        cc = _received_addresses(original.cc) if reply_all else []
    else:
        to = _received_addresses(original.reply_to) or senders
        cc = []
        if reply_all:
            cc = _received_addresses(original.to) + _received_addresses(original.cc)
    to = _without(to, own, taken=set())
    cc = _without(cc, own, taken={address_key(addr) for _, addr in to})
    if not to:
        to, cc = cc, []
    if not to:
        raise InvalidInputError(
            "No recipients are left for this reply: the only addresses on the original "
            "message are your own. Write a new message with a recipient instead."
        )
    return to, cc


def _without(pairs: list[Pair], own: set[str], *, taken: set[str]) -> list[Pair]:
    """Drop own and already-used addresses, and duplicates (first kept)."""
    seen = set(taken)
    kept: list[Pair] = []
    for name, addr in pairs:
        key = address_key(addr)
        if key in own or key in seen:
            continue
        seen.add(key)
        kept.append((name, addr))
    return kept


def _reply_references(original: Message) -> str | None:
    # RFC 5322 3.6.4: parent's References (or its In-Reply-To if it has none) + its id.
    chain = message_ids(original.references) or message_ids(original.in_reply_to)[:1]
    chain += message_ids(original.message_id_header)[:1]
    return " ".join(dict.fromkeys(chain)) or None


def _original_text(original: Message, original_body: str) -> str:
    return original_body or original.text_body or html_to_markdown(original.html_body)


def _attribution(original: Message) -> str:
    sender = " ".join(original.from_.split()) or "the sender"
    when = _human_date(original)
    return f"On {when}, {sender} wrote:" if when else f"{sender} wrote:"


def _quote_lines(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.rstrip("\r\n").splitlines())


def _html_quote(attribution: str, quoted: str) -> str:
    return (
        '<br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">{html.escape(attribution)}<br></div>'
        '<blockquote class="gmail_quote" '
        'style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">'
        f"{_text_to_html(quoted)}</blockquote></div>"
    )


def _text_to_html(text: str) -> str:
    return "<br>\n".join(html.escape(line) for line in text.rstrip("\r\n").splitlines())


def _join_blocks(*blocks: str) -> str:
    return "\n\n".join(block.rstrip("\r\n") for block in blocks if block) + "\n"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _human_date(original: Message) -> str:
    """``Mon, 3 Feb 2025 at 10:04`` in the sender's own UTC offset; "" when unknown.

    English names are spelled out so the result does not depend on the server's locale.
    """
    moment: datetime | None = None
    if original.date:
        try:
            moment = datetime.fromisoformat(original.date)
        except ValueError:
            moment = None
    if moment is None and original.internal_date:
        moment = datetime.fromtimestamp(original.internal_date / 1000, tz=UTC)
    if moment is None:
        return ""
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} "
        f"{moment.year} at {moment:%H:%M}"
    )


# ---------------------------------------------------------------------------- forward


def build_forward(
    *,
    original: Message,
    original_body: str,
    to: str | None,
    cc: str | None = None,
    bcc: str | None = None,
    note: str = "",
    body_format: str = "markdown",
    attachments: Sequence[OutgoingAttachment] = (),
    message_id: str | None = None,
    sender: str | None = None,
    reply_to: str | None = None,
    signature: Signature | None = None,
) -> EmailMessage:
    """Forward ``original`` inline, with a note and ``signature`` on top and the given files
    re-attached."""
    note_plain, note_html = _signed(*render_bodies(note, body_format), signature)
    header_block = _forward_header(original)
    text = _original_text(original, original_body)
    plain = _join_blocks(note_plain, f"{header_block}\n\n{text}")
    html_body = None
    if note_html is not None:
        html_body = signatures.append_html(
            note_html,
            f'<br><div class="gmail_quote">{_text_to_html(header_block)}<br><br>'
            f"{_text_to_html(text)}</div>",
        )
    return _assemble(
        sender=_parse_sender(sender),
        to=parse_address_list(to, field="to"),
        cc=parse_address_list(cc, field="cc"),
        bcc=parse_address_list(bcc, field="bcc"),
        reply_to=parse_address_list(reply_to, field="reply_to"),
        subject=forward_subject(original.subject),
        plain=plain,
        html_body=html_body,
        attachments=attachments,
        in_reply_to=None,
        references=None,
        message_id=message_id,
        require_recipient=True,
        date=None,
    )


def _forward_header(original: Message) -> str:
    lines = [
        "---------- Forwarded message ---------",
        f"From: {_one_line(original.from_)}",
        f"Date: {_human_date(original)}",
        f"Subject: {_unfold(original.subject)}",
        f"To: {_one_line(original.to)}",
    ]
    if original.cc.strip():
        lines.append(f"Cc: {_one_line(original.cc)}")
    return "\n".join(lines)


def _one_line(value: str) -> str:
    return " ".join(value.split())


__all__ = [
    "BODY_FORMATS",
    "GMAIL_ATTACHMENT_LIMIT",
    "POLICY",
    "OutgoingAttachment",
    "OutgoingMessage",
    "build_forward",
    "build_message",
    "build_reply",
    "check_size",
    "check_sizes",
    "forward_subject",
    "make_message_id",
    "message_ids",
    "render_bodies",
    "reply_subject",
    "to_bytes",
]
