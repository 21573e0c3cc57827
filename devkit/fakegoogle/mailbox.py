"""One user's mailbox: messages, threads, labels, drafts, and Gmail-shaped rendering."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import errors
from .mime import (
    ParsedMessage,
    Part,
    b64url,
    decode_words,
    html_to_text,
    metadata_payload,
    parse_message,
    payload_json,
)
from .query import Candidate, Matcher, SearchDoc, parse_query, reaches_spam_trash

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
FULL_SCOPE = "https://mail.google.com/"

SYSTEM_LABELS = (
    "INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "CHAT",
    "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)  # fmt: skip
_HIDDEN_SYSTEM = {"CHAT", "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS",
                  "CATEGORY_UPDATES", "CATEGORY_FORUMS"}  # fmt: skip
_HEX_ID = re.compile(r"[0-9a-fA-F]{1,24}")
ATTACHMENT_PREFIX = "ANGjdJ"
ATTACHMENT_ID_MIN, ATTACHMENT_ID_MAX = 380, 720
MAX_UPLOAD_BYTES = 36_700_160


def valid_hex_id(value: str) -> bool:
    return bool(_HEX_ID.fullmatch(value))


class IdSource:
    """Deterministic, globally unique Gmail-looking IDs (shared by all mailboxes)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._next = 0x18C0_0000_0000_0000 + self._rng.randrange(1 << 40)
        self._drafts = 0

    def message_id(self) -> str:
        with self._lock:
            self._next += self._rng.randrange(1 << 16, 1 << 24)
            return f"{self._next:016x}"

    def draft_id(self) -> str:
        with self._lock:
            sign = "-" if self._rng.random() < 0.5 else ""
            return f"r{sign}{self._rng.randrange(10**18, 9 * 10**18)}"

    def rng(self) -> random.Random:
        with self._lock:
            return random.Random(self._rng.getrandbits(64))


@dataclass
class Label:
    id: str
    name: str
    type: str = "user"
    message_list_visibility: str | None = None
    label_list_visibility: str | None = None
    color: dict[str, str] | None = None

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.message_list_visibility:
            out["messageListVisibility"] = self.message_list_visibility
        if self.label_list_visibility:
            out["labelListVisibility"] = self.label_list_visibility
        out["type"] = self.type
        if self.color:
            out["color"] = dict(self.color)
        return out


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    raw: bytes
    label_ids: list[str]
    internal_date_ms: int
    history_id: int
    labels_before_trash: list[str] = field(default_factory=list)
    # time.monotonic() from which q= search finds it (see Mailbox.search_index_lag_s)
    searchable_at: float = 0.0

    @cached_property
    def parsed(self) -> ParsedMessage:
        return parse_message(self.raw)

    @cached_property
    def doc(self) -> SearchDoc:
        p = self.parsed

        def addr(*names: str) -> str:
            return "\n".join(f"{n} {a}".strip() for n, a in p.addresses(*names)).lower()

        plain, markup = p.text_bodies()
        return SearchDoc(
            subject=p.decoded("Subject").lower(),
            from_=addr("From"),
            to=addr("To"),
            cc=addr("Cc"),
            bcc=addr("Bcc"),
            body=(plain + "\n" + html_to_text(markup)).lower(),
            filenames=[n.lower() for n in p.attachment_names()],
            message_ids={m.strip("<>").lower() for m in p.message_ids("Message-ID")},
            size=len(self.raw),
        )

    @cached_property
    def snippet(self) -> str:
        return self.parsed.snippet()


@dataclass
class Draft:
    id: str
    message_id: str


