"""Domain values for a Gmail message as the plugin sees it. No I/O, no parsing here.

``reading`` builds these from Gmail API payloads; ``writing`` uses them to build replies
and forwards; ``render`` turns them into what Dify workflows and agents receive.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Attachment:
    """A real attachment (inline images referenced by Content-ID are not attachments)."""

    filename: str
    mime_type: str
    size: int
    part_id: str
    attachment_id: str | None = None
    # Small parts may arrive inline (payload body.data) instead of via attachmentId.
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    thread_id: str
    label_ids: tuple[str, ...] = ()
    snippet: str = ""
    internal_date: int = 0  # milliseconds since the epoch, Gmail's internalDate
    from_: str = ""
    to: str = ""
    cc: str = ""
    bcc: str = ""
    reply_to: str = ""
    subject: str = ""
    date: str = ""  # ISO 8601 with UTC offset ("" when unknown)
    message_id_header: str = ""
    in_reply_to: str = ""
    references: str = ""
    # Decoded bodies; either may be "" (metadata-only fetches have neither).
    text_body: str = ""
    html_body: str = ""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    # What could not be read, or was cut, in this message (hostile or broken mail): short
    # lines for the user, such as "Could not read this message's From header."
    notes: tuple[str, ...] = ()

    @property
    def unread(self) -> bool:
        return "UNREAD" in self.label_ids

    @property
    def starred(self) -> bool:
        return "STARRED" in self.label_ids

    @property
    def has_attachments(self) -> bool:
        return bool(self.attachments)
