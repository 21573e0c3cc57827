"""The default ``make try`` run: search, read a message and its conversation, download an
attachment, then (when writing is allowed) reply as a draft, label and archive.

Each step takes its IDs from the workflow variables of the steps before it, as a Dify
workflow would; nothing depends on the sample mailbox, so the same steps run on a real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devkit.tryout.connect import TryError
from devkit.tryout.show import Console
from devkit.tryout.steps import StepRunner

SEARCH = {"query": "in:inbox", "max_results": 6}


@dataclass(frozen=True)
class Writes:
    """What the writing steps write, and whether the run undoes them at the end."""

    reply: str
    label: str
    undo: bool


SAMPLE_WRITES = Writes(
    reply=(
        "Hi Jonas,\n\nthanks, the volumes look right. I'll send the signed order form by "
        "4 December.\n\nBest,\nSam"
    ),
    label="Work/Clients/Northwind",
    undo=False,
)
REAL_WRITES = Writes(
    reply="A test draft written by Gmail for Dify's `make try`; the same run deletes it.",
    label="Gmail for Dify (make try)",
    undo=True,
)


def run(step: StepRunner, console: Console, writes: Writes | None) -> None:
    found = step("Search the inbox", "search_messages", dict(SEARCH))
    messages = found.get("messages") or []
    if not messages:
        raise TryError(
            "The inbox has no messages, so there is nothing to read.",
            "Try a search that finds mail: make try GMAIL=real TOOL=search_messages "
            "ARGS='query=in:anywhere'.",
        )
    newest = messages[0]
    step("Read the newest message", "get_message", {"message_id": newest["id"]})
    thread = step("Read its conversation", "get_thread", {"thread_id": newest["thread_id"]})
    with_files = next((m for m in messages if m.get("attachments")), None)
    if with_files is None:
        console.heading("Download an attachment: skipped")
        console.field("", "None of these messages has an attachment. To try it: make try "
                      "GMAIL=real TOOL=download_attachment ARGS='message_id=<an ID>'")  # fmt: skip
    else:
        step(
            "Download an attachment",
            "download_attachment",
            {
                "message_id": with_files["id"],
                "attachment": with_files["attachments"][0]["filename"],
            },
        )
    if writes is None:
        return
    left: list[str] = []  # what this run wrote and has not undone yet
    try:
        _write(step, writes, newest["id"], thread, left)
    except TryError as failed:
        if writes.undo and left:
            failed.fix += " This run left in your mailbox: " + "; ".join(left) + "."
        raise


def _write(
    step: StepRunner, writes: Writes, message_id: str, thread: dict[str, Any], left: list[str]
) -> None:
    draft = step(
        "Reply as a draft",
        "reply_to_message",
        {"message_id": message_id, "body": writes.reply, "as_draft": True},
    )
    left.append(
        f"the draft {draft['draft_id']} (to delete it: make try GMAIL=real WRITE=yes "
        f"TOOL=delete_draft ARGS='draft_id={draft['draft_id']}')"
    )
    in_inbox = ", ".join(m["id"] for m in thread["messages"] if "INBOX" in m["labels"])
    if in_inbox:
        step(
            "Label and archive the conversation",
            "modify_messages",
            {"message_ids": in_inbox, "add_labels": writes.label,
             "create_missing_labels": True, "archive": True},
        )  # fmt: skip
        left.append(f"the label {writes.label!r} on {in_inbox}, archived")
    if not writes.undo:
        return
    if in_inbox:
        step(
            "Undo: back to the inbox, label removed",
            "modify_messages",
            {"message_ids": in_inbox, "remove_labels": writes.label, "move_to_inbox": True},
        )
        left.pop()
    step("Undo: delete the draft", "delete_draft", {"draft_id": draft["draft_id"]})
    left.pop(0)
