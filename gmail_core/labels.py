"""Gmail labels: listing, resolving names to IDs, creating. I/O via a GmailClient."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gmail_core.client import USER_PATH, GmailClient, path_id
from gmail_core.errors import GmailApiError, InvalidInputError

LABELS_PATH = USER_PATH + "/labels"

# Gmail's system labels; their IDs double as names, and users type them in any case.
SYSTEM_LABELS = (
    "INBOX",
    "SENT",
    "DRAFT",
    "SPAM",
    "TRASH",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "CHAT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)

# The only colours Gmail accepts (LabelColor in the discovery document).
PALETTE = frozenset(
    re.findall(
        r"#[0-9a-f]{6}",
        """
        #000000 #434343 #666666 #999999 #cccccc #efefef #f3f3f3 #ffffff #fb4c2f #ffad47 #fad165
        #16a766 #43d692 #4a86e8 #a479e2 #f691b3 #f6c5be #ffe6c7 #fef1d1 #b9e4d0 #c6f3de #c9daf8
        #e4d7f5 #fcdee8 #efa093 #ffd6a2 #fce8b3 #89d3b2 #a0eac9 #a4c2f4 #d0bcf1 #fbc8d9 #e66550
        #ffbc6b #fcda83 #44b984 #68dfa9 #6d9eeb #b694e8 #f7a7c0 #cc3a21 #eaa041 #f2c960 #149e60
        #3dc789 #3c78d8 #8e63ce #e07798 #ac2b16 #cf8933 #d5ae49 #0b804b #2a9c68 #285bac #653e9b
        #b65775 #822111 #a46a21 #aa8831 #076239 #1a764d #1c4587 #41236d #83334c #464646 #e7e7e7
        #0d3472 #b6cff5 #0d3b44 #98d7e4 #3d188e #e3d7ff #711a36 #fbd3e0 #8a1c0a #f2b2a8 #7a2e0b
        #ffc8af #7a4706 #ffdeb5 #594c05 #fbe983 #684e07 #fdedc1 #0b4f30 #b3efd3 #04502e #a2dcc1
        #c2c2c2 #4986e7 #2da2bb #b99aff #994a64 #f691b2 #ff7537 #ffad46 #662e37 #ebdbde #cca6ac
        #094228 #42d692 #16a765 #757575 #1e53b8 #007286 #7858c3 #c2185b #d93025 #54240e #633e04
        #521d28 #202124 #083018
        """,
    )
)


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    name: str
    type: str = "user"
    messages_total: int | None = None
    messages_unread: int | None = None
    threads_total: int | None = None
    threads_unread: int | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Label:
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", data.get("id", ""))),
            type=str(data.get("type", "user")),
            messages_total=data.get("messagesTotal"),
            messages_unread=data.get("messagesUnread"),
            threads_total=data.get("threadsTotal"),
            threads_unread=data.get("threadsUnread"),
        )


def parse_list(data: Any) -> list[Label]:
    items = data.get("labels") if isinstance(data, dict) else None
    return [Label.from_api(x) for x in items or [] if isinstance(x, dict) and x.get("id")]


def list_labels(client: GmailClient) -> list[Label]:
    client.require("read")
    return parse_list(client.get(LABELS_PATH, what="label list"))


def list_labels_with_counts(client: GmailClient) -> tuple[list[Label], list[str]]:
    """All labels with message/thread counts: one list call + batched gets.

    Returns (labels, names whose counts could not be fetched).
    """
    labels = list_labels(client)
    done, failed = client.get_many(
        [(lbl.id, f"{LABELS_PATH}/{path_id(lbl.id, 'label ID')}") for lbl in labels],
        what="label",
    )
    out = [Label.from_api(done[lbl.id]) if lbl.id in done else lbl for lbl in labels]
    return out, [lbl.name for lbl in labels if lbl.id in failed]


def names_by_id(labels: Iterable[Label]) -> dict[str, str]:
    return {lbl.id: lbl.name for lbl in labels}


def resolve(labels: list[Label], wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map label names or IDs to IDs: (ids, names not found). Case-insensitive; nested
    labels are written ``Parent/Child`` as Gmail shows them."""
    by_id = {lbl.id: lbl.id for lbl in labels}
    by_name = {lbl.name.casefold(): lbl.id for lbl in labels}
    by_name.update({s.casefold(): s for s in SYSTEM_LABELS})
    ids: list[str] = []
    missing: list[str] = []
    for raw in wanted:
        key = raw.strip().strip("/")
        found = by_id.get(key) or by_name.get(key.casefold())
        if found is None:
            missing.append(key)
        elif found not in ids:
            ids.append(found)
    return ids, missing


def unknown_labels_error(missing: list[str], labels: list[Label]) -> InvalidInputError:
    names = [lbl.name for lbl in labels]
    parts = []
    for name in missing:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        close += [n for n in names if name.casefold() in n.casefold() and n not in close][:3]
        hint = f" (closest: {', '.join(close[:3])})" if close else ""
        parts.append(f"'{name}'{hint}")
    return InvalidInputError(
        f"No Gmail label named {'; '.join(parts)}. Use list_labels to see the exact names."
    )


def create_label(
    client: GmailClient,
    name: str,
    *,
    background_color: str = "",
    text_color: str = "",
    show_in_label_list: str = "labelShow",
    show_in_message_list: str = "show",
) -> Label:
    client.require("labels")
    body: dict[str, Any] = {
        "name": name,
        "labelListVisibility": show_in_label_list,
        "messageListVisibility": show_in_message_list,
    }
    if background_color or text_color:
        body["color"] = {
            "backgroundColor": check_color(background_color or "#ffffff", "background_color"),
            "textColor": check_color(text_color or "#000000", "text_color"),
        }

    def created_earlier(exc: GmailApiError) -> Any:
        # The retry of a create whose answer was lost meets the label that create made.
        if _exists(exc):
            # labels.list itself, not list_labels: gmail.labels allows it without "read".
            for label in parse_list(client.get(LABELS_PATH, what="label list")):
                if label.name.casefold() == name.casefold():
                    return {"id": label.id, "name": label.name, "type": label.type}
        raise exc

    try:
        created = client.request(
            "POST", LABELS_PATH, json_body=body, what="label", after_unclear=created_earlier
        )
    except GmailApiError as exc:
        if _exists(exc):
            raise InvalidInputError(
                f"A label named '{name}' already exists (or conflicts with a system label). "
                "Pick another name, or use the existing label."
            ) from None
        raise
    return Label.from_api(created)


def _exists(exc: GmailApiError) -> bool:
    return exc.status in (400, 409) and "exists" in str(exc).lower()


def check_color(value: str, field: str) -> str:
    color = value.strip().lower()
    if not color.startswith("#"):
        color = "#" + color
    if color not in PALETTE:
        close = sorted(PALETTE, key=lambda c: _distance(c, color))[:3] if _is_hex(color) else []
        hint = f" Closest allowed: {', '.join(close)}." if close else ""
        raise InvalidInputError(
            f"'{value}' is not one of Gmail's label colours for {field}.{hint} See Gmail's "
            "palette (e.g. #4a86e8, #16a766, #fb4c2f, #ffad47)."
        )
    return color


def _is_hex(color: str) -> bool:
    return bool(re.fullmatch(r"#[0-9a-f]{6}", color))


def _distance(a: str, b: str) -> int:
    return sum(abs(int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) for i in (1, 3, 5))