@dataclass
class SendAs:
    """One ``settings.sendAs`` entry. ``verification`` is verificationStatus ("accepted" or
    "pending"; None for the primary address, which Gmail gives none)."""

    email: str
    display_name: str = ""
    signature: str = ""
    reply_to: str = ""
    verification: str | None = "accepted"
    is_primary: bool = False
    is_default: bool = False

    @property
    def verified(self) -> bool:
        return self.is_primary or self.verification == "accepted"

    def json(self) -> dict[str, Any]:
        """As Gmail answers: false booleans and empty strings left out."""
        out: dict[str, Any] = {"sendAsEmail": self.email}
        for key, value in (
            ("displayName", self.display_name),
            ("replyToAddress", self.reply_to),
            ("signature", self.signature),
            ("isPrimary", self.is_primary),
            ("isDefault", self.is_default),
            ("verificationStatus", self.verification),
        ):
            if value:
                out[key] = value
        if not self.is_primary:
            out["treatAsAlias"] = True
        return out


def _normalize_subject(subject: str) -> str:
    s = subject.strip().lower()
    while True:
        new = re.sub(r"^(re|fwd?|aw|sv|wg)\s*(\[\d+\])?\s*:\s*", "", s)
        if new == s:
            return " ".join(s.split())
        s = new


def edit_headers(raw: bytes, *, remove: Iterable[str] = (), add: Iterable[tuple[str, str]] = ()):
    """Remove/add header fields in the raw header block, leaving the body byte-exact."""
    sep = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[: sep.start()], raw[sep.start() :]) if sep else (raw, b"\r\n\r\n")
    nl = b"\r\n" if b"\r\n" in (head + body[:4]) else b"\n"
    lines = re.split(rb"\r?\n", head) if head else []
    drop = {r.lower().encode() for r in remove}
    kept: list[bytes] = []
    skipping = False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        skipping = name in drop
        if not skipping:
            kept.append(line)
    kept.extend(f"{k}: {v}".encode() for k, v in add)
    return nl.join(kept) + body


