"""Reading operations: search, get a message or thread, fetch attachments.

I/O lives here (through a GmailClient); parsing is ``reading``'s, presentation ``render``'s.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from gmail_core import extract, memory, offload, reading, transfers
from gmail_core import labels as labels_mod
from gmail_core.batch import BatchCall
from gmail_core.client import BATCH_CHUNK, USER_PATH, GmailClient, _json_or_none, path_id
from gmail_core.errors import (
    GmailApiError,
    GmailError,
    InvalidInputError,
    NotFoundError,
    TransientError,
)
from gmail_core.message import Attachment, Message

log = logging.getLogger(__name__)

MESSAGES_PATH = USER_PATH + "/messages"
THREADS_PATH = USER_PATH + "/threads"
DIFY_FILE_LIMIT = 30 * 1024 * 1024  # Dify refuses larger tool files
# Seconds the reading thread gets past a file's own time budget (which the extraction
# checks between pages, rows, paragraphs) before it is given up.
EXTRACT_GRACE_SECONDS = 5.0

LABELS_CALL = BatchCall(id="labels", path=labels_mod.LABELS_PATH)
_RFC822_ID = re.compile(r"^<?[^<>\s@]+@[^<>\s@]+>?$")


def _parts_mask(depth: int) -> str:
    """A partial-response mask for the MIME tree without body data, ``depth`` levels deep."""
    leaf = "partId,mimeType,filename,headers,body(size,attachmentId)"
    mask = leaf
    for _ in range(depth):
        mask = f"{leaf},parts({mask})"
    return mask


# Everything search shows (headers, flags, attachment list) but no body bytes: a fraction of
# format=full's size, and unlike format=metadata it still shows which parts are attachments.
STRUCTURE_FIELDS = (
    "id,threadId,labelIds,snippet,internalDate,sizeEstimate,payload(" + _parts_mask(6) + ")"
)


# How the notes of a message whose parts were not read begin (``read_message``, and
# ``reading.parse_message`` when the walk fails): its attachments are unknown, not absent.
UNREAD_NOTE_PREFIXES = (
    "Reading this message took",
    "Could not read this message:",
    "Could not read this message's body",
)


def text_not_read(message: Message) -> list[str]:
    """The notes saying some of the message's text is not there: a part Gmail sends apart
    not fetched, the read or the conversion given up, unreadable data."""
    marks = (*UNREAD_NOTE_PREFIXES, *_TEXT_NOT_READ_MARKS)
    return [note for note in message.notes if any(mark in note for mark in marks)]


_TEXT_NOT_READ_MARKS = (
    "that Gmail sends separately",  # _held_apart_note, reading._held_apart_bytes
    "Converting this message's body",  # message_body
    "Could not convert this message's body",
    "A text part has unreadable data",  # reading._collect
)


def read_message(
    resource: object,
    client: GmailClient | None = None,
    *,
    size: int | None = None,
    fetched: Mapping[str, bytes | str] | None = None,
    bodies: bool = True,
    when_over: Callable[[], None] | None = None,
) -> Message:
    """``parse_message`` off the event loop (see ``offload``), within the time budget.
    ``fetched`` and ``bodies`` go to ``parse_message`` (``read_messages`` fetches the body
    parts Gmail sends apart); ``when_over`` is called when the reading is over.

    ``size``: bytes of the answer that held the resource, what reading it costs (default:
    Gmail's size of the raw message, which counts attachments that are not in the answer).
    Never raises for what a message contains: a message that cannot be read in time keeps
    its IDs and labels and says so in ``notes``; the other messages of a call are unaffected.
    """
    if size is None:  # a resource that is not even an object is read in place
        size = resource.get("sizeEstimate", 0) if isinstance(resource, Mapping) else 0
    message = _in_reading_thread(
        lambda: reading.parse_message(resource, fetched, bodies=bodies),
        size=size if isinstance(size, int) else offload.INLINE_BELOW,
        seconds=_read_seconds(client),
        instead=lambda note: reading.unread_message(resource, note),
        took_too_long="Reading this message took longer than {seconds} s: only its IDs and "
        "labels are shown. Open it in Gmail.",
        failed="Could not read this message: only its IDs and labels are shown.",
        when_over=when_over,
    )
    if any(note.startswith("Could not read") for note in message.notes):
        log.warning("Gmail message %s: %s", message.id, " ".join(message.notes))
    return message


def read_messages(
    client: GmailClient, resources: Sequence[object], *, bodies: bool = True
) -> list[Message]:
    """``read_message`` for each ``format=full`` resource, with the bytes of the body parts
    Gmail sends apart (``reading.held_apart``) fetched first: batched, within the limits
    below, the call's time budget and the process's transfer budget (held until the reading
    of those messages is over). A part not fetched is named in its message's notes.
    ``bodies=False`` (resources fetched without body data): nothing is fetched or noted."""
    if not bodies:
        return [read_message(r, client, bodies=False) for r in resources]
    wanted = [reading.held_apart(r) for r in resources]
    if not any(wanted):
        return [read_message(r, client) for r in resources]
    plan = _HeldApartPlan.of(client, resources, wanted)
    with ExitStack() as holding:
        try:
            share: transfers.Share | None = holding.enter_context(
                transfers.large_transfer(
                    plan.fetch_bytes, client.deadline, wait=HELD_APART_WAIT_SECONDS
                )
            )
        except TransientError:  # the budget stays taken: the messages are read without them
            share = None
            fetched = plan.give_up(_BUSY)
        else:
            fetched = plan.fetch(client)
        return [
            read_message(
                r,
                client,
                fetched=fetched[i],
                # Its parts' bytes stay in memory until its reading is over, even one given
                # up on: so does their share of the transfer budget.
                when_over=share.keep() if share and fetched[i] else None,
            )
            for i, r in enumerate(resources)
        ]


# Body parts Gmail sends apart: their bytes come from messages.attachments.get, like a file's.
#: Bytes of one such part fetched: reading keeps MAX_TEXT_CHARS (1,000,000) characters of
#: text, at most 4 bytes each; a larger part is not fetched (its message says so).
MAX_HELD_APART_PART_BYTES = 4 * 1024 * 1024
#: Bytes of them fetched per message, in reading order, for the same reason: the parts
#: past it are not fetched (a message of 1,500 such parts would cost 30 batch requests).
MAX_HELD_APART_MESSAGE_BYTES = MAX_HELD_APART_PART_BYTES
#: Bytes of such parts fetched per call (a thread or a search of many large messages).
MAX_HELD_APART_BYTES = 16 * 1024 * 1024
#: Bytes of them per batch request: its answer holds them all, each decoded whole.
HELD_APART_BATCH_BYTES = 4 * 1024 * 1024
#: Seconds of the call's time budget that must be left to fetch them (checked per batch).
HELD_APART_MIN_SECONDS = 10.0
#: Seconds a call waits for its share of the transfer budget: others' large attachments may
#: hold it for minutes, and the messages are worth reading without those parts meanwhile.
HELD_APART_WAIT_SECONDS = 3.0

_LATE = (
    "was not fetched: this call's time budget is used up. Read the message alone with get_message."
)
_BUSY = "was not fetched: the plugin is busy with other large transfers. Try again in a minute."


@dataclass
class _HeldApartPlan:
    """Which held-apart parts of a call's messages to fetch (in batches), and why the
    others are not: one ``{attachment ID: bytes or note}`` per message once fetched."""

    found: list[dict[str, bytes | str]]
    batches: list[list[tuple[int, str, reading.HeldApart]]]  # (message index, its ID, part)
    fetch_bytes: int = 0

    @classmethod
    def of(
        cls,
        client: GmailClient,
        resources: Sequence[object],
        wanted: list[list[reading.HeldApart]],
    ) -> _HeldApartPlan:
        plan = cls([{} for _ in resources], [])
        batch: list[tuple[int, str, reading.HeldApart]] = []
        batch_bytes = 0
        late = client.deadline.remaining() < HELD_APART_MIN_SECONDS
        # One note for all the parts past a message's share (notes are kept once): there may
        # be thousands.
        past_the_text_read = (
            "The text parts that Gmail sends separately past the first "
            f"{reading.size_words(MAX_HELD_APART_MESSAGE_BYTES)} of them were not fetched: no "
            "more of a message's text is read. Open it in Gmail."
        )
        for index, parts in enumerate(wanted):
            message_id = _message_id_of(resources[index])
            message_bytes = 0
            for part in parts:
                cost = _cost(part)
                if message_bytes and message_bytes + cost > MAX_HELD_APART_MESSAGE_BYTES:
                    plan.found[index][part.attachment_id] = past_the_text_read
                    continue
                why = _why_not_fetched(part, message_id, late, plan.fetch_bytes)
                if why:
                    plan.found[index][part.attachment_id] = _held_apart_note(part, why)
                    continue
                message_bytes += cost
                if batch and (
                    batch_bytes + cost > HELD_APART_BATCH_BYTES or len(batch) >= BATCH_CHUNK
                ):
                    plan.batches.append(batch)
                    batch, batch_bytes = [], 0
                batch.append((index, message_id, part))
                batch_bytes += cost
                plan.fetch_bytes += cost
        if batch:
            plan.batches.append(batch)
        return plan

    def give_up(self, why: str) -> list[dict[str, bytes | str]]:
        """Each planned part not fetched yet gets the note ``why``."""
        for batch in self.batches:
            for index, _, part in batch:
                self.found[index].setdefault(part.attachment_id, _held_apart_note(part, why))
        self.batches = []
        return self.found

    def fetch(self, client: GmailClient) -> list[dict[str, bytes | str]]:
        """The planned parts' bytes, one batch request after another (so that one batch
        answer at a time is in memory) while the time budget lasts; a part that fails or
        is not reached gets its note instead."""
        for position, batch in enumerate(self.batches):
            if client.deadline.remaining() < HELD_APART_MIN_SECONDS:
                self.batches = self.batches[position:]
                return self.give_up(_LATE)
            calls = [
                BatchCall(
                    id=str(number),
                    path=f"{MESSAGES_PATH}/{path_id(message_id)}/attachments/"
                    + path_id(part.attachment_id, "attachment ID"),
                )
                for number, (_, message_id, part) in enumerate(batch)
            ]
            done, failed = client.call_many(calls, what="message part", key="data")
            for number, (index, _, part) in enumerate(batch):
                answer = done.get(str(number))
                data = answer.get("data") if isinstance(answer, dict) else None
                found = reading.decode_base64url(data) if isinstance(data, str) else None
                if found is None:
                    error = failed.get(str(number))
                    log.warning(
                        "Gmail message part not fetched: %s",
                        type(error).__name__ if error else "unreadable data",
                    )
                    why = (
                        "could not be fetched (a temporary error): its text is not shown. "
                        "Try again, or open the message in Gmail."
                        if isinstance(error, TransientError)
                        else "could not be fetched: its text is not shown. Open the message "
                        "in Gmail."
                    )
                    self.found[index][part.attachment_id] = _held_apart_note(part, why)
                else:
                    self.found[index][part.attachment_id] = found
        return self.found


def _message_id_of(resource: object) -> str:
    """The resource's message ID as it may go into a URL path ("" if none)."""
    value = resource.get("id") if isinstance(resource, Mapping) else None
    try:
        return path_id(value) if isinstance(value, str) else ""
    except InvalidInputError:
        return ""


