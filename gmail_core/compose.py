"""Write operations that combine reading, composing and sending: one function per tool."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from gmail_core import addresses, messages, params, reading, sending, transfers, writing
from gmail_core.client import USER_PATH, GmailClient, path_id
from gmail_core.message import Attachment, Message
from gmail_core.reading import parse_message


@dataclass(frozen=True, slots=True)
class Draft:
    """Fields of a new message; None = not given (matters for update_draft)."""

    to: str | None = None
    cc: str | None = None
    bcc: str | None = None
    subject: str | None = None
    body: str | None = None
    body_format: str = "markdown"
    reply_to: str | None = None


def fields_from_params(
    p: Mapping[str, Any], *, to_required: bool = False, keep_unset: bool = False
) -> Draft:
    """The message fields of send_message / create_draft / update_draft parameters.

    ``keep_unset`` (update_draft): an absent subject or body stays None = keep the draft's.
    """
    text = params.optional_str if keep_unset else params.as_str
    return Draft(
        to=(
            params.required_str(p, "to", max_len=100_000)
            if to_required
            else params.optional_str(p, "to", max_len=100_000)
        ),
        cc=params.optional_str(p, "cc", max_len=100_000),
        bcc=params.optional_str(p, "bcc", max_len=100_000),
        subject=text(p, "subject", max_len=2000),
        body=text(p, "body", max_len=5_000_000),
        body_format=params.body_format(p),
        reply_to=params.optional_str(p, "reply_to", max_len=10_000),
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    message_id: str = ""
    thread_id: str = ""
    message_id_header: str = ""
    draft_id: str = ""
    to: str = ""


def own_addresses(client: GmailClient) -> list[str]:
    """The user's addresses: the primary one and every send-as alias (left out of reply-all)."""
    found = client.get(
        USER_PATH + "/settings/sendAs", {"fields": "sendAs(sendAsEmail)"}, what="address list"
    )
    entries = (found or {}).get("sendAs") if isinstance(found, dict) else None
    return [
        str(e["sendAsEmail"]) for e in entries or [] if isinstance(e, dict) and e.get("sendAsEmail")
    ]


class AttachmentSource(Protocol):
    """Files to attach, fetched only inside the operation's transfer-budget share."""

    def declared_size(self) -> int: ...

    def fetch(self) -> list[writing.OutgoingAttachment]: ...


@dataclass(frozen=True, slots=True)
class Attachments:
    """An AttachmentSource of bytes already in hand (and the empty one)."""

    items: tuple[writing.OutgoingAttachment, ...] = ()

    def declared_size(self) -> int:
        return sum(len(a.data) for a in self.items)

    def fetch(self) -> list[writing.OutgoingAttachment]:
        return list(self.items)


NO_ATTACHMENTS = Attachments()


def _build_new(
    fields: Draft, attachments: list[writing.OutgoingAttachment], *, require_recipient: bool
) -> EmailMessage:
    return writing.build_message(
        to=fields.to,
        cc=fields.cc,
        bcc=fields.bcc,
        subject=fields.subject or "",
        body=fields.body or "",
        body_format=fields.body_format,
        attachments=attachments,
        reply_to=fields.reply_to,
        require_recipient=require_recipient,
    )


def send_new(client: GmailClient, fields: Draft, attachments: AttachmentSource) -> Outcome:
    client.require("send")
    _build_new(fields, [], require_recipient=True)  # bad input fails before any download
    with transfers.large_transfer(attachments.declared_size(), client.deadline):
        msg = _build_new(fields, attachments.fetch(), require_recipient=True)
        header = str(msg["Message-ID"])
        sent = sending.send_raw(client, writing.to_bytes(msg), header)
    return Outcome(str(sent.get("id", "")), str(sent.get("threadId", "")), header)


def _original(client: GmailClient, message_id: str) -> tuple[Message, str]:
    original, _ = messages.get_message(client, message_id)
    return messages.message_body(original, "text", 0, client=client)


def reply(
    client: GmailClient,
    message_id: str,
    *,
    body: str,
    body_format: str,
    reply_all: bool,
    quote_original: bool,
    as_draft: bool,
    attachments: AttachmentSource,
) -> Outcome:
    client.require("compose" if as_draft else "send")
    original, original_text = _original(client, message_id)
    own = own_addresses(client)

    build = functools.partial(
        writing.build_reply,
        original=original,
        own_addresses=own,
        body=body,
        body_format=body_format,
        reply_all=reply_all,
        quote_original=quote_original,
        original_body=original_text,
    )
    build(attachments=[])  # bad input fails before any download
    with transfers.large_transfer(attachments.declared_size(), client.deadline):
        msg = build(attachments=attachments.fetch())
        raw = writing.to_bytes(msg)
        header = str(msg["Message-ID"])
        recipients = ", ".join(str(msg[h]) for h in ("To", "Cc") if msg[h])
        if as_draft:
            draft = sending.create_draft(client, raw, thread_id=original.thread_id)
        else:
            sent = sending.send_raw(client, raw, header, thread_id=original.thread_id)
    if as_draft:
        inner = draft.get("message") or {}
        return Outcome(
            str(inner.get("id", "")),
            str(inner.get("threadId", original.thread_id)),
            header,
            str(draft.get("id", "")),
            recipients,
        )
    return Outcome(str(sent.get("id", "")), str(sent.get("threadId", "")), header, "", recipients)


