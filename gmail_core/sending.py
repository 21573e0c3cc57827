"""Sending mail exactly once, and the draft operations.

A send whose outcome is unknown (timeout, dropped connection, 5xx after the bytes left) is
checked by its own Message-ID before any retry: if Gmail has it, it went out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from gmail_core import messages, transport
from gmail_core.client import USER_PATH, GmailClient, path_id
from gmail_core.errors import (
    GmailApiError,
    RateLimitError,
    SendOutcomeUnknownError,
    TransientError,
)

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 3
# Gmail's search index can trail a fresh send by a moment; look twice before concluding
# that a message is not there.
LOOKUP_TRIES = 2
LOOKUP_PAUSE = 1.0


def _outcome_unknown(exc: TransientError) -> bool:
    """Rate limits were refused before acceptance; everything else transient may have landed."""
    return not isinstance(exc, RateLimitError)


def send_once(
    client: GmailClient,
    attempt_send: Callable[[], Any],
    message_id_header: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Run ``attempt_send`` until Gmail has the message, never producing a second copy.

    Permanent errors (4xx other than rate limits) raise at once; nothing was sent.
    """
    attempt = 0
    while True:
        try:
            return dict(attempt_send() or {})
        except TransientError as exc:
            if _outcome_unknown(exc):
                landed = _lookup_after_failure(client, message_id_header, sleep)
                if landed is not None:
                    log.info("send outcome was unknown; the message is in Gmail, not resending")
                    return landed
            attempt += 1
            delay = transport.backoff_delay(attempt - 1, exc.retry_after)
            if attempt >= SEND_ATTEMPTS or delay >= client.deadline.remaining() - 2:
                if not _outcome_unknown(exc):
                    raise
                raise SendOutcomeUnknownError(
                    "Gmail did not confirm the send and the message is not in the mailbox, so it "
                    f"was not sent. Gmail's last answer: {exc} Try again in a minute.",
                    status=exc.status,
                    reason=exc.reason,
                ) from None
            sleep(delay)


def _lookup_after_failure(
    client: GmailClient, message_id_header: str, sleep: Callable[[float], None]
) -> dict[str, Any] | None:
    for i in range(LOOKUP_TRIES):
        if i:
            sleep(LOOKUP_PAUSE)
        try:
            # in:sent matters: an unsent draft carries the same Message-ID and must not count.
            found = messages.find_by_rfc822_id(client, message_id_header, sent_only=True)
        except GmailApiError as exc:
            raise SendOutcomeUnknownError(
                "Gmail did not confirm the send, and checking whether it went out failed too "
                "(a temporary Gmail problem). Look in the Sent folder before sending again.",
                status=exc.status,
                reason=exc.reason,
            ) from None
        if found is not None:
            return found
    return None


def send_raw(
    client: GmailClient, raw: bytes | bytearray, message_id_header: str, *, thread_id: str = ""
) -> dict[str, Any]:
    """Send RFC 822 bytes through the upload endpoint; returns ``{"id", "threadId", ...}``."""
    client.require("send")
    metadata = {"threadId": thread_id} if thread_id else None
    return send_once(
        client,
        lambda: client.upload("/messages/send", raw, metadata=metadata, what="message"),
        message_id_header,
    )


# -- drafts ---------------------------------------------------------------------------
DRAFTS_PATH = USER_PATH + "/drafts"


def create_draft(
    client: GmailClient, raw: bytes | bytearray, *, thread_id: str = ""
) -> dict[str, Any]:
    client.require("compose")
    metadata = {"message": {"threadId": thread_id}} if thread_id else None
    return dict(client.upload("/drafts", raw, metadata=metadata, what="draft") or {})


def update_draft(
    client: GmailClient, draft_id: str, raw: bytes | bytearray, *, thread_id: str = ""
) -> dict[str, Any]:
    client.require("compose")
    metadata: dict[str, Any] = {"id": draft_id}
    if thread_id:
        metadata["message"] = {"threadId": thread_id}
    # PUT replaces the draft: repeating it is harmless, so it may be retried like a read.
    result = client.upload(
        f"/drafts/{path_id(draft_id, 'draft ID')}",
        raw,
        metadata=metadata,
        method="PUT",
        retry=True,
        what="draft",
    )
    return dict(result or {})


def get_draft(client: GmailClient, draft_id: str, fmt: str = "full") -> dict[str, Any]:
    client.require("compose")
    return dict(
        client.get(f"{DRAFTS_PATH}/{path_id(draft_id, 'draft ID')}", {"format": fmt}, what="draft")
        or {}
    )


def send_draft(client: GmailClient, draft_id: str) -> dict[str, Any]:
    """Send a draft once: its Message-ID (read first) decides an unknown outcome."""
    client.require("send")
    draft = client.get(
        f"{DRAFTS_PATH}/{path_id(draft_id, 'draft ID')}",
        {"format": "metadata"},  # drafts.get has no metadataHeaders; all headers come back
        what="draft",
    )
    headers = ((draft or {}).get("message") or {}).get("payload", {}).get("headers") or []
    message_id_header = next(
        (
            str(h.get("value", ""))
            for h in headers
            if str(h.get("name", "")).lower() == "message-id"
        ),
        "",
    )

    def attempt() -> Any:
        return client.request(
            "POST", DRAFTS_PATH + "/send", json_body={"id": draft_id}, retry=False, what="draft"
        )

    if not message_id_header:
        # Without a Message-ID an unknown outcome cannot be checked: send exactly one attempt.
        return dict(attempt() or {})
    return send_once(client, attempt, message_id_header)


def delete_draft(client: GmailClient, draft_id: str) -> None:
    client.require("compose")
    client.request("DELETE", f"{DRAFTS_PATH}/{path_id(draft_id, 'draft ID')}", what="draft")
