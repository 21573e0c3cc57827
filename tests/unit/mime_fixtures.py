"""Build Gmail-style ``format=full`` resources from real RFC 822 messages.

Tests write mail with Python's ``email`` package and convert it the way Gmail's API shapes
it: partId "" for the root, "0", "1", "1.0" … below; ``body.data`` is base64url of the
transfer-decoded bytes; named parts get an ``attachmentId`` instead of inline data.
"""

from __future__ import annotations

import base64
from email.header import decode_header, make_header
from email.message import Message
from email.mime.base import MIMEBase
from typing import Any


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def part_json(
    mime_type: str,
    *,
    part_id: str = "",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    filename: str = "",
    attachment_id: str | None = None,
    parts: list[dict[str, Any]] | None = None,
    size: int | None = None,
) -> dict[str, Any]:
    """One hand-built payload part."""
    body: dict[str, Any] = {"size": size if size is not None else len(data or b"")}
    if data is not None:
        body["data"] = b64url(data)
    if attachment_id is not None:
        body["attachmentId"] = attachment_id
    header_list = [{"name": k, "value": v} for k, v in (headers or {}).items()]
    if not any(h["name"].lower() == "content-type" for h in header_list):
        header_list.append({"name": "Content-Type", "value": mime_type})
    part: dict[str, Any] = {
        "partId": part_id,
        "mimeType": mime_type,
        "filename": filename,
        "headers": header_list,
        "body": body,
    }
    if parts is not None:
        part["parts"] = parts
    return part


def _gmail_filename(part: Message) -> str:
    name = part.get_filename() or ""
    return str(make_header(decode_header(name))) if "=?" in name else name


def to_payload(
    message: Message, part_id: str = "", *, inline_attachments: bool = False
) -> dict[str, Any]:
    """The payload tree Gmail would return for ``message``."""
    headers = [{"name": name, "value": str(value)} for name, value in message.items()]
    filename = _gmail_filename(message)
    part: dict[str, Any] = {
        "partId": part_id,
        "mimeType": message.get_content_type(),
        "filename": filename,
        "headers": headers,
    }
    prefix = f"{part_id}." if part_id else ""
    if message.is_multipart():
        children = message.get_payload()
        assert isinstance(children, list)
        part["body"] = {"size": 0}
        part["parts"] = [
            to_payload(child, f"{prefix}{index}", inline_attachments=inline_attachments)
            for index, child in enumerate(children)
        ]
        return part
    data = message.get_payload(decode=True)
    assert isinstance(data, bytes)
    if filename and not inline_attachments:
        part["body"] = {"size": len(data), "attachmentId": f"ATT-{part_id or 'root'}"}
    else:
        part["body"] = {"size": len(data), "data": b64url(data)}
    return part


def resource(
    message: Message | dict[str, Any],
    *,
    message_id: str = "m1",
    thread_id: str = "t1",
    labels: tuple[str, ...] = ("INBOX", "UNREAD"),
    snippet: str = "",
    internal_date: str = "1704164645000",
    inline_attachments: bool = False,
) -> dict[str, Any]:
    """A ``users.messages.get`` resource around a message or a ready payload dict."""
    payload = (
        message
        if isinstance(message, dict)
        else to_payload(message, inline_attachments=inline_attachments)
    )
    return {
        "id": message_id,
        "threadId": thread_id,
        "labelIds": list(labels),
        "snippet": snippet,
        "internalDate": internal_date,
        "payload": payload,
    }


def raw_text_part(payload: bytes, charset: str, subtype: str = "plain", **params: str) -> MIMEBase:
    """A text part holding exactly ``payload`` under ``charset`` (no re-encoding by ``email``)."""
    part = MIMEBase("text", subtype, charset=charset, **params)
    part.set_payload(base64.b64encode(payload).decode("ascii"))
    part["Content-Transfer-Encoding"] = "base64"
    return part
