"""Write operations that combine reading, composing and sending: one function per tool."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from gmail_core import (
    addresses,
    messages,
    params,
    reading,
    scopes,
    sendas,
    sending,
    signatures,
    transfers,
    transport,
    writing,
)
from gmail_core.client import USER_PATH, GmailClient, path_id
from gmail_core.errors import GmailError, ScopeError
from gmail_core.message import Attachment, Message
from gmail_core.signatures import Signature


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
    send_as: str | None = None  # a send-as address or its name; None = the default
    signature: bool = True  # append the send-as address's Gmail signature


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
        send_as=send_as_param(p),
        signature=signature_param(p),
    )


def send_as_param(p: Mapping[str, Any]) -> str | None:
    return params.optional_str(p, "send_as", max_len=1_000)


def signature_param(p: Mapping[str, Any]) -> bool:
    return params.as_bool(p, "include_signature", default=True)


@dataclass(frozen=True, slots=True)
class Outcome:
    message_id: str = ""
    thread_id: str = ""
    message_id_header: str = ""
    draft_id: str = ""
    to: str = ""
    from_: str = ""  # the From header it went out (or was saved) with
    notes: tuple[str, ...] = ()  # what the answer must say beside the IDs


def identities(
    client: GmailClient, *, with_signature: bool, send_as: str | None
) -> sendas.Identities:
    """The user's send-as addresses: one ``settings.sendAs.list`` (a partial response),
    read afresh by every invocation that writes mail.

    Reading them needs a permission that writing drafts does not (gmail.readonly): when the
    connection lacks it and ``send_as`` does not ask for an address, the message goes out
    from Gmail's default address without a signature (``sendas.UNREADABLE``; the answer
    says so); when ``send_as`` does, the refusal names the permission.
    """
    try:
        client.require("read_settings")
        found = client.get(
            USER_PATH + "/settings/sendAs",
            {"fields": sendas.fields(with_signature=with_signature)},
            what="send-as address list",
        )
    except ScopeError:
        if send_as:
            raise
        return sendas.UNREADABLE
    return sendas.Identities.from_response(found)


def unread_settings_notes(ids: sendas.Identities, *, done: str, sender: str) -> tuple[str, ...]:
    """What the answer says when the send-as settings could not be read: ``done`` is the
    verb ("sent", "saved"), ``sender`` the address used instead."""
    if ids.readable:
        return ()
    return (
        f"It was {done} from {sender} without your signature: this connection may not "
        f"{scopes.description('read_settings')}. To use them, reconnect Gmail and tick every "
        "Gmail permission.",
    )


@dataclass(frozen=True, slots=True)
class Sender:
    """How a message goes out: its From header, the Reply-To its address asks for, and the
    signature to append (None: none, or not wanted)."""

    from_: str | None = None
    reply_to: str | None = None
    signature: Signature | None = None


NO_SENDER = Sender()


def sender_for(
    ids: sendas.Identities,
    send_as: str | None,
    *,
    signature: bool,
    otherwise: sendas.SendAs | None = None,
) -> Sender:
    """The address ``send_as`` names (refused unless verified), else ``otherwise``, else
    Gmail's default; NO_SENDER when Gmail listed no address (Gmail then picks)."""
    alias = ids.pick(send_as) if send_as else (otherwise or ids.default())
    if alias is None:
        return NO_SENDER
    return Sender(
        ids.from_header(alias),
        alias.reply_to or None,
        signatures.from_gmail(alias.signature) if signature else None,
    )


class AttachmentSource(Protocol):
    """Files to attach, fetched only inside the operation's transfer-budget share."""

    def declared_size(self) -> int: ...

    def fetch(self, deadline: transport.Deadline) -> list[writing.OutgoingAttachment]: ...


def _build_new(
    fields: Draft,
    attachments: list[writing.OutgoingAttachment],
    *,
    require_recipient: bool,
    sender: Sender = NO_SENDER,
) -> EmailMessage:
    return writing.build_message(
        sender=sender.from_,
        signature=sender.signature,
        to=fields.to,
        cc=fields.cc,
        bcc=fields.bcc,
        subject=fields.subject or "",
        body=fields.body or "",
        body_format=fields.body_format,
        attachments=attachments,
        reply_to=fields.reply_to or sender.reply_to,
        require_recipient=require_recipient,
    )