class Mailbox:
    """Messages, labels, drafts of one Gmail user. Mutations hold :attr:`lock`."""

    def __init__(
        self,
        email_address: str,
        scopes: Iterable[str],
        ids: IdSource,
        *,
        reencode_text_to_utf8: bool = False,
        shuffle_lists: bool = True,
        stable_attachment_ids: bool = False,
        strict_threading: bool = True,
        search_index_lag_s: float = 0.0,
        decode_header_words: bool = False,
        cache_answers: bool = False,
        detach_body_parts_above: int | None = None,
    ) -> None:
        self.email = email_address
        # settings.sendAs: the primary address first (add_alias adds others).
        self.send_as: list[SendAs] = [SendAs(email_address, is_primary=True, is_default=True,
                                             verification=None)]  # fmt: skip
        self.scopes: set[str] = set(scopes)
        self.reencode_text_to_utf8 = reencode_text_to_utf8
        self.shuffle_lists = shuffle_lists
        self.stable_attachment_ids = stable_attachment_ids
        self.strict_threading = strict_threading
        # Seconds before a new message is found by q= search (messages/threads/drafts.list):
        # Gmail's search index trails writes. Listing by labelIds and messages.get see it at
        # once here; that split is an assumption (see FakeGoogle docs), not documented.
        self.search_index_lag_s = search_index_lag_s
        # Header values with RFC 2047 words already decoded (Gmail may or may not decode).
        self.decode_header_words = decode_header_words
        # Keep the answers to GETs of messages, threads, drafts and labels, and to
        # messages.list, until the mailbox changes, so a benchmark's figures are the
        # client's, not the fake's (see ``answer``).
        self.cache_answers = cache_answers
        self._answers: dict[tuple[Any, ...], Any] = {}
        self._answers_version = -1
        self.version = 0  # bumped by every change made through the API or these methods
        # Body parts (text, HTML) of more bytes than this come in format=full as an
        # attachmentId without data, to be fetched with attachments.get, as Gmail does with
        # large ones (its threshold is not documented). None: always inline.
        self.detach_body_parts_above = detach_body_parts_above
        self.lock = threading.RLock()
        self.messages: dict[str, StoredMessage] = {}
        self.sent: list[bytes] = []
        # The From of each sent message as Gmail sent it (after any rewriting).
        self.sent_from: list[str] = []
        self.drafts: dict[str, Draft] = {}
        self.labels: dict[str, Label] = {}
        self._ids = ids
        self.rng = ids.rng()
        self.history_id = 100_000 + self.rng.randrange(900_000)
        self._label_seq = 0
        self._clock_ms = int(time.time() * 1000) - 3_600_000
        for name in SYSTEM_LABELS:
            vis = ("hide", "labelHide") if name in _HIDDEN_SYSTEM else (None, None)
            self.labels[name] = Label(name, name, "system", *vis)

    # --- scopes -----------------------------------------------------------------------
    def has_scope(self, *short_names: str) -> bool:
        """True if the mailbox grants any of the scopes ('' = https://mail.google.com/)."""
        for short in short_names:
            full = FULL_SCOPE if short == "" else SCOPE_PREFIX + short
            if full in self.scopes:
                return True
        return False

    # --- building the mailbox ---------------------------------------------------------
    def _bump(self) -> int:
        self.version += 1
        self.history_id += self.rng.randrange(1, 50)
        return self.history_id

    def answer(self, method: str, key: tuple[Any, ...] | None, build: Callable[[], Any]) -> Any:
        """``build()``, the answer to one API request (under :attr:`lock`).

        With ``cache_answers``, a successful GET answer named by ``key`` is built once and
        served again until the mailbox changes: any request other than a GET counts as a
        change, as does every change made through this class's methods. Cached answers are
        complete answers (field mask and prettyPrint applied, attachment IDs included, which
        then stay the same between fetches); direct edits of stored objects are not seen.
        """
        if method != "GET":
            self.version += 1
        if not self.cache_answers or key is None:
            return build()
        if self._answers_version != self.version:
            self._answers.clear()
            self._answers_version = self.version
        found = self._answers.get(key)
        if found is None:
            found = build()
            if getattr(found, "status", 0) == 200:
                self._answers[key] = found
        return found

    def _now_ms(self) -> int:
        self._clock_ms = max(self._clock_ms + 1, int(time.time() * 1000))
        return self._clock_ms

    def add_label(
        self,
        name: str,
        type: str = "user",
        *,
        message_list_visibility: str | None = "show",
        label_list_visibility: str | None = "labelShow",
        color: dict[str, str] | None = None,
    ) -> str:
        with self.lock:
            if self.label_by_name(name) is not None:
                raise errors.GoogleError(409, "Label name exists or conflicts", "duplicate")
            if type == "system":
                label_id = name
            else:
                self._label_seq += 1
                label_id = f"Label_{self._label_seq}"
            self.labels[label_id] = Label(
                label_id, name, type, message_list_visibility, label_list_visibility, color
            )
            self._bump()
            return label_id

    def label_by_name(self, name: str) -> Label | None:
        for label in self.labels.values():
            if label.name.lower() == name.lower():
                return label
        return None

    def label_name(self, label_id: str) -> str:
        label = self.labels.get(label_id)
        return label.name if label else label_id

    def thread_for_references(self, parsed: ParsedMessage) -> str | None:
        refs = parsed.message_ids("In-Reply-To") + parsed.message_ids("References")
        wanted = {r.strip("<>").lower() for r in refs}
        if not wanted:
            return None
        for m in sorted(self.messages.values(), key=lambda m: -m.internal_date_ms):
            if m.doc.message_ids & wanted:
                return m.thread_id
        return None

    def add_message(
        self,
        raw: bytes,
        label_ids: Iterable[str] = ("INBOX", "UNREAD"),
        internal_date_ms: int | None = None,
        thread_id: str | None = None,
    ) -> str:
        """Store an RFC 822 message (as if delivered); returns its id."""
        with self.lock:
            parsed = parse_message(raw)
            if thread_id is None:
                thread_id = self.thread_for_references(parsed)
            if internal_date_ms is None:
                internal_date_ms = parsed.date_ms() or self._now_ms()
            return self._insert(raw, parsed, label_ids, internal_date_ms, thread_id).id

    def _insert(
        self,
        raw: bytes,
        parsed: ParsedMessage,
        label_ids: Iterable[str],
        internal_date_ms: int,
        thread_id: str | None,
    ) -> StoredMessage:
        """Store a message; ``thread_id=None`` starts a new thread."""
        resolved: list[str] = []
        for lid in label_ids:
            if lid not in self.labels:
                known = self.label_by_name(lid)
                if known is not None:
                    lid = known.id
                else:
                    kind = "system" if lid in SYSTEM_LABELS else "user"
                    self.labels[lid] = Label(lid, lid, kind)
            if lid not in resolved:
                resolved.append(lid)
        msg_id = self._ids.message_id()
        stored = StoredMessage(msg_id, thread_id or msg_id, raw, resolved, internal_date_ms, 0)
        stored.__dict__["parsed"] = parsed
        stored.history_id = self._bump()
        if self.search_index_lag_s > 0:
            stored.searchable_at = time.monotonic() + self.search_index_lag_s
        self.messages[msg_id] = stored
        return stored

    # --- lookups ----------------------------------------------------------------------
    def get(self, msg_id: str) -> StoredMessage:
        if not valid_hex_id(msg_id):
            raise errors.invalid("Invalid id value")
        msg = self.messages.get(msg_id.lower())
        if msg is None:
            raise errors.not_found()
        return msg

    def thread(self, thread_id: str) -> list[StoredMessage]:
        if not valid_hex_id(thread_id):
            raise errors.invalid("Invalid id value")
        msgs = [m for m in self.messages.values() if m.thread_id == thread_id.lower()]
        if not msgs:
            raise errors.not_found()
        return sorted(msgs, key=lambda m: (m.internal_date_ms, m.id))

    def search(
        self,
        q: str | None,
        label_ids: Iterable[str] = (),
        include_spam_trash: bool = False,
        only: Iterable[StoredMessage] | None = None,
    ) -> list[StoredMessage]:
        """Matching messages, newest first (before any page shuffling)."""
        query = parse_query(q or "")
        wanted = set(label_ids)
        if not include_spam_trash and not reaches_spam_trash(query):
            excluded = {"SPAM", "TRASH"} - wanted
        else:
            excluded = set()
        matcher = Matcher(query, my_email=self.email, label_name=self.label_name)
        now = time.monotonic()
        out = []
        for m in self.messages.values() if only is None else only:
            labels = set(m.label_ids)
            if not wanted <= labels or labels & excluded:
                continue
            if query and m.searchable_at > now:
                continue  # not in the search index yet
            if query and not matcher.matches(Candidate(m.doc, labels, m.internal_date_ms)):
                continue
            out.append(m)
        out.sort(key=lambda m: (m.internal_date_ms, m.id), reverse=True)
        return out

    def page_order(self, items: list[Any]) -> list[Any]:
        """Google gives no ordering guarantee: shuffle a page (seeded) unless disabled."""
        items = list(items)
        if self.shuffle_lists:
            self.rng.shuffle(items)
        return items

    # --- rendering ----------------------------------------------------------------------
    def _attachment_id(self, msg: StoredMessage, part: Part, nonce: int) -> str:
        """A base64url token of several hundred characters, as Gmail issues (reported 300-600+;
        the length varies by message and part). Self-verifying: nonce, part ID, then a MAC."""
        part_hex = part.part_id.encode().hex()
        seed = hashlib.sha512(f"{msg.id}/{part.part_id}/{nonce}".encode()).digest()
        length = ATTACHMENT_ID_MIN + seed[0] * (ATTACHMENT_ID_MAX - ATTACHMENT_ID_MIN) // 255
        head = f"{ATTACHMENT_PREFIX}{nonce:012x}{len(part_hex):02x}{part_hex}"
        mac = b""
        while len(mac) * 4 // 3 < length:
            seed = hashlib.sha512(seed + msg.id.encode()).digest()
            mac += seed
        return (head + base64.urlsafe_b64encode(mac).decode().rstrip("="))[:length]

    def resolve_attachment(self, msg: StoredMessage, attachment_id: str) -> Part:
        body = attachment_id[len(ATTACHMENT_PREFIX) :]
        if not attachment_id.startswith(ATTACHMENT_PREFIX) or len(body) < 14:
            raise errors.invalid("Invalid attachment token")
        try:
            nonce = int(body[:12], 16)
            size = int(body[12:14], 16)
            part_id = bytes.fromhex(body[14 : 14 + size]).decode()
        except ValueError as exc:
            raise errors.invalid("Invalid attachment token") from exc
        part = msg.parsed.find_part(part_id)
        if part is None or self._attachment_id(msg, part, nonce) != attachment_id:
            raise errors.invalid("Invalid attachment token")
        return part

    def render(
        self, msg: StoredMessage, fmt: str = "full", metadata_headers: list[str] | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"id": msg.id, "threadId": msg.thread_id}
        if msg.label_ids:
            out["labelIds"] = list(msg.label_ids)
        out["snippet"] = msg.snippet
        if fmt == "full":
            nonce = 0 if self.stable_attachment_ids else self.rng.getrandbits(48)
            out["payload"] = payload_json(
                msg.parsed.root,
                reencode_text_to_utf8=self.reencode_text_to_utf8,
                attachment_id=lambda part: self._attachment_id(msg, part, nonce),
                decode_headers=self.decode_header_words,
                detach_above=self.detach_body_parts_above,
            )
        elif fmt == "metadata":
            out["payload"] = metadata_payload(
                msg.parsed, metadata_headers, decode_headers=self.decode_header_words
            )
        out["sizeEstimate"] = len(msg.raw)
        out["historyId"] = str(msg.history_id)
        out["internalDate"] = str(msg.internal_date_ms)
        if fmt == "raw":
            out["raw"] = b64url(msg.raw)
        return out

    def label_json(self, label: Label) -> dict[str, Any]:
        out = label.summary()
        with_label = [m for m in self.messages.values() if label.id in m.label_ids]
        unread = [m for m in with_label if "UNREAD" in m.label_ids]
        out["messagesTotal"] = len(with_label)
        out["messagesUnread"] = len(unread)
        out["threadsTotal"] = len({m.thread_id for m in with_label})
        out["threadsUnread"] = len({m.thread_id for m in unread})
        return out

    def add_alias(
        self,
        email_address: str,
        *,
        display_name: str = "",
        signature: str = "",
        reply_to: str = "",
        verification: str = "accepted",
        default: bool = False,
    ) -> SendAs:
        """A custom "Send mail as" address; ``default=True`` makes it the default From."""
        alias = SendAs(email_address, display_name, signature, reply_to, verification)
        self.send_as.append(alias)
        if default:
            self.set_default(email_address)
        return alias

    def set_default(self, email_address: str) -> None:
        for alias in self.send_as:
            alias.is_default = alias.email.lower() == email_address.lower()

    @property
    def primary(self) -> SendAs:
        return self.send_as[0]

    def send_as_list(self) -> dict[str, Any]:
        return {"sendAs": [alias.json() for alias in self.send_as]}

    def send_as_get(self, email_address: str) -> dict[str, Any]:
        for alias in self.send_as:
            if alias.email.lower() == email_address.lower():
                return alias.json()
        raise errors.not_found()

    def from_for(self, from_header: str | None) -> str:
        """The From Gmail sends a message with. A From that is not a verified send-as
        address of the account is replaced by the default address, without an error
        (widely reported; whether Gmail picks the default or the primary address, and
        whether it keeps the given display name, is unverified: here the default's, with
        its name); none at all gets the default too."""
        pairs = email.utils.getaddresses([from_header]) if from_header else []
        wanted = pairs[0][1].lower() if pairs and pairs[0][1] else ""
        for alias in self.send_as:
            if alias.verified and alias.email.lower() == wanted:
                return str(from_header)
        default = next((a for a in self.send_as if a.is_default), self.primary)
        name = default.display_name or self.primary.display_name
        return email.utils.formataddr((name, default.email)) if name else default.email

    def profile(self) -> dict[str, Any]:
        visible = [m for m in self.messages.values() if "DRAFT" not in m.label_ids]
        return {
            "emailAddress": self.email,
            "messagesTotal": len(visible),
            "threadsTotal": len({m.thread_id for m in visible}),
            "historyId": str(self.history_id),
        }

    # --- mutations ----------------------------------------------------------------------
    def check_labels(self, label_ids: Iterable[str]) -> None:
        for lid in label_ids:
            if lid not in self.labels:
                raise errors.invalid(f"Invalid label: {lid}")
            if lid in ("DRAFT", "SENT") or lid.startswith("CHAT"):
                raise errors.invalid(f"Invalid label: {lid}")

    def modify(self, msg: StoredMessage, add: Iterable[str], remove: Iterable[str]) -> None:
        add, remove = list(add), list(remove)
        self.check_labels([*add, *remove])
        labels = [lid for lid in msg.label_ids if lid not in remove]
        labels += [lid for lid in add if lid not in labels]
        msg.label_ids = labels
        msg.history_id = self._bump()

    def trash(self, msg: StoredMessage) -> None:
        if "TRASH" not in msg.label_ids:
            msg.labels_before_trash = list(msg.label_ids)
            msg.label_ids = [lid for lid in msg.label_ids if lid not in ("INBOX", "SPAM")]
            msg.label_ids.append("TRASH")
            msg.history_id = self._bump()

    def untrash(self, msg: StoredMessage) -> None:
        if "TRASH" in msg.label_ids:
            restored = [lid for lid in msg.labels_before_trash if lid in self.labels]
            msg.label_ids = restored or [lid for lid in msg.label_ids if lid != "TRASH"]
            msg.history_id = self._bump()

    def delete(self, msg: StoredMessage) -> None:
        self.messages.pop(msg.id, None)
        for draft_id, draft in list(self.drafts.items()):
            if draft.message_id == msg.id:
                del self.drafts[draft_id]
        self._bump()

    # --- sending and drafts -----------------------------------------------------------
    def _validate_recipients(self, parsed: ParsedMessage) -> None:
        found = 0
        for name in ("To", "Cc", "Bcc"):
            for value in parsed.all_headers(name):
                pairs = email.utils.getaddresses([value])
                for display, addr in pairs:
                    if not addr and not display:
                        continue
                    if not re.fullmatch(r"[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+", addr or ""):
                        raise errors.invalid(f"Invalid {name} header")
                    found += 1
        if not found:
            raise errors.invalid("Recipient address required")

    def _thread_for(self, parsed: ParsedMessage, thread_id: str | None) -> str | None:
        """Thread for an outgoing message/draft: Gmail's rules for a requested threadId."""
        if thread_id:
            if not valid_hex_id(thread_id):
                raise errors.invalid("Invalid thread_id value")
            members = [m for m in self.messages.values() if m.thread_id == thread_id.lower()]
            if not members:
                raise errors.not_found()
            if not self.strict_threading:
                return thread_id.lower()
            refs = parsed.message_ids("In-Reply-To") + parsed.message_ids("References")
            wanted = {r.strip("<>").lower() for r in refs}
            subject = _normalize_subject(parsed.decoded("Subject"))
            linked = any(m.doc.message_ids & wanted for m in members)
            same_subject = any(_normalize_subject(m.parsed.decoded("Subject")) == subject
                               for m in members)  # fmt: skip
            return thread_id.lower() if linked and same_subject else None
        return self.thread_for_references(parsed)

    def _outgoing_copy(self, raw: bytes, parsed: ParsedMessage) -> bytes:
        given = parsed.header("From")
        sent_from = self.from_for(given)
        self.sent_from.append(" ".join(decode_words(sent_from).split()))
        remove = ["Bcc"]
        add: list[tuple[str, str]] = []
        if given != sent_from:
            remove.append("From")
            add.append(("From", sent_from))
        if parsed.header("Date") is None:
            add.append(("Date", email.utils.formatdate(localtime=False)))
        if parsed.header("Message-ID") is None:
            token = f"{self.rng.getrandbits(96):024X}"
            add.append(("Message-ID", f"<CA{token}@mail.gmail.com>"))
        return edit_headers(raw, remove=remove, add=add)

    def check_send(
        self, raw: bytes, thread_id: str | None = None
    ) -> tuple[ParsedMessage, str | None]:
        """What messages.send refuses at once (size, recipients, thread): (parsed, thread)."""
        if len(raw) > MAX_UPLOAD_BYTES:
            raise errors.GoogleError(
                413, "Request payload size exceeds the limit.", "uploadTooLarge"
            )
        parsed = parse_message(raw)
        self._validate_recipients(parsed)
        return parsed, self._thread_for(parsed, thread_id)

    def send(self, raw: bytes, thread_id: str | None = None) -> StoredMessage:
        """messages.send: validate, record in :attr:`sent`, store a Bcc-less copy as SENT."""
        with self.lock:
            parsed, tid = self.check_send(raw, thread_id)
            self.sent.append(raw)
            stored_raw = self._outgoing_copy(raw, parsed)
            return self._insert(
                stored_raw, parse_message(stored_raw), ("SENT",), self._now_ms(), tid
            )

    def _store_draft_message(self, raw: bytes, thread_id: str | None) -> StoredMessage:
        if not raw:
            raise errors.invalid("Missing draft message")
        parsed = parse_message(raw)
        tid = self._thread_for(parsed, thread_id)
        return self._insert(raw, parsed, ("DRAFT",), self._now_ms(), tid)

    def create_draft(self, raw: bytes, thread_id: str | None = None) -> Draft:
        with self.lock:
            msg = self._store_draft_message(raw, thread_id)
            draft = Draft(self._ids.draft_id(), msg.id)
            self.drafts[draft.id] = draft
            return draft

    def get_draft(self, draft_id: str) -> Draft:
        draft = self.drafts.get(draft_id)
        if draft is None or draft.message_id not in self.messages:
            raise errors.not_found()
        return draft

    def update_draft(self, draft_id: str, raw: bytes, thread_id: str | None = None) -> Draft:
        with self.lock:
            draft = self.get_draft(draft_id)
            old = self.messages[draft.message_id]
            msg = self._store_draft_message(raw, thread_id)
            self.messages.pop(old.id, None)
            draft.message_id = msg.id
            return draft

    def delete_draft(self, draft_id: str) -> None:
        with self.lock:
            draft = self.get_draft(draft_id)
            self.messages.pop(draft.message_id, None)
            del self.drafts[draft_id]
            self._bump()

    def check_send_draft(self, draft_id: str) -> None:
        """What drafts.send refuses at once: an unknown draft, no valid recipient."""
        self._validate_recipients(self.messages[self.get_draft(draft_id).message_id].parsed)

    def send_draft(self, draft_id: str) -> StoredMessage:
        with self.lock:
            draft = self.get_draft(draft_id)
            dmsg = self.messages[draft.message_id]
            parsed = dmsg.parsed
            self._validate_recipients(parsed)
            in_thread = dmsg.thread_id != dmsg.id
            self.sent.append(dmsg.raw)
            stored_raw = self._outgoing_copy(dmsg.raw, parsed)
            del self.drafts[draft_id]
            self.messages.pop(dmsg.id, None)
            thread_id = dmsg.thread_id if in_thread else None
            return self._insert(
                stored_raw, parse_message(stored_raw), ("SENT",), self._now_ms(), thread_id
            )
