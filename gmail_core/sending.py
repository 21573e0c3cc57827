"""Sending mail and saving drafts at most once, and the other draft operations.

A send that Gmail refused before taking it (rate limits; a connection that was never made)
is retried. Any other failure leaves the outcome unknown: Gmail may have sent the message,
even seconds after the client gave up. Then the plugin looks for the message's own
Message-ID among the newest messages labelled SENT (a listing plus their headers, which do
not wait for the search index), for a bounded time. Found: the send is reported done. Not
found: it is **not** sent again; the error names the Message-ID and says to check Sent.

A new draft (create_draft, or a reply or forward saved as a draft) goes the same way, looked
for among the newest drafts: found, it is reported saved with its ID; not found, the call
fails saying it was not saved (trying again is safe: a draft is never sent by this); when
the look-up itself fails, it says the draft may have been saved.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gmail_core import transport
from gmail_core.client import USER_PATH, GmailClient, outcome_unknown, path_id
from gmail_core.errors import (
    GmailApiError,
    GmailError,
    NotFoundError,
    RateLimitError,
    SendOutcomeUnknownError,
    TransientError,
)

log = logging.getLogger(__name__)

MESSAGES_PATH = USER_PATH + "/messages"
SEND_ATTEMPTS = 3
# After an unknown outcome: keep looking this long (bounded by the invocation's budget),
# pausing LOOKUP_PAUSE, then twice as long each time, up to LOOKUP_PAUSE_CAP. Sends that
# Gmail completes after the client gave up typically show within seconds (unverified: no
# documented bound), so the window is generous rather than tight.
LOOKUP_WINDOW = 30.0
LOOKUP_PAUSE = 0.5
LOOKUP_PAUSE_CAP = 8.0
# How many of the newest SENT messages each look-up reads the Message-ID of (only those
# not read by an earlier look-up of the same send are fetched again).
SENT_SCAN = 50
_HEADER_FIELDS = "id,threadId,payload/headers"
# The same for drafts: how many of the newest drafts each look-up reads the Message-ID of.
DRAFT_SCAN = 50
_DRAFT_FIELDS = "id,message(id,threadId,payload/headers)"
# A look-up's answer when every look made after the window closed failed: unknown.
_UNKNOWN: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class _Write:
    """How a write that must happen at most once is worded in its errors."""

    not_done: str  # "the message was not sent"


def send_once(
    client: GmailClient,
    attempt_send: Callable[[], Any],
    message_id_header: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Run ``attempt_send`` so that the message goes out at most once.

    Returns Gmail's answer (``{"id", "threadId", ...}``), or the message found in Sent
    after an unknown outcome. Permanent errors (4xx other than rate limits) raise at once:
    nothing was sent. An outcome that stays unknown raises SendOutcomeUnknownError.
    """
    return _at_most_once(
        client,
        attempt_send,
        lambda: _look_up_or_raise(client, message_id_header, sleep),
        _Write("the message was not sent"),
        sleep,
    )