def _new_message_sender(
    client: GmailClient, fields: Draft, *, done: str
) -> tuple[Sender, tuple[str, ...]]:
    """The sender of a new message, and the answer's notes (``done``: "sent", "saved")."""
    ids = identities(client, with_signature=fields.signature, send_as=fields.send_as)
    notes = unread_settings_notes(ids, done=done, sender="Gmail's default address")
    return sender_for(ids, fields.send_as, signature=fields.signature), notes


def send_new(client: GmailClient, fields: Draft, attachments: AttachmentSource) -> Outcome:
    return _new_message(client, fields, attachments, as_draft=False)


def _new_message(
    client: GmailClient, fields: Draft, attachments: AttachmentSource, *, as_draft: bool
) -> Outcome:
    """A new message sent, or saved as a draft (which needs no recipient yet)."""
    client.require("compose" if as_draft else "send")
    needs_recipient = not as_draft
    _build_new(fields, [], require_recipient=needs_recipient)  # bad input fails before any request
    sender, notes = _new_message_sender(client, fields, done="saved" if as_draft else "sent")
    with transfers.large_transfer(attachments.declared_size(), client.deadline):
        files = attachments.fetch(client.deadline)
        msg = _build_new(fields, files, require_recipient=needs_recipient, sender=sender)
        header = str(msg["Message-ID"])
        if as_draft:  # the message's bytes are let go as soon as the request is done
            draft = sending.create_draft(client, writing.to_bytes(msg), header)
            return _draft_outcome(draft, "", msg, notes=notes)
        sent = sending.send_raw(client, writing.to_bytes(msg), header)
    return _sent_outcome(sent, msg, notes)


def _sent_outcome(
    sent: Mapping[str, Any], msg: EmailMessage, notes: tuple[str, ...], to: str = ""
) -> Outcome:
    """What a tool reports of a message Gmail sent (``sent``: its answer)."""
    return Outcome(
        str(sent.get("id", "")),
        str(sent.get("threadId", "")),
        str(msg["Message-ID"]),
        to=to,
        from_=_from(msg),
        notes=notes,
    )


def _from(msg: EmailMessage) -> str:
    return str(msg["From"] or "")


def _original(client: GmailClient, message_id: str, *, carried: str = "") -> tuple[Message, str]:
    """The message replied to or forwarded, and its body as text. ``carried`` ("quoted",
    "forwarded"): the body goes out in the new message, so one whose text could not be read
    whole is refused before anything is sent — the recipient could not tell it is cut."""
    original, _ = messages.get_message(client, message_id)
    original, text = messages.message_body(original, "text", 0, client=client)
    missing = messages.text_not_read(original) if carried else []
    if missing:
        again = (
            "Try again in a minute"
            if any("temporary" in n or "time budget" in n for n in missing)
            else "Open it in Gmail"
        )
        raise GmailError(
            f"The text of message {original.id} could not be read completely: {missing[0]} "
            f"It would be {carried} incomplete, so nothing was sent or saved. {again}"
            + (", or reply without quote_original." if carried == "quoted" else ".")
        )
    return original, text


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
    send_as: str | None = None,
    signature: bool = True,
) -> Outcome:
    """Reply from ``send_as``, else from the address the original was sent to (Gmail's
    default), else from the default address."""
    client.require("compose" if as_draft else "send")
    original, original_text = _original(
        client, message_id, carried="quoted" if quote_original else ""
    )
    ids = identities(client, with_signature=signature, send_as=send_as)
    sender = sender_for(ids, send_as, signature=signature, otherwise=ids.for_reply(original))
    notes = unread_settings_notes(
        ids, done="saved" if as_draft else "sent", sender="Gmail's default address"
    )

    build = functools.partial(
        writing.build_reply,
        original=original,
        own_addresses=ids.emails,
        sender=sender.from_,
        reply_to=sender.reply_to,
        signature=sender.signature,
        body=body,
        body_format=body_format,
        reply_all=reply_all,
        quote_original=quote_original,
        original_body=original_text,
    )
    build(attachments=[])  # bad input fails before any download
    with transfers.large_transfer(attachments.declared_size(), client.deadline):
        msg = build(attachments=attachments.fetch(client.deadline))
        raw = writing.to_bytes(msg)
        header = str(msg["Message-ID"])
        recipients = ", ".join(str(msg[h]) for h in ("To", "Cc") if msg[h])
        if as_draft:
            draft = sending.create_draft(client, raw, header, thread_id=original.thread_id)
        else:
            sent = sending.send_raw(client, raw, header, thread_id=original.thread_id)
    if as_draft:
        return _draft_outcome(draft, original.thread_id, msg, recipients, notes)
    return _sent_outcome(sent, msg, notes, recipients)