def _cost(part: reading.HeldApart) -> int:
    """The bytes a part is counted as: Gmail's size (a part of unknown size as the largest)."""
    return part.size if part.size > 0 else MAX_HELD_APART_PART_BYTES


def _why_not_fetched(part: reading.HeldApart, message_id: str, late: bool, planned: int) -> str:
    """Why a held-apart part is not fetched ("" = fetch it)."""
    if part.size > MAX_HELD_APART_PART_BYTES:
        limit = reading.size_words(MAX_HELD_APART_PART_BYTES)
        return f"is more than the {limit} read per part: its text is not shown. Open it in Gmail."
    if late:
        return _LATE
    if planned + _cost(part) > MAX_HELD_APART_BYTES:
        return (
            f"was not fetched: this call already reads "
            f"{reading.size_words(MAX_HELD_APART_BYTES)} of such parts. Read the message "
            "alone with get_message."
        )
    try:
        path_id(part.attachment_id, "attachment ID")
    except InvalidInputError:
        return "was not fetched: Gmail gave no valid ID for it."
    return "" if message_id else "was not fetched: Gmail gave no valid ID for it."


def _held_apart_note(part: reading.HeldApart, why: str) -> str:
    return f"A text part of {reading.size_words(part.size)} that Gmail sends separately {why}"


