"""Changing messages: labels and flags (batchModify), trash and untrash (batched)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from gmail_core import labels as labels_mod
from gmail_core.batch import BatchCall
from gmail_core.client import USER_PATH, GmailClient, path_id
from gmail_core.errors import InvalidInputError

MESSAGES_PATH = USER_PATH + "/messages"
MAX_IDS = 1000  # messages.batchModify's limit

# Shortcut parameter -> (labels to add, labels to remove).
SHORTCUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mark_read": ((), ("UNREAD",)),
    "mark_unread": (("UNREAD",), ()),
    "star": (("STARRED",), ()),
    "unstar": ((), ("STARRED",)),
    "archive": ((), ("INBOX",)),
    "move_to_inbox": (("INBOX",), ()),
}
_CONFLICTS = (("mark_read", "mark_unread"), ("star", "unstar"), ("archive", "move_to_inbox"))


def message_ids(values: Iterable[str]) -> list[str]:
    """Validated, de-duplicated message IDs (at most 1000)."""
    ids = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not ids:
        raise InvalidInputError("'message_ids' is required: pass one or more Gmail message IDs.")
    if len(ids) > MAX_IDS:
        raise InvalidInputError(
            f"{len(ids)} message IDs given; at most {MAX_IDS} can be changed in one call. Split "
            "the list."
        )
    for value in ids:
        path_id(value)
    return ids


def shortcut_labels(flags: dict[str, bool]) -> tuple[list[str], list[str]]:
    for a, b in _CONFLICTS:
        if flags.get(a) and flags.get(b):
            raise InvalidInputError(f"'{a}' and '{b}' contradict each other; set only one.")
    add: list[str] = []
    remove: list[str] = []
    for name, on in flags.items():
        if on:
            add += SHORTCUTS[name][0]
            remove += SHORTCUTS[name][1]
    return add, remove


class LabelChange(NamedTuple):
    add_ids: list[str]
    remove_ids: list[str]
    created: list[str]  # names of the labels created
    names: dict[str, str]  # label ID -> name, for every ID above


def resolve_labels(
    client: GmailClient, add: list[str], remove: list[str], *, create_missing: bool
) -> LabelChange:
    """Label names or IDs -> IDs. One labels.list; creates only when asked."""
    if not add and not remove:
        return LabelChange([], [], [], {})
    known = labels_mod.list_labels(client)
    add_ids, add_missing = labels_mod.resolve(known, add)
    remove_ids, remove_missing = labels_mod.resolve(known, remove)
    if remove_missing or (add_missing and not create_missing):
        raise labels_mod.unknown_labels_error(
            remove_missing + ([] if create_missing else add_missing), known
        )
    created: list[str] = []
    names = labels_mod.names_by_id(known)
    for name in add_missing:
        label = labels_mod.create_label(client, name)
        add_ids.append(label.id)
        created.append(label.name)
        names[label.id] = label.name
    overlap = set(add_ids) & set(remove_ids)
    if overlap:
        raise InvalidInputError(
            f"The same label is both added and removed ({', '.join(sorted(overlap))}); pick one."
        )
    names = {i: names.get(i, i) for i in add_ids + remove_ids}
    return LabelChange(add_ids, remove_ids, created, names)


def modify(client: GmailClient, ids: list[str], add_ids: list[str], remove_ids: list[str]) -> None:
    if not add_ids and not remove_ids:
        raise InvalidInputError(
            "Nothing to change: give add_labels, remove_labels or a shortcut such as mark_read."
        )
    client.require("modify")
    # Label changes are idempotent, so they are retried like reads.
    client.request(
        "POST",
        MESSAGES_PATH + "/batchModify",
        json_body={"ids": ids, "addLabelIds": add_ids, "removeLabelIds": remove_ids},
        what="message",
    )


def trash(client: GmailClient, ids: list[str], *, restore: bool = False) -> list[str]:
    """Trash (or untrash) each message, one batch request per 50; returns the IDs changed.

    If any fail after retries, raises an error of the first failure's kind that says how
    many succeeded and names the failed IDs, so nothing is reported done that was not.
    """
    client.require("modify")
    action = "untrash" if restore else "trash"
    calls = [
        BatchCall(id=i, path=f"{MESSAGES_PATH}/{path_id(i)}/{action}", method="POST") for i in ids
    ]
    _, failed = client.call_many(calls, what="message")
    if failed:
        first = next(iter(failed.values()))
        listed = ", ".join(list(failed)[:10]) + (" …" if len(failed) > 10 else "")
        raise type(first)(
            f"{action.capitalize()}: {len(ids) - len(failed)} of {len(ids)} done; failed: "
            f"{listed}. {first}",
            status=first.status,
            reason=first.reason,
        )
    return ids