def _at_most_once(
    client: GmailClient,
    attempt: Callable[[], Any],
    look_up: Callable[[], dict[str, Any]],
    write: _Write,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    """``attempt`` retried only when Gmail refused it before taking it; after an attempt of
    unknown outcome (or a 404 on a retry: the item went away meanwhile) ``look_up`` decides."""
    tries = 0
    while True:
        try:
            return dict(attempt() or {})
        except NotFoundError:
            if tries == 0:
                raise  # e.g. no draft with that ID: nothing was done
            # The draft vanished between attempts: maybe another client sent it.
            return look_up()
        except TransientError as exc:
            if outcome_unknown(exc):
                return look_up()
            if exc.reason == "not_started":  # the call's time ran out before Gmail was asked
                raise TransientError(
                    f"This call ran out of time before Gmail was asked, so {write.not_done}. "
                    "Try again.",
                    reason="not_started",
                ) from None
            tries += 1
            delay = transport.backoff_delay(tries - 1, exc.retry_after)
            if tries >= SEND_ATTEMPTS or delay >= client.deadline.remaining() - 2:
                if isinstance(exc, RateLimitError):
                    raise
                raise TransientError(
                    f"Could not reach Gmail, so {write.not_done}. This is usually "
                    "temporary: check the plugin's network access and try again.",
                    status=exc.status,
                    reason=exc.reason,
                ) from None
            sleep(delay)


def _look_up_or_raise(
    client: GmailClient, message_id_header: str, sleep: Callable[[float], None]
) -> dict[str, Any]:
    found = wait_for_sent(client, message_id_header, sleep=sleep)
    if found is not None:
        log.info("send outcome was unknown; the message is in Sent, not resending")
        return found
    raise SendOutcomeUnknownError(
        f"Gmail did not confirm the send and message {message_id_header} has not appeared "
        "in Sent yet. It may still have been sent: check the Sent folder before retrying, "
        "so that it does not go out twice (an automatic retry, such as a workflow node's "
        "'Retry on failure', would send it again).",
        reason="unknown_outcome",
    )


def wait_for_sent(
    client: GmailClient, message_id_header: str, *, sleep: Callable[[float], None] = time.sleep
) -> dict[str, Any] | None:
    """Look for the sent message with this Message-ID for up to LOOKUP_WINDOW seconds."""

    def failed(exc: GmailApiError) -> SendOutcomeUnknownError:
        return SendOutcomeUnknownError(
            f"Gmail did not confirm the send, and checking whether message "
            f"{message_id_header} went out failed too ({exc}). Look in the Sent folder "
            "before sending again.",
            status=exc.status,
            reason=exc.reason,
        )

    found = _keep_looking(
        lambda checked: find_sent(client, message_id_header, checked),
        lambda: _search_sent(client, message_id_header),
        failed,
        client,
        sleep,
    )
    return found or None  # not found, or unknown: either way not reported sent


def _keep_looking(
    find: Callable[[set[str]], dict[str, Any] | None],
    last_resort: Callable[[], dict[str, Any] | None],
    failed: Callable[[GmailApiError], GmailError],
    client: GmailClient,
    sleep: Callable[[float], None],
) -> dict[str, Any] | None:
    """``find`` again and again for up to LOOKUP_WINDOW seconds (pausing LOOKUP_PAUSE, then
    twice as long each time), then ``last_resort`` once. Returns what was found; None when
    the looks after the window closed worked and found nothing; ``_UNKNOWN`` when they all
    failed. A permanent error of a look raises ``failed(error)``."""
    window = min(LOOKUP_WINDOW, client.deadline.remaining() - 5)
    ends = time.monotonic() + max(window, 0.0)
    checked: set[str] = set()
    pause = LOOKUP_PAUSE
    while True:
        looked = True
        try:
            found = find(checked)
        except TransientError:
            found, looked = None, False  # Gmail struggling: look again until the window closes
        except GmailApiError as exc:
            raise failed(exc) from None
        if found is not None:
            return found
        left = ends - time.monotonic()
        if left <= 0:
            try:
                return last_resort() or (None if looked else _UNKNOWN)
            except GmailApiError:
                return None if looked else _UNKNOWN
        sleep(min(pause, left))
        pause = min(pause * 2, LOOKUP_PAUSE_CAP)


def _search_sent(client: GmailClient, message_id_header: str) -> dict[str, Any] | None:
    """Last resort once the window closed: Gmail's search, which finds the message however
    many others were sent meanwhile, once its index has caught up."""
    listing = client.get(
        MESSAGES_PATH,
        {
            "q": f"rfc822msgid:{_bare(message_id_header)} in:sent",
            "includeSpamTrash": "true",
            "maxResults": 1,
            "fields": "messages(id,threadId)",
        },
        what="message list",
    )
    found = listing.get("messages") if isinstance(listing, dict) else None
    first = found[0] if found else None
    return dict(first) if isinstance(first, dict) and first.get("id") else None


@dataclass(frozen=True, slots=True)
class _Newest:
    """Where a look-up reads the newest items and the Message-ID of each: a listing that
    does not wait for the search index, then one batch of partial ``format=metadata`` gets."""

    list_path: str
    list_params: tuple[tuple[str, Any], ...]
    items: str  # the listing's key: "messages", "drafts"
    what: str  # names the item in errors: "message", "draft"
    id_kind: str  # path_id's name of the ID: "message ID", "draft ID"
    get_params: tuple[tuple[str, str], ...]
    message_key: str = ""  # where the message is in a got item ("" = the item itself)

    def scan(
        self, client: GmailClient, message_id_header: str, checked: set[str]
    ) -> tuple[str, dict[str, Any]] | None:
        """(ID, message) of the listed item whose Message-ID header is
        ``message_id_header``; only items not in ``checked`` are fetched (it is updated)."""
        listing = client.get(self.list_path, dict(self.list_params), what=f"{self.what} list")
        found = listing.get(self.items) if isinstance(listing, dict) else None
        refs = [str(m["id"]) for m in found or [] if isinstance(m, dict) and m.get("id")]
        fresh = [i for i in refs if i not in checked]
        if not fresh:
            return None
        done, _failed = client.get_many(
            [(i, f"{self.list_path}/{path_id(i, self.id_kind)}") for i in fresh],
            self.get_params,
            what=self.what,
        )
        checked.update(done)  # parts that failed are read again by the next look-up
        wanted = _bare(message_id_header)
        for key in fresh:
            data = done.get(key)
            message = (
                data.get(self.message_key) if self.message_key and isinstance(data, dict) else data
            )
            if isinstance(message, dict) and _bare(_message_id_of(message)) == wanted:
                return key, message
        return None


# A draft carries the same Message-ID as the mail it becomes, but not the SENT label.
_SENT = _Newest(
    MESSAGES_PATH,
    (
        ("labelIds", "SENT"),
        ("includeSpamTrash", "true"),
        ("maxResults", SENT_SCAN),
        ("fields", "messages(id,threadId)"),
    ),
    "messages",
    "message",
    "message ID",
    (("format", "metadata"), ("metadataHeaders", "Message-ID"), ("fields", _HEADER_FIELDS)),
)


def find_sent(
    client: GmailClient, message_id_header: str, checked: set[str]
) -> dict[str, Any] | None:
    """``{"id", "threadId"}`` of the message labelled SENT whose Message-ID header is
    ``message_id_header``, among the SENT_SCAN newest; None if not among them.

    One ``messages.list(labelIds=SENT)`` and one batch of ``format=metadata`` gets (partial
    responses) for messages not in ``checked``, which is updated.
    """
    found = _SENT.scan(client, message_id_header, checked)
    if found is None:
        return None
    key, data = found
    return {"id": str(data.get("id") or key), "threadId": str(data.get("threadId", ""))}


def _message_id_of(resource: dict[str, Any]) -> str:
    return _header(resource, "message-id")


def _header(resource: dict[str, Any], name: str) -> str:
    """The first ``name`` header (lower case) of a metadata resource; "" if none."""
    headers = (resource.get("payload") or {}).get("headers") or []
    return next(
        (
            str(h.get("value", ""))
            for h in headers
            if isinstance(h, dict) and str(h.get("name", "")).lower() == name
        ),
        "",
    )


def _bare(message_id: str) -> str:
    return message_id.strip().strip("<>").strip()


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
_DRAFTS = _Newest(
    DRAFTS_PATH,
    (("maxResults", DRAFT_SCAN), ("fields", "drafts(id,message(id,threadId))")),
    "drafts",
    "draft",
    "draft ID",
    (("format", "metadata"), ("fields", _DRAFT_FIELDS)),
    message_key="message",
)


def create_draft(
    client: GmailClient,
    raw: bytes | bytearray,
    message_id_header: str,
    *,
    thread_id: str = "",
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Save a new draft at most once; ``message_id_header`` (the Message-ID in ``raw``)
    finds it after an attempt of unknown outcome. Returns ``{"id", "message": {...}}``."""
    client.require("compose")
    metadata = {"message": {"threadId": thread_id}} if thread_id else None
    return _at_most_once(
        client,
        lambda: client.upload("/drafts", raw, metadata=metadata, what="draft"),
        lambda: _draft_or_raise(client, message_id_header, sleep),
        _Write("the draft was not saved"),
        sleep,
    )


def _draft_or_raise(
    client: GmailClient, message_id_header: str, sleep: Callable[[float], None]
) -> dict[str, Any]:
    def failed(exc: GmailApiError) -> SendOutcomeUnknownError:
        return _draft_unknown(message_id_header, f"checking Drafts failed too ({exc})")

    # Gmail may complete a save it did not confirm for a while: only a full window of
    # looking may conclude that it did not save.
    whole_window = client.deadline.remaining() - 5 >= LOOKUP_WINDOW
    found = _keep_looking(
        lambda checked: find_draft(client, message_id_header, checked),
        lambda: _search_drafts(client, message_id_header),
        failed,
        client,
        sleep,
    )
    if found is _UNKNOWN:
        raise _draft_unknown(message_id_header, "Drafts could not be checked either")
    if found is None and not whole_window:
        raise _draft_unknown(
            message_id_header, "this call had too little time left to wait until it appears"
        )
    if found is None:
        raise TransientError(
            f"Gmail did not confirm saving the draft, and no draft with Message-ID "
            f"{message_id_header} has appeared in Drafts: it was not saved. Trying again is "
            "safe (should Gmail still complete the first attempt, a second copy shows in "
            "Drafts; nothing is sent).",
            reason="not_saved",
        )
    log.info("draft save outcome was unknown; the draft is in Drafts, not saving again")
    return found


def _draft_unknown(message_id_header: str, why: str) -> SendOutcomeUnknownError:
    return SendOutcomeUnknownError(
        f"Gmail did not confirm saving the draft, and {why}. It may have been saved: look "
        f"in Drafts (list_drafts, query rfc822msgid:{_bare(message_id_header)}) before "
        "trying again, so that it is not saved twice.",
        reason="unknown_outcome",
    )


def find_draft(
    client: GmailClient, message_id_header: str, checked: set[str]
) -> dict[str, Any] | None:
    """``{"id", "message": {"id", "threadId"}}`` of the draft whose Message-ID header is
    ``message_id_header``, among the DRAFT_SCAN newest; None if not among them.

    One ``drafts.list`` (no query: a listing does not wait for the search index) and one
    batch of ``drafts.get`` (``format=metadata``, partial responses) for drafts not in
    ``checked``, which is updated. Both work with gmail.compose alone.
    """
    found = _DRAFTS.scan(client, message_id_header, checked)
    return None if found is None else _draft_ref(*found)


def _search_drafts(client: GmailClient, message_id_header: str) -> dict[str, Any] | None:
    """Last resort once the window closed: Gmail's search over drafts (``drafts.list`` with
    ``q``), which finds it however many drafts there are, once its index has caught up."""
    listing = client.get(
        DRAFTS_PATH,
        {
            "q": f"rfc822msgid:{_bare(message_id_header)}",
            "maxResults": 1,
            "fields": "drafts(id,message(id,threadId))",
        },
        what="draft list",
    )
    found = listing.get("drafts") if isinstance(listing, dict) else None
    first = found[0] if found else None
    if not isinstance(first, dict) or not first.get("id"):
        return None
    message = first.get("message")
    return _draft_ref(str(first["id"]), message if isinstance(message, dict) else {})


def _draft_ref(draft_id: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": draft_id,
        "message": {"id": str(message.get("id", "")), "threadId": str(message.get("threadId", ""))},
    }


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
    client.require("read_drafts")
    return dict(
        client.get(f"{DRAFTS_PATH}/{path_id(draft_id, 'draft ID')}", {"format": fmt}, what="draft")
        or {}
    )


def send_draft(client: GmailClient, draft_id: str) -> tuple[dict[str, Any], str]:
    """Send a draft once: its Message-ID (read first) decides an unknown outcome.

    Returns Gmail's answer and the draft's From header (what it went out as)."""
    client.require("send")
    draft = client.get(
        f"{DRAFTS_PATH}/{path_id(draft_id, 'draft ID')}",
        {"format": "metadata"},  # drafts.get has no metadataHeaders; all headers come back
        what="draft",
    )
    message = (draft or {}).get("message") if isinstance(draft, dict) else None
    message = message if isinstance(message, dict) else {}
    message_id_header = _message_id_of(message)
    from_header = " ".join(_header(message, "from").split())

    def attempt() -> Any:
        return client.request(
            "POST", DRAFTS_PATH + "/send", json_body={"id": draft_id}, retry=False, what="draft"
        )

    if not message_id_header:
        # Without a Message-ID an unknown outcome cannot be checked: one attempt, and if its
        # outcome is unknown, say so (a sent draft is gone, so a retry cannot send it twice).
        try:
            return dict(attempt() or {}), from_header
        except TransientError as exc:
            if not outcome_unknown(exc):
                raise
            raise SendOutcomeUnknownError(
                f"Gmail did not confirm sending draft {draft_id}. It may have been sent: check "
                "the Sent folder (and whether the draft is still in Drafts) before retrying.",
                status=exc.status,
                reason="unknown_outcome",
            ) from None
    return send_once(client, attempt, message_id_header), from_header


def delete_draft(client: GmailClient, draft_id: str) -> None:
    client.require("compose")
    client.request(
        "DELETE",
        f"{DRAFTS_PATH}/{path_id(draft_id, 'draft ID')}",
        what="draft",
        after_unclear=_gone_already,
    )


def _gone_already(exc: GmailApiError) -> None:
    """A retried delete that finds nothing: the attempt whose answer was lost deleted it."""
    if not isinstance(exc, NotFoundError):
        raise exc