def message_body(
    message: Message,
    body_format: str,
    max_chars: int,
    *,
    trim: bool = False,
    client: GmailClient | None = None,
) -> tuple[Message, str]:
    """The body as tools return it (``reading.rendered_body``), converted off the event loop.

    A body that cannot be converted in time is replaced by a line saying so, also added to
    the message's notes.
    """
    reading.check_body_arguments(body_format, max_chars)

    def instead(note: str) -> tuple[Message, str]:
        return replace(message, notes=(*message.notes, note)), f"[… {note}]"

    return _in_reading_thread(
        lambda: (message, reading.rendered_body(message, body_format, max_chars, trim=trim)),
        size=len(message.text_body) + len(message.html_body),
        seconds=_read_seconds(client),
        instead=instead,
        took_too_long="Converting this message's body took longer than {seconds} s: it is not "
        "shown. Open the message in Gmail.",
        failed="Could not convert this message's body: it is not shown. Open it in Gmail.",
    )


# What reading or converting one message may take however late in the call: no message is
# given up before it starts (or told it "took longer than -0.3 s").
MIN_READ_SECONDS = 0.5


def _read_seconds(client: GmailClient | None) -> float:
    """How long one message may be read or converted: ``offload.READ_SECONDS``, within what
    is left of the call's time budget (but at least ``MIN_READ_SECONDS`` of it)."""
    if client is None:
        return offload.READ_SECONDS
    return min(offload.READ_SECONDS, max(client.deadline.remaining(), MIN_READ_SECONDS))


