"""Reading operations: search, get a message or thread, fetch attachments.

I/O lives here (through a GmailClient); parsing is ``reading``'s, presentation ``render``'s.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gmail_core import labels as labels_mod
from gmail_core.batch import BatchCall
from gmail_core.client import USER_PATH, GmailClient, path_id
from gmail_core.errors import GmailApiError, InvalidInputError, NotFoundError, TransientError
from gmail_core.message import Attachment, Message
from gmail_core.reading import parse_message

MESSAGES_PATH = USER_PATH + "/messages"
THREADS_PATH = USER_PATH + "/threads"
DIFY_FILE_LIMIT = 30 * 1024 * 1024  # Dify refuses larger tool files

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


@dataclass
class SearchResult:
    messages: list[Message]
    next_page_token: str = ""
    result_size_estimate: int = 0
    label_names: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # message id -> why


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
    """One messages.list, then the batch endpoint for the messages (chunks of ≤ 50)."""
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
    done, failed = client.get_many(calls, get_params, riders=riders, what="message")
    if known_labels is None:
        labels_json = done.pop(LABELS_CALL.id, None)
        failed.pop(LABELS_CALL.id, None)
        known_labels = labels_mod.parse_list(labels_json) if labels_json else []
    result.label_names = labels_mod.names_by_id(known_labels)
    parsed = [parse_message(done[key]) for key, _ in calls if key in done]
    parsed.sort(key=lambda m: m.internal_date, reverse=True)  # the API does not order results
    result.messages = parsed
    result.failed = {key: str(err) for key, err in failed.items()}
    if result.failed and not result.messages:
        first = next(iter(failed.values()))
        raise _prefixed(first, f"Could not fetch any of the {len(failed)} messages found.")
    return result


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


def get_message(client: GmailClient, message_id: str) -> tuple[Message, dict[str, str]]:
    """The full message and the names of its labels."""
    client.require("read")
    gmail_id = resolve_message_id(client, message_id)
    data = client.get(
        f"{MESSAGES_PATH}/{path_id(gmail_id)}", {"format": "full"}, what="message", key="id"
    )
    message = parse_message(data)
    return message, _label_names_for(client, message.label_ids)


def get_thread(
    client: GmailClient, thread_or_message_id: str
) -> tuple[list[Message], dict[str, str]]:
    """Messages of a thread in date order; accepts a thread ID or the ID of any message in it."""
    client.require("read")
    key = resolve_message_id(client, thread_or_message_id)
    try:
        data = client.get(
            f"{THREADS_PATH}/{path_id(key, 'thread ID')}",
            {"format": "full"},
            what="thread",
            key="id",
            items="messages",
        )
    except NotFoundError:
        # Not a thread ID: maybe the ID of a message in the thread.
        meta = client.get(
            f"{MESSAGES_PATH}/{path_id(key)}",
            {"format": "minimal", "fields": "threadId"},
            what="thread or message",
            key="threadId",
        )
        data = client.get(
            f"{THREADS_PATH}/{path_id(meta['threadId'], 'thread ID')}",
            {"format": "full"},
            what="thread",
            key="id",
            items="messages",
        )
    messages = [parse_message(m) for m in data.get("messages", [])]
    messages.sort(key=lambda m: m.internal_date)
    label_ids = {lid for m in messages for lid in m.label_ids}
    return messages, _label_names_for(client, label_ids)


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
    client: GmailClient, message_id: str, attachments: list[Attachment]
) -> Iterator[tuple[Attachment, bytes]]:
    """Bytes of each attachment, one at a time: inline data as is, the rest fetched with
    attachments.get. One by one, not batched: a batch answer would hold every file (each
    up to 30 MB) in memory at once, in a 256 MB plugin."""
    check_dify_file_limit(attachments)
    base = f"{MESSAGES_PATH}/{path_id(message_id)}/attachments/"
    for a in attachments:
        if a.data is not None:
            yield a, a.data
            continue
        try:
            found = client.get(
                base + path_id(a.attachment_id or "", "attachment ID"), what="attachment"
            )
        except GmailApiError as exc:
            raise _prefixed(exc, f"Could not download '{a.filename}':") from None
        yield a, _b64url(str((found or {}).get("data") or ""), a.filename)


def download_attachments(
    client: GmailClient, message_id: str, attachments: list[Attachment]
) -> list[tuple[Attachment, bytes]]:
    """All attachments' bytes at once (for re-attaching; the caller checks the total)."""
    return list(iter_attachments(client, message_id, attachments))


def _prefixed(error: GmailApiError, prefix: str) -> GmailApiError:
    """The same kind of error (so callers can still tell transient from permanent), with context."""
    return type(error)(f"{prefix} {error}", status=error.status, reason=error.reason)


def _b64url(data: str, filename: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TransientError(
            f"Gmail sent unreadable data for '{filename}'. Try again.", reason="bad_base64"
        ) from exc