def _draft_outcome(
    draft: Mapping[str, Any],
    thread_id: str,
    msg: EmailMessage,
    recipients: str = "",
    notes: tuple[str, ...] = (),
) -> Outcome:
    inner = draft.get("message") or {}
    return Outcome(
        str(inner.get("id", "")),
        str(inner.get("threadId", thread_id)),
        str(msg["Message-ID"]),
        str(draft.get("id", "")),
        recipients,
        _from(msg),
        notes,
    )


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
    as_draft: bool = False,
    send_as: str | None = None,
    signature: bool = True,
) -> Outcome:
    """Forward (or, ``as_draft``, save the forward as a draft) from ``send_as``, else from
    the default address."""
    client.require("compose" if as_draft else "send")
    original, original_text = _original(client, message_id, carried="forwarded")
    kept = list(original.attachments) if include_attachments else []
    writing.check_sizes([(a.filename, a.size) for a in kept])
    ids = identities(client, with_signature=signature, send_as=send_as)
    sender = sender_for(ids, send_as, signature=signature)
    notes = unread_settings_notes(
        ids, done="saved" if as_draft else "sent", sender="Gmail's default address"
    )

    build = functools.partial(
        writing.build_forward,
        original=original,
        original_body=original_text,
        to=to,
        cc=cc,
        bcc=bcc,
        note=note,
        body_format=body_format,
        sender=sender.from_,
        reply_to=sender.reply_to,
        signature=sender.signature,
    )
    build(attachments=[])  # bad input fails before any download
    with transfers.large_transfer(sum(a.size for a in kept), client.deadline):
        msg = build(attachments=_download(client, original.id, kept))
        header = str(msg["Message-ID"])
        raw = writing.to_bytes(msg)
        if as_draft:
            draft = sending.create_draft(client, raw, header)
            return _draft_outcome(draft, "", msg, notes=notes)
        sent = sending.send_raw(client, raw, header)
    return _sent_outcome(sent, msg, notes)


def _download(
    client: GmailClient, message_id: str, attachments: list[Attachment]
) -> list[writing.OutgoingAttachment]:
    """The bytes of a message's attachments (the caller holds the transfer budget)."""
    if not attachments:
        return []
    return [
        # "=?" would be read as encoded text (build_message refuses it); a forward cannot
        # ask for a rename, so the copy's name loses the "?"
        writing.OutgoingAttachment(a.filename.replace("=?", "=_"), a.mime_type, data)
        for a, data in messages.download_attachments(client, message_id, attachments)
    ]


def create_draft(client: GmailClient, fields: Draft, attachments: AttachmentSource) -> Outcome:
    return _new_message(client, fields, attachments, as_draft=True)