def _in_reading_thread[T](
    work: Callable[[], T],
    *,
    size: int,
    seconds: float,
    instead: Callable[[str], T],
    took_too_long: str,
    failed: str,
    when_over: Callable[[], None] | None = None,
) -> T:
    """``work()`` off the event loop (``offload``) within ``seconds``. Work that does not
    finish in time, or fails, gives ``instead(note)`` — ``took_too_long`` (its ``{seconds}``
    filled in) or ``failed`` — so that one message or file costs only itself, with a note.
    ``when_over``: called once the work is over, even work given up on (``offload.run``)."""
    try:
        return offload.run(work, size=size, seconds=seconds, when_over=when_over)
    except offload.TookTooLong:
        return instead(took_too_long.format(seconds=f"{seconds:.3g}"))
    except Exception as exc:  # noqa: BLE001  (the readers are total; this is the last guard)
        log.warning("%s (%s)", failed, type(exc).__name__)
        return instead(failed)


# Characters of each body search_messages shows with include_body (as text).
SEARCH_BODY_CHARS = 4_000


@dataclass
class SearchResult:
    messages: list[Message]
    next_page_token: str = ""
    result_size_estimate: int = 0
    label_names: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # message id -> why
    # With include_body: message id -> its body as text, cut to SEARCH_BODY_CHARS.
    bodies: dict[str, str] | None = None