def forward(
    client: GmailClient,
    message_id: str,
    *,
    to: str,
    cc: str | None,
    bcc: str | None,
    note: str,
    body_format: str,
    include_attachments: bool,
) -> Outcome:
    client.require("send")
    original, original_text = _original(client, message_id)
    kept = list(original.attachments) if include_attachments else []
    writing.check_sizes([(a.filename, a.size) for a in kept])

    build = functools.partial(
        writing.build_forward,
        original=original,
        original_body=original_text,
        to=to,
        cc=cc,
        bcc=bcc,
        note=note,
        body_format=body_format,
    )
    build(attachments=[])  # bad input fails before any download
    with transfers.large_transfer(sum(a.size for a in kept), client.deadline):
        msg = build(attachments=_download(client, original.id, kept))
        header = str(msg["Message-ID"])
        sent = sending.send_raw(client, writing.to_bytes(msg), header)
    return Outcome(str(sent.get("id", "")), str(sent.get("threadId", "")), header)


def _download(
    client: GmailClient, message_id: str, attachments: list[Attachment]
) -> list[writing.OutgoingAttachment]:
    """The bytes of a message's attachments (the caller holds the transfer budget)."""
    if not attachments:
        return []
    return [
        writing.OutgoingAttachment(a.filename, a.mime_type, data)
        for a, data in messages.download_attachments(client, message_id, attachments)
    ]


def create_draft(client: GmailClient, fields: Draft, attachments: AttachmentSource) -> Outcome:
    client.require("compose")
    _build_new(fields, [], require_recipient=False)  # bad input fails before any download
    with transfers.large_transfer(attachments.declared_size(), client.deadline):
        msg = _build_new(fields, attachments.fetch(), require_recipient=False)
        draft = sending.create_draft(client, writing.to_bytes(msg))
    inner = draft.get("message") or {}
    return Outcome(
        str(inner.get("id", "")),
        str(inner.get("threadId", "")),
        str(msg["Message-ID"]),
        str(draft.get("id", "")),
    )


def update_draft(
    client: GmailClient,
    draft_id: str,
    fields: Draft,
    attachments: AttachmentSource | None,
) -> Outcome:
    """Replace the draft, keeping every field (and attachment) the caller did not give:
    its send-as From, threading headers, and the inline images a kept HTML body shows."""
    client.require("compose")
    current = sending.get_draft(client, draft_id)
    resource = current.get("message") or {}
    old = parse_message(resource)
    kept = list(old.attachments) if attachments is None else []
    if fields.body is not None:
        body, body_format = fields.body, fields.body_format
    elif old.html_body:
        body, body_format = old.html_body, "html"
    else:
        body, body_format = old.text_body, "text"
    # The body (kept or new) may show the draft's inline images through cid: links.
    inline = reading.inline_images(resource) if "cid:" in body else []

    build = functools.partial(
        writing.build_message,
        sender=_sender(old.from_),
        to=_keep(fields.to, old.to),
        cc=_keep(fields.cc, old.cc),
        bcc=_keep(fields.bcc, old.bcc),
        subject=_keep(fields.subject, old.subject) or "",
        body=body,
        body_format=body_format,
        reply_to=_keep(fields.reply_to, old.reply_to),
        in_reply_to=old.in_reply_to or None,
        references=old.references or None,
        require_recipient=False,
    )
    build(attachments=[])  # bad input fails before any download
    new_files = attachments or NO_ATTACHMENTS
    size = new_files.declared_size() + sum(a.size for a in kept) + sum(a.size for _, a in inline)
    with transfers.large_transfer(size, client.deadline):
        files = new_files.fetch() + _download(client, old.id, kept)
        images = _download(client, old.id, [a for _, a in inline])
        files += [
            dataclasses.replace(f, content_id=cid)
            for (cid, _), f in zip(inline, images, strict=True)
        ]
        msg = build(attachments=files)
        updated = sending.update_draft(
            client, draft_id, writing.to_bytes(msg), thread_id=old.thread_id
        )
    inner = updated.get("message") or {}
    return Outcome(
        str(inner.get("id", "")),
        str(inner.get("threadId", old.thread_id)),
        str(msg["Message-ID"]),
        str(updated.get("id", draft_id)),
    )


def _keep(new: str | None, old: str) -> str | None:
    return new if new is not None else (old or None)


def _sender(from_header: str) -> str | None:
    """The draft's From (a send-as alias, say) in a form build_message accepts; None if none."""
    return (
        addresses.format_address_list(addresses.parse_received_addresses(from_header)[:1]) or None
    )


def list_drafts(
    client: GmailClient, *, query: str, max_results: int, page_token: str = ""
) -> tuple[list[dict[str, Any]], str, list[str]]:
    """Drafts with their message's subject, to, date and snippet: one list + batched gets.

    Returns (drafts, next page token, IDs of drafts that could not be fetched)."""
    client.require("compose")
    params: dict[str, Any] = {"maxResults": max_results}
    if query.strip():
        params["q"] = query.strip()
    if page_token:
        params["pageToken"] = page_token
    listing = client.get(sending.DRAFTS_PATH, params, what="draft list") or {}
    refs = [d for d in listing.get("drafts") or [] if isinstance(d, dict) and d.get("id")]
    if not refs:
        return [], str(listing.get("nextPageToken") or ""), []
    done, failed = client.get_many(
        [(str(d["id"]), f"{sending.DRAFTS_PATH}/{path_id(d['id'], 'draft ID')}") for d in refs],
        [("format", "metadata")],  # drafts.get takes no metadataHeaders
        what="draft",
    )
    if failed and not done:
        raise next(iter(failed.values()))
    out = []
    for ref in refs:
        data = done.get(str(ref["id"]))
        if data is None:
            continue
        m = messages.read_message(data.get("message") or {}, client)
        out.append(
            {
                "draft_id": str(ref["id"]),
                "message_id": m.id,
                "thread_id": m.thread_id,
                "subject": m.subject,
                "to": m.to,
                "date": m.date,
                "snippet": m.snippet,
                "notes": list(m.notes),
            }
        )
    return out, str(listing.get("nextPageToken") or ""), list(failed)