def update_draft(
    client: GmailClient,
    draft_id: str,
    fields: Draft,
    attachments: AttachmentSource | None,
) -> Outcome:
    """Replace the draft, keeping every field (and attachment) the caller did not give:
    its send-as From, threading headers, and the inline images a kept HTML body shows. A
    new ``send_as`` brings its own Reply-To in place of the one the old address added.

    A new body gets the signature of the draft's send-as address (``fields.send_as``, else
    its From); a kept body keeps the signature it has."""
    client.require("compose")
    current = sending.get_draft(client, draft_id)
    resource = current.get("message") or {}
    # Read like every message (bounded, off the event loop, parts sent apart fetched); what
    # could not be read, the new draft would silently leave out: refuse instead.
    [old] = messages.read_messages(client, [resource])
    _check_read_whole(draft_id, old)
    sender = Sender(_sender(old.from_), old.reply_to or None)
    sign = fields.body is not None and fields.signature
    notes: tuple[str, ...] = ()
    if fields.send_as or sign:
        ids = identities(client, with_signature=sign, send_as=fields.send_as)
        notes = unread_settings_notes(ids, done="saved", sender="the draft's own From")
        was = ids.matching(old.from_)
        chosen = sender_for(ids, fields.send_as, signature=sign, otherwise=was)
        if fields.send_as:
            # The Reply-To the old address added leaves with it; one the caller set stays.
            its_own = not old.reply_to or (
                was is not None
                and addresses.addresses_only(old.reply_to) == addresses.addresses_only(was.reply_to)
            )
            sender = Sender(
                chosen.from_, chosen.reply_to if its_own else sender.reply_to, chosen.signature
            )
        else:
            sender = Sender(sender.from_ or chosen.from_, sender.reply_to, chosen.signature)
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
        sender=sender.from_,
        signature=sender.signature,
        to=_keep(fields.to, old.to),
        cc=_keep(fields.cc, old.cc),
        bcc=_keep(fields.bcc, old.bcc),
        subject=_keep(fields.subject, old.subject) or "",
        body=body,
        body_format=body_format,
        reply_to=_keep(fields.reply_to, sender.reply_to or ""),
        in_reply_to=old.in_reply_to or None,
        references=old.references or None,
        require_recipient=False,
    )
    build(attachments=[])  # bad input fails before any download
    size = sum(a.size for a in kept) + sum(a.size for _, a in inline)
    size += attachments.declared_size() if attachments else 0
    with transfers.large_transfer(size, client.deadline):
        files = (attachments.fetch(client.deadline) if attachments else []) + _download(
            client, old.id, kept
        )
        images = _download(client, old.id, [a for _, a in inline])
        files += [
            dataclasses.replace(f, content_id=cid)
            for (cid, _), f in zip(inline, images, strict=True)
        ]
        msg = build(attachments=files)
        updated = sending.update_draft(
            client, draft_id, writing.to_bytes(msg), thread_id=old.thread_id
        )
    outcome = _draft_outcome(updated, old.thread_id, msg, notes=notes)
    return dataclasses.replace(outcome, draft_id=outcome.draft_id or draft_id)


def _check_read_whole(draft_id: str, draft: Message) -> None:
    """Refuse to rewrite a draft that was not read whole: its files, a header or its body
    would be lost without a word (its notes say what was not read)."""
    lost = [note for note in draft.notes if not note.startswith(reading.CONVERSION_NOTES)]
    if lost:
        raise GmailError(
            f"Draft {draft_id} could not be read completely: {' '.join(lost[:2])} Updating it "
            "would lose what could not be read, such as its attachments, so nothing was "
            "changed. Try again; if it fails again, edit the draft in Gmail."
        )


def _keep(new: str | None, old: str) -> str | None:
    return new if new is not None else (old or None)


def _sender(from_header: str) -> str | None:
    """The draft's From (a send-as alias, say) in a form build_message accepts; None if none."""
    return (
        addresses.format_address_list(addresses.parse_received_addresses(from_header)[:1]) or None
    )


# What list_drafts shows of each draft's message: IDs, headers, snippet, date.
DRAFT_FIELDS = "id,message(id,threadId,labelIds,snippet,internalDate,payload(headers))"


def list_drafts(
    client: GmailClient, *, query: str, max_results: int, page_token: str = ""
) -> tuple[list[dict[str, Any]], str, list[str]]:
    """Drafts with their message's subject, to, date and snippet: one list + batched gets.

    Returns (drafts, next page token, IDs of drafts that could not be fetched)."""
    client.require("read_drafts")
    params: dict[str, Any] = {"maxResults": max_results}
    if query.strip():
        params["q"] = query.strip()
    if page_token:
        params["pageToken"] = page_token
    # items: a listing that is not a list of drafts with IDs is the "unreadable answer" error
    listing = client.get(sending.DRAFTS_PATH, params, what="draft list", items="drafts")
    refs: list[dict[str, Any]] = listing.get("drafts", [])
    if not refs:
        return [], listing.get("nextPageToken", ""), []

    def each(data: Any, size: int) -> Message:  # read as each chunk arrives
        return messages.read_message(data.get("message") or {}, client, size=size)

    done, failed = client.get_many(
        [(str(d["id"]), f"{sending.DRAFTS_PATH}/{path_id(d['id'], 'draft ID')}") for d in refs],
        # drafts.get takes no metadataHeaders; the mask keeps what is shown
        [("format", "metadata"), ("fields", DRAFT_FIELDS)],
        what="draft",
        each=each,
    )
    if failed and not done:
        raise next(iter(failed.values()))
    out = []
    for ref in refs:
        m = done.get(str(ref["id"]))
        if m is None:
            continue
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
    return out, listing.get("nextPageToken", ""), list(failed)