def search(
    client: GmailClient,
    *,
    query: str = "",
    max_results: int = 20,
    include_body: bool = False,
    label_names: list[str] | None = None,
    page_token: str = "",
    include_spam_trash: bool = False,
) -> SearchResult:
    """One messages.list, then the batch endpoint for the messages (chunks of ≤ 50).

    Each chunk is read as it arrives. With ``include_body`` each message's body is converted
    to text (``SEARCH_BODY_CHARS``) there and then, and only that text is kept: the complete
    messages of one chunk are in memory at a time, not those of all 500.
    """
    client.require("read")
    known_labels: list[labels_mod.Label] | None = None
    params: dict[str, Any] = {
        "maxResults": max_results,
        "fields": "messages(id,threadId),nextPageToken,resultSizeEstimate",
    }
    if label_names:
        known_labels = labels_mod.list_labels(client)
        ids, missing = labels_mod.resolve(known_labels, label_names)
        if missing:
            raise labels_mod.unknown_labels_error(missing, known_labels)
        params["labelIds"] = ids
    if query.strip():
        params["q"] = query.strip()
    elif not label_names:
        params["labelIds"] = ["INBOX"]  # empty query = the newest mail in the inbox
    if page_token:
        params["pageToken"] = page_token
    if include_spam_trash:
        params["includeSpamTrash"] = "true"
    listing = client.get(MESSAGES_PATH, params, what="message list", items="messages")
    refs: list[dict[str, Any]] = listing.get("messages", [])
    result = SearchResult(
        messages=[],
        next_page_token=listing.get("nextPageToken", ""),
        result_size_estimate=listing.get("resultSizeEstimate", 0),
    )
    if not refs:
        if known_labels is not None:
            result.label_names = labels_mod.names_by_id(known_labels)
        return result
    get_params: list[tuple[str, str]] = (
        [("format", "full")] if include_body else [("format", "full"), ("fields", STRUCTURE_FIELDS)]
    )
    calls = [(str(m["id"]), f"{MESSAGES_PATH}/{path_id(m['id'])}") for m in refs]
    # The label list rides along in the first batch: label names cost no extra request.
    riders = [] if known_labels is not None else [LABELS_CALL]

    def each(data: Any, size: int) -> tuple[Message, str] | _HeldApartResource:
        if not include_body:
            return read_message(data, client, size=size, bodies=False), ""
        if reading.held_apart(data):  # rare (large bodies): read once its parts are fetched
            return _HeldApartResource(data)
        return _shown_in_search(read_message(data, client, size=size), client)

    done, failed = client.get_many(calls, get_params, riders=riders, what="message", each=each)
    if known_labels is None:
        labels_json = done.pop(LABELS_CALL.id, None)
        failed.pop(LABELS_CALL.id, None)
        known_labels = labels_mod.parse_list(labels_json) if labels_json else []
    result.label_names = labels_mod.names_by_id(known_labels)
    found: list[tuple[Message, str] | _HeldApartResource] = [
        done[key] for key, _ in calls if key in done
    ]
    apart = [f for f in found if isinstance(f, _HeldApartResource)]
    read: list[tuple[Message, str]] = [f for f in found if not isinstance(f, _HeldApartResource)]
    if apart:  # their body parts come from attachments.get: fetched together, then read
        read += [
            _shown_in_search(m, client) for m in read_messages(client, [f.resource for f in apart])
        ]
    read.sort(key=lambda found: found[0].internal_date, reverse=True)  # the API has no order
    result.messages = [message for message, _ in read]
    if include_body:
        result.bodies = {message.id: body for message, body in read}
    result.failed = {key: str(err) for key, err in failed.items()}
    if result.failed and not result.messages:
        first = next(iter(failed.values()))
        raise _prefixed(first, f"Could not fetch any of the {len(failed)} messages found.")
    return result


class _HeldApartResource(NamedTuple):
    """A message found by a search with bodies whose body parts Gmail sends apart."""

    resource: object


def _shown_in_search(message: Message, client: GmailClient) -> tuple[Message, str]:
    """The message without its bodies, and its body as search shows it (text, cut to
    SEARCH_BODY_CHARS): only what is shown is kept of the messages of a large search."""
    message, body = message_body(message, "text", SEARCH_BODY_CHARS, client=client)
    attachments = tuple(replace(a, data=None) for a in message.attachments)  # small inline files
    return replace(message, text_body="", html_body="", attachments=attachments), body


