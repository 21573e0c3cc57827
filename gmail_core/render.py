"""What Dify receives: plain dicts for workflow variables, short texts for everyone.

Agents see every variable's value, so each value is emitted once and kept lean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gmail_core.labels import Label
from gmail_core.message import Attachment, Message

# Flags already carry these two; listing them again in labels would repeat them.
_FLAG_LABELS = {"UNREAD", "STARRED"}


def label_names(label_ids: Iterable[str], names: Mapping[str, str]) -> list[str]:
    return [names.get(lid, lid) for lid in label_ids if lid not in _FLAG_LABELS]


def attachment_dict(a: Attachment) -> dict[str, Any]:
    return {
        "filename": a.filename,
        "mime_type": a.mime_type,
        "size": a.size,
        "part_id": a.part_id,
        "attachment_id": a.attachment_id or "",
    }


def message_summary(m: Message, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": m.id,
        "thread_id": m.thread_id,
        "from": m.from_,
        "to": m.to,
        "cc": m.cc,
        "reply_to": m.reply_to,
        "subject": m.subject,
        "date": m.date,
        "snippet": m.snippet,
        "labels": label_names(m.label_ids, names),
        "unread": m.unread,
        "starred": m.starred,
        "has_attachments": m.has_attachments,
        "attachments": [attachment_dict(a) for a in m.attachments],
        "notes": list(m.notes),
    }


def message_full(m: Message, names: Mapping[str, str], body: str) -> dict[str, Any]:
    return {
        **message_summary(m, names),
        "message_id_header": m.message_id_header,
        "in_reply_to": m.in_reply_to,
        "references": m.references,
        "body": body,
    }


def label_dict(label: Label) -> dict[str, Any]:
    return {
        "id": label.id,
        "name": label.name,
        "type": label.type,
        "messages_total": label.messages_total,
        "messages_unread": label.messages_unread,
        "threads_total": label.threads_total,
        "threads_unread": label.threads_unread,
    }


def notes_summary(messages: Iterable[Message]) -> str:
    """One line naming the messages that could not be read completely ("" if none)."""
    ids = [m.id for m in messages if m.notes]
    if not ids:
        return ""
    shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
    return (
        f"{len(ids)} message(s) could not be read completely (hostile or broken mail; "
        f"their notes say what is missing): {shown}."
    )


def search_summary(
    count: int,
    next_page_token: str,
    failed: Mapping[str, str],
    messages: Iterable[Message] = (),
) -> str:
    parts = [f"{count} message{'s' if count != 1 else ''}, newest first."]
    if incomplete := notes_summary(messages):
        parts.append(incomplete)
    if next_page_token:
        parts.append("More results: call again with page_token from next_page_token.")
    if failed:
        ids = ", ".join(list(failed)[:20])
        more = f" and {len(failed) - 20} more" if len(failed) > 20 else ""
        reason = next(iter(failed.values()))
        parts.append(
            f"Could not fetch {len(failed)} message(s) after retries: {ids}{more} ({reason})"
        )
    return " ".join(parts)