def resolve_message_id(client: GmailClient, value: str) -> str:
    """A Gmail message ID as given, or the ID of the message with that RFC 822 Message-ID."""
    text = (value or "").strip()
    if not text:
        raise InvalidInputError("'message_id' is required: pass a Gmail message ID.")
    if "@" not in text:
        path_id(text)  # validate before it goes into a URL path
        return text
    if not _RFC822_ID.fullmatch(text):
        raise InvalidInputError(
            f"'{text[:60]}' is neither a Gmail message ID nor an RFC 822 Message-ID like "
            "<abc@mail.example>."
        )
    bare = text.strip("<>")
    found = find_by_rfc822_id(client, bare)
    if found is None:
        raise NotFoundError(
            f"No message in this mailbox has Message-ID <{bare}>. Check the ID, or search with "
            "search_messages.",
            status=404,
            reason="notFound",
        )
    return str(found["id"])


def find_by_rfc822_id(
    client: GmailClient, message_id_header: str, *, sent_only: bool = False
) -> dict[str, Any] | None:
    """``{"id", "threadId"}`` of the message with this RFC 822 Message-ID, if Gmail has it."""
    bare = message_id_header.strip().strip("<>")
    listing = client.get(
        MESSAGES_PATH,
        {
            "q": f"rfc822msgid:{bare}" + (" in:sent" if sent_only else ""),
            "includeSpamTrash": "true",
            "maxResults": 1,
            "fields": "messages(id,threadId)",
        },
        what="message list",
        items="messages",
    )
    found = listing.get("messages", [])
    return dict(found[0]) if found else None


def get_message(
    client: GmailClient, message_id: str, *, bodies: bool = True
) -> tuple[Message, dict[str, str]]:
    """The full message and the names of its labels. ``bodies=False``: its body parts that
    Gmail sends apart are not fetched (for a caller that shows no body)."""
    client.require("read")
    gmail_id = resolve_message_id(client, message_id)
    data = client.get(
        f"{MESSAGES_PATH}/{path_id(gmail_id)}", {"format": "full"}, what="message", key="id"
    )
    [message] = read_messages(client, [data], bodies=bodies)
    return message, _label_names_for(client, message.label_ids)


def get_thread(
    client: GmailClient, thread_or_message_id: str
) -> tuple[list[Message], dict[str, str]]:
    """Messages of a thread in date order; accepts a thread ID or the ID of any message in it.

    The label list rides along with the thread in one batch request: user labels' names cost
    no second round trip.
    """
    client.require("read")
    key = resolve_message_id(client, thread_or_message_id)
    try:
        data, labels_json = _thread_with_labels(client, key)
    except NotFoundError:
        # Not a thread ID: maybe the ID of a message in the thread.
        meta = client.get(
            f"{MESSAGES_PATH}/{path_id(key)}",
            {"format": "minimal", "fields": "threadId"},
            what="thread or message",
            key="threadId",
        )
        data, labels_json = _thread_with_labels(client, meta["threadId"])
    messages = read_messages(client, data.get("messages", []))
    messages.sort(key=lambda m: m.internal_date)
    label_ids = {lid for m in messages for lid in m.label_ids}
    if labels_json is None:  # the label list failed where the thread did not: ask again
        return messages, _label_names_for(client, label_ids)
    return messages, labels_mod.names_by_id(labels_mod.parse_list(labels_json))


def _thread_with_labels(
    client: GmailClient, thread_id: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """threads.get (format=full) and labels.list in one batch request: (thread, label list or
    None when only that failed). Raises what the thread's part failed with."""
    call = BatchCall("thread", f"{THREADS_PATH}/{path_id(thread_id, 'thread ID')}",
                     (("format", "full"),))  # fmt: skip
    done, failed = client.call_many([call], riders=[LABELS_CALL], what="thread", items="messages")
    if call.id in failed:
        raise failed[call.id]
    return done[call.id], done.get(LABELS_CALL.id)


def _label_names_for(client: GmailClient, label_ids: Any) -> dict[str, str]:
    """Names for label IDs; only user labels (``Label_…``) need the labels.list call."""
    if not any(str(lid).startswith("Label_") for lid in label_ids):
        return {}
    return labels_mod.names_by_id(labels_mod.list_labels(client))


def check_dify_file_limit(attachments: list[Attachment]) -> None:
    too_big = [a for a in attachments if a.size > DIFY_FILE_LIMIT]
    if too_big:
        names = ", ".join(f"'{a.filename}' ({a.size / 1_048_576:.1f} MB)" for a in too_big)
        raise InvalidInputError(
            f"{names} exceeds Dify's 30 MB file limit, so it cannot be returned as a file. "
            "Open it in Gmail instead, or download a smaller attachment."
        )


def iter_attachments(
    client: GmailClient, message_id: str, attachments: list[Attachment], *, hold: bool = True
) -> Iterator[tuple[Attachment, bytes]]:
    """Bytes of each attachment, one at a time: inline data as is, the rest fetched with
    attachments.get. One by one, not batched: a batch answer would hold every file (each
    up to 30 MB) in memory at once, in a 256 MB plugin.

    Until the caller is done with the last one, the largest holds its share of the
    process's transfer budget (``hold=False``: the caller holds one for all of them).
    """
    check_dify_file_limit(attachments)
    largest = max((a.size for a in attachments if a.data is None), default=0)
    with transfers.large_transfer(largest if hold else 0, client.deadline):
        for a in attachments:
            yield a, attachment_bytes(client, message_id, a)


def attachment_bytes(client: GmailClient, message_id: str, a: Attachment) -> bytes:
    """One attachment's bytes: inline data as is, else fetched with attachments.get."""
    if a.data is not None:
        return a.data
    if not a.attachment_id:  # nothing to fetch (``_before_download`` says the same for text)
        if a.size == 0 and a.mime_type.lower() != "message/rfc822":
            return b""  # an empty file
        raise GmailError(
            f"Gmail gives no file for '{a.filename}' (a forwarded message it shows in the "
            "body has none): read it in the message's body, or open it in Gmail."
        )
    path = f"{MESSAGES_PATH}/{path_id(message_id)}/attachments/"
    path += path_id(a.attachment_id or "", "attachment ID")
    try:
        body = client.get_raw(path, what="attachment")
    except GmailApiError as exc:
        raise _prefixed(exc, f"Could not download '{a.filename}':") from None
    return _attachment_data(body, a.filename)


_DATA_FIELD = re.compile(rb'"data"\s*:\s*"')


def _attachment_data(body: bytes, filename: str) -> bytes:
    """The file in an attachments.get answer (``{"size": n, "data": "<base64url>"}``), taken
    from the raw JSON: base64url never needs JSON unescaping, and parsing the JSON would hold
    the 27 MB of text of a 20 MB file twice more. Anything unexpected goes through JSON."""
    field = _DATA_FIELD.search(body)
    end = body.find(b'"', field.end()) if field else -1
    if field is None or end < 0 or body.find(b"\\", field.end(), end) >= 0:
        found = _json_or_none(body)
        data = found.get("data") if isinstance(found, dict) else None
        return _b64url(data if isinstance(data, str) else "", filename)
    return _b64url(memoryview(body)[field.end() : end], filename)


def download_attachments(
    client: GmailClient, message_id: str, attachments: list[Attachment]
) -> list[tuple[Attachment, bytes]]:
    """All attachments' bytes at once (for re-attaching; the caller checks the total and
    holds the transfer budget for it)."""
    return list(iter_attachments(client, message_id, attachments, hold=False))


def _prefixed(error: GmailApiError, prefix: str) -> GmailApiError:
    """The same kind of error (so callers can still tell transient from permanent), with context."""
    return type(error)(f"{prefix} {error}", status=error.status, reason=error.reason)


# A multiple of 4 characters: every chunk but the last decodes to whole bytes.
_BASE64_CHUNK = 4 * 1024 * 1024


def _b64url(data: str | memoryview, filename: str) -> bytes:
    """Gmail's base64url attachment data, decoded 4 MB at a time: at once, 27 MB of it
    (a 20 MB file) would be copied three more times (padded, as bytes, translated)."""
    out = io.BytesIO()
    try:
        for start in range(0, len(data), _BASE64_CHUNK):
            piece = data[start : start + _BASE64_CHUNK]
            chunk = piece.encode("ascii") if isinstance(piece, str) else piece.tobytes()
            out.write(base64.urlsafe_b64decode(chunk + b"=" * (-len(chunk) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise TransientError(
            f"Gmail sent unreadable data for '{filename}'. Try again.", reason="bad_base64"
        ) from exc
    return out.getvalue()  # the buffer itself, not a copy


def read_attachment_texts(
    client: GmailClient,
    message_id: str,
    attachments: list[Attachment],
    allowance: extract.Allowance,
) -> list[tuple[Attachment, extract.Extracted]]:
    """The text of each attachment, one file in memory at a time, parsed off the gevent hub
    (``offload``). What the file holds never fails the call — it gives a note — but a
    failed download does, as it would for the file itself."""
    out: list[tuple[Attachment, extract.Extracted]] = []
    for a in attachments:
        found = _before_download(client, message_id, a, allowance)
        if found is None:
            # The file's share of the process's transfer budget covers its bytes and their
            # parsed form: two large files are never read side by side.
            with transfers.large_transfer(a.size, client.deadline) as share:
                data = attachment_bytes(client, message_id, a)
                # Given back when the parse is over, even one given up on: a reading thread
                # that still parses the file still holds it in memory.
                found = _read_text(client, a, data, allowance.chars_for_next_file(), share)
                del data
            allowance.spend(found)
        out.append((a, found))
    return out


def _read_text(
    client: GmailClient, a: Attachment, data: bytes, max_chars: int, share: transfers.Share
) -> extract.Extracted:
    """``extract.text_of`` off the event loop (``offload``), within the file's time budget,
    then the parsed file's memory back to the OS (``memory``) — in the reading thread too,
    so the collection does not hold up the event loop either."""
    seconds = max(min(extract.SECONDS_PER_FILE, client.deadline.remaining() - 5), 0.5)

    def work() -> extract.Extracted:
        try:
            return extract.text_of(
                data, a.mime_type, a.filename, max_chars=max_chars, seconds=seconds
            )
        finally:
            memory.release()

    kind = extract.kind_of(a.mime_type, a.filename)
    # The extraction stops itself at ``seconds`` (between pages, rows, paragraphs); the
    # pool's limit, a little later, is the last line of defence. Never read in place,
    # however small: a 10 kB PDF can inflate to megabytes of page content.
    found = _in_reading_thread(
        work,
        size=max(len(data), offload.INLINE_BELOW),
        seconds=seconds + EXTRACT_GRACE_SECONDS,
        instead=lambda note: extract.Extracted(kind, note=note),
        took_too_long="Reading this file took longer than {seconds} s: it is not shown.",
        failed="Could not read this file: it is not shown.",
        when_over=share.keep(),
    )
    if found.note.startswith("Could not read"):
        log.info("Attachment not read: %s", found.note)  # the note names no content
    return found


def _before_download(
    client: GmailClient, message_id: str, a: Attachment, allowance: extract.Allowance
) -> extract.Extracted | None:
    """The answer for an attachment that is not worth fetching, or None to fetch it."""
    kind = extract.kind_of(a.mime_type, a.filename)
    if not kind:
        return extract.not_readable(a.mime_type, a.filename)
    if a.size > extract.MAX_FILE_BYTES:
        return extract.too_large(a.size)
    if a.data is None and not a.attachment_id:
        # Nothing to fetch: a forwarded message Gmail parsed into parts (its text is in the
        # body already), or an empty file.
        forwarded = kind == "email" and a.mime_type.lower() == "message/rfc822"
        return extract.Extracted(
            kind, note="Shown in the body (a forwarded message)." if forwarded else "Empty file."
        )
    why = allowance.spent() or (
        "this call's time budget is used up" if client.deadline.remaining() < 10 else ""
    )
    if why:
        return extract.Extracted(
            kind,
            note=f"Not read: {why}. Read it alone with download_attachment (message_id "
            f"{message_id}, attachment {a.part_id or a.filename}, attachment_text true).",
        )
    return None
