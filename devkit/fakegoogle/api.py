"""Gmail API v1 request routing: paths, parameters and shapes per the discovery document."""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from . import discovery, errors
from .errors import GoogleError, Response
from .mailbox import Mailbox, StoredMessage, valid_hex_id
from .mime import b64decode_any, b64url, content_type_params, leaf_data, split_multipart

# Scopes per method (short names after .../auth/; "" = https://mail.google.com/).
READ = ("", "gmail.modify", "gmail.readonly", "gmail.metadata")
READ_BODY = ("", "gmail.modify", "gmail.readonly")
PROFILE = ("", "gmail.compose", "gmail.metadata", "gmail.modify", "gmail.readonly")
LABELS_READ = ("", "gmail.labels", "gmail.metadata", "gmail.modify", "gmail.readonly")
LABELS_WRITE = ("", "gmail.labels", "gmail.modify")
MODIFY = ("", "gmail.modify")
SETTINGS_READ = ("", "gmail.modify", "gmail.readonly", "gmail.settings.basic")
DELETE = ("",)
SEND = ("", "gmail.compose", "gmail.modify", "gmail.send")
INSERT = ("", "gmail.insert", "gmail.modify")
DRAFT_WRITE = ("", "gmail.compose", "gmail.modify")
DRAFT_READ = ("", "gmail.compose", "gmail.modify", "gmail.readonly")

MESSAGE_FORMATS = ("minimal", "full", "raw", "metadata")
THREAD_FORMATS = ("minimal", "full", "metadata")
RAW_REQUIRED = "'raw' RFC822 payload message string or uploading message via /upload/* URL required"
PAGE_BASE = 10**19


@dataclass
class UploadSession:
    """A resumable upload in progress (``uploadType=resumable``)."""

    method: str
    path: str
    query: dict[str, list[str]]
    token: str | None
    meta: dict[str, Any]
    content_type: str
    data: bytearray = field(default_factory=bytearray)


class DropConnection(Exception):
    """The server must close the connection without answering (after doing the work)."""


class LateSend(Exception):
    """A send Gmail accepted but completes only ``delay`` seconds later: the server holds the
    connection unanswered that long (outside the mailbox lock), runs ``complete`` (the
    message lands in Sent), then drops the connection. A client that gave up meanwhile must
    find the message by itself."""

    def __init__(self, delay: float, complete: Callable[[], object]) -> None:
        super().__init__(delay)
        self.delay = delay
        self.complete = complete


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    token: str | None
    in_batch: bool = False
    upload: bool = field(init=False, default=False)
    resumed: tuple[dict[str, Any], bytes] | None = field(init=False, default=None)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def params(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def flag(self, name: str) -> bool:
        return (self.param(name) or "false").lower() == "true"

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            return {}
        try:
            obj = json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise GoogleError(400, f"Invalid JSON payload received. {exc}", "invalid") from exc
        if not isinstance(obj, dict):
            raise GoogleError(400, "Invalid JSON payload received. Expected an object.", "invalid")
        return obj


Handler = Callable[[ApiRequest, Mailbox, re.Match[str]], Response]


def _html_404(path: str) -> Response:
    body = (
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
        "  <title>Error 404 (Not Found)!!1</title>\n"
        f"  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>{path}</code>"
        " was not found on this server.  <ins>That’s all we know.</ins>\n"
    )
    return Response(404, body.encode(), [("Content-Type", "text/html; charset=UTF-8")])


def _max_results(req: ApiRequest) -> int:
    value = req.param("maxResults")
    if value is None:
        return 100
    if not value.isdigit():
        raise errors.invalid(f"Invalid value at 'max_results' (TYPE_UINT32), \"{value}\"")
    return min(int(value), 500) or 100


def _page_start(req: ApiRequest) -> int:
    token = req.param("pageToken")
    if not token:
        return 0
    if not token.isdigit() or int(token) < PAGE_BASE:
        raise errors.invalid("Invalid pageToken")
    return int(token) - PAGE_BASE


def _paginate(req: ApiRequest, items: list[Any]) -> tuple[list[Any], str | None]:
    start, size = _page_start(req), _max_results(req)
    page = items[start : start + size]
    more = start + size < len(items)
    return page, str(PAGE_BASE + start + size) if more else None


def _format(req: ApiRequest, allowed: tuple[str, ...]) -> str:
    fmt = (req.param("format") or "full").lower()
    if fmt not in allowed:
        raise errors.invalid(
            f"Invalid value at 'format' (type.googleapis.com/caribou.api.proto.MessageFormat), "
            f'"{req.param("format")}"'
        )
    return fmt


def _metadata_only(box: Mailbox) -> bool:
    return box.has_scope("gmail.metadata") and not box.has_scope(*READ_BODY)


def _forbidden(message: str) -> GoogleError:
    return GoogleError(403, message, "forbidden", status="PERMISSION_DENIED")


# GETs whose answers a mailbox with ``cache_answers`` keeps (see Mailbox.answer).
_CACHED_HANDLERS = frozenset(
    {"messages_get", "threads_get", "drafts_get", "labels_get", "messages_list"}
)


def _cache_key(req: ApiRequest, handler: Handler, box: Mailbox) -> tuple[Any, ...] | None:
    """What a GET's answer depends on besides the mailbox: the path and every query
    parameter (format, metadataHeaders, fields, prettyPrint, q, labelIds...). None: never
    cached, nor is a listing that changes with time alone (``_listing_changes_with_time``)."""
    name = getattr(handler, "__name__", "")
    if req.method != "GET" or name not in _CACHED_HANDLERS:
        return None
    if name == "messages_list" and _listing_changes_with_time(req, box):
        return None
    return (req.path, tuple(sorted((k, tuple(v)) for k, v in req.query.items())))


def _listing_changes_with_time(req: ApiRequest, box: Mailbox) -> bool:
    """A search relative to now (``newer_than:``, ``older_than:``), or a mailbox whose search
    index lags: new mail reaches ``q=`` later, without any change to the mailbox."""
    query = (req.param("q") or "").lower()
    if "newer_than" in query or "older_than" in query or box.search_index_lag_s > 0:
        return True
    now = time.monotonic()
    return any(m.searchable_at > now for m in box.messages.values())


def _answered(
    handler: Handler, req: ApiRequest, box: Mailbox, match: re.Match[str], mask: Any
) -> Response:
    """The handler's answer cut down to the request's field mask."""
    return discovery.partial(mask, handler(req, box, match))


def _label_color(color: Any) -> dict[str, str] | None:
    """A label colour Gmail accepts: both colours given, each from LabelColor's palette."""
    if color is None:
        return None
    if not isinstance(color, dict):
        raise errors.invalid("Invalid value at 'label.color', expected an object")
    for prop in ("backgroundColor", "textColor"):
        value = color.get(prop)
        if not isinstance(value, str) or not value:
            raise errors.invalid(f"Label color {prop} is required to set a label color")
        if value.lower() not in discovery.label_palette(prop):
            raise errors.invalid(f"Label color {value} is not on the allowed color palette")
    return {"backgroundColor": color["backgroundColor"], "textColor": color["textColor"]}


def _short(msg: StoredMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"id": msg.id, "threadId": msg.thread_id}
    if msg.label_ids:
        out["labelIds"] = list(msg.label_ids)
    return out


class GmailApi:
    """Routes one Gmail request (outer or batch-inner) to a mailbox."""

    def __init__(
        self,
        mailbox_for_token: Callable[[str], Mailbox | None],
        on_unknown_token: Callable[[], None],
        drop_after_send: Callable[[], bool],
        max_json_body_bytes: Callable[[], int | None],
    ) -> None:
        self._mailbox_for_token = mailbox_for_token
        self._on_unknown_token = on_unknown_token
        self._drop_after_send = drop_after_send
        self._max_json = max_json_body_bytes
        # Set by FakeGoogle: seconds the next send takes to complete (None = at once).
        self.late_send_delay: Callable[[], float | None] = lambda: None
        # Set by FakeGoogle: whether to drop the connection after saving the next new draft.
        self.drop_after_draft: Callable[[], bool] = lambda: False
        u = r"/gmail/v1/users/(?P<user>[^/]+)"
        up = r"/upload/gmail/v1/users/(?P<user>[^/]+)"
        i = r"(?P<id>[^/]+)"
        routes: list[tuple[str, str, tuple[str, ...], Handler]] = [
            ("GET", u + r"/profile", PROFILE, self.get_profile),
            ("GET", u + r"/settings/sendAs", SETTINGS_READ, self.send_as_list),
            ("GET", u + r"/settings/sendAs/" + i, SETTINGS_READ, self.send_as_get),
            ("GET", u + r"/labels", LABELS_READ, self.labels_list),
            ("POST", u + r"/labels", LABELS_WRITE, self.labels_create),
            ("GET", u + r"/labels/" + i, LABELS_READ, self.labels_get),
            ("PUT", u + r"/labels/" + i, LABELS_WRITE, self.labels_update),
            ("PATCH", u + r"/labels/" + i, LABELS_WRITE, self.labels_update),
            ("DELETE", u + r"/labels/" + i, LABELS_WRITE, self.labels_delete),
            ("GET", u + r"/messages", READ, self.messages_list),
            ("POST", u + r"/messages/send", SEND, self.messages_send),
            ("POST", up + r"/messages/send", SEND, self.messages_send),
            ("POST", u + r"/messages/batchModify", MODIFY, self.messages_batch_modify),
            ("POST", u + r"/messages/batchDelete", DELETE, self.messages_batch_delete),
            ("POST", u + r"/messages", INSERT, self.messages_insert),
            ("POST", up + r"/messages", INSERT, self.messages_insert),
            ("POST", u + r"/messages/import", INSERT, self.messages_insert),
            ("POST", up + r"/messages/import", INSERT, self.messages_insert),
            ("GET", u + r"/messages/(?P<mid>[^/]+)/attachments/" + i, READ_BODY,
             self.attachments_get),
            ("GET", u + r"/messages/" + i, READ, self.messages_get),
            ("DELETE", u + r"/messages/" + i, DELETE, self.messages_delete),
            ("POST", u + r"/messages/" + i + r"/modify", MODIFY, self.messages_modify),
            ("POST", u + r"/messages/" + i + r"/trash", MODIFY, self.messages_trash),
            ("POST", u + r"/messages/" + i + r"/untrash", MODIFY, self.messages_untrash),
            ("GET", u + r"/threads", READ, self.threads_list),
            ("GET", u + r"/threads/" + i, READ, self.threads_get),
            ("POST", u + r"/threads/" + i + r"/modify", MODIFY, self.threads_modify),
            ("POST", u + r"/threads/" + i + r"/trash", MODIFY, self.threads_trash),
            ("POST", u + r"/threads/" + i + r"/untrash", MODIFY, self.threads_untrash),
            ("DELETE", u + r"/threads/" + i, DELETE, self.threads_delete),
            ("GET", u + r"/drafts", DRAFT_READ, self.drafts_list),
            ("POST", u + r"/drafts", DRAFT_WRITE, self.drafts_create),
            ("POST", up + r"/drafts", DRAFT_WRITE, self.drafts_create),
            ("POST", u + r"/drafts/send", DRAFT_WRITE, self.drafts_send),
            ("POST", up + r"/drafts/send", DRAFT_WRITE, self.drafts_send),
            ("GET", u + r"/drafts/" + i, DRAFT_READ, self.drafts_get),
            ("PUT", u + r"/drafts/" + i, DRAFT_WRITE, self.drafts_update),
            ("PUT", up + r"/drafts/" + i, DRAFT_WRITE, self.drafts_update),
            ("DELETE", u + r"/drafts/" + i, DRAFT_WRITE, self.drafts_delete),
        ]  # fmt: skip
        self._routes = [(m, re.compile(p + r"/?"), s, h) for m, p, s, h in routes]
        self._uploads: dict[str, UploadSession] = {}
        self._upload_seq = 0
        self._uploads_lock = threading.Lock()

    # --- dispatch -----------------------------------------------------------------------
    def handle(self, req: ApiRequest) -> Response:
        compact = errors.compact_json.set((req.param("prettyPrint") or "").lower() == "false")
        try:
            return self._dispatch(req)
        except GoogleError as err:
            return err.response()
        finally:
            errors.compact_json.reset(compact)

    def _dispatch(self, req: ApiRequest) -> Response:
        upload_id = req.param("upload_id")
        if req.path.startswith("/upload/") and upload_id and req.resumed is None:
            return self._resume(req, upload_id)
        for method, pattern, scopes, handler in self._routes:
            match = pattern.fullmatch(req.path)
            if match is None or method != req.method:
                continue
            req.upload = req.path.startswith("/upload/")
            box = self._authenticate(req)
            user = match["user"]
            if user != "me" and user.lower() != box.email.lower():
                raise _forbidden(f"Delegation denied for {box.email}")
            if not box.has_scope(*scopes):
                raise errors.insufficient_scope(handler.__name__)
            if req.upload and req.resumed is None and req.param("uploadType") == "resumable":
                return self._start_resumable(req)
            limit = self._max_json()
            if limit is not None and not req.upload and len(req.body) > limit:
                raise GoogleError(413, "Request payload size exceeds the limit.", "badRequest")
            # A bad field mask is refused before anything is done (a send does not go out).
            mask = discovery.selection(req.param("fields"), handler.__name__)
            with box.lock:
                build = functools.partial(_answered, handler, req, box, match, mask)
                return box.answer(req.method, _cache_key(req, handler, box), build)
        return _html_404(req.path)

    def _authenticate(self, req: ApiRequest) -> Mailbox:
        if not req.token:
            raise errors.missing_credentials()
        box = self._mailbox_for_token(req.token)
        if box is None:
            self._on_unknown_token()
            raise errors.invalid_credentials()
        return box

    # --- resumable uploads ----------------------------------------------------------------
    def _start_resumable(self, req: ApiRequest) -> Response:
        meta = req.json()
        ctype = req.headers.get("x-upload-content-type", "message/rfc822")
        with self._uploads_lock:
            self._upload_seq += 1
            upload_id = f"ADPycdv{self._upload_seq:012d}"
            self._uploads[upload_id] = UploadSession(
                req.method, req.path, req.query, req.token, meta, ctype
            )
        host = req.headers.get("host", "127.0.0.1")
        query = urlencode({**{k: v[0] for k, v in req.query.items()}, "upload_id": upload_id})
        location = f"http://{host}{req.path}?{query}"
        return Response(200, b"", [("Location", location), ("X-GUploader-UploadID", upload_id)])

    def _resume(self, req: ApiRequest, upload_id: str) -> Response:
        with self._uploads_lock:
            session = self._uploads.get(upload_id)
        if session is None:
            raise errors.not_found()
        crange = req.headers.get("content-range", "")
        m = re.fullmatch(r"bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)", crange.strip())
        if m and m[1] is not None:
            start = int(m[1])
            session.data[start:] = req.body
        elif not m:
            session.data[:] = req.body
        total = int(m[3]) if m and m[3] != "*" else (None if m else len(session.data))
        if total is None or len(session.data) < total:
            headers = [("Range", f"bytes=0-{len(session.data) - 1}")] if session.data else []
            return Response(308, b"", headers)
        with self._uploads_lock:
            self._uploads.pop(upload_id, None)
        final = ApiRequest(session.method, session.path, session.query, req.headers, b"",
                           session.token)  # fmt: skip
        final.resumed = (session.meta, self._media(session.content_type, bytes(session.data)))
        return self._dispatch(final)

    def _after_send(self) -> None:
        if self._drop_after_send():
            raise DropConnection

    # --- message content from JSON or upload bodies -------------------------------------
    def _content(self, req: ApiRequest, draft: bool) -> tuple[dict[str, Any], bytes | None]:
        """(metadata JSON, raw RFC 822 or None) of a send/insert/draft request."""
        if req.resumed is not None:
            return req.resumed
        if not req.upload:
            meta = req.json()
            message = meta.get("message", {}) if draft else meta
            raw = message.get("raw") if isinstance(message, dict) else None
            if raw is None:
                return meta, None
            try:
                return meta, b64decode_any(str(raw))
            except ValueError as exc:
                raise errors.invalid(
                    "Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed"
                ) from exc
        upload_type = (req.param("uploadType") or "media").lower()
        ctype = req.headers.get("content-type", "")
        if upload_type == "media":
            return {}, self._media(ctype, req.body)
        if upload_type == "multipart":
            mime_type, params = content_type_params(ctype)
            if mime_type != "multipart/related":
                # Google's multipart upload protocol is multipart/related, nothing else.
                raise errors.bad_request(
                    f"Invalid multipart request: Content-Type must be multipart/related, "
                    f"not '{mime_type}'."
                )
            if "boundary" not in params:
                raise errors.bad_request("Invalid multipart request with 0 mime parts.")
            parts = split_multipart(req.body, params["boundary"])
            if len(parts) != 2:
                raise errors.bad_request(f"Invalid multipart request with {len(parts)} mime parts.")
            (_, meta_bytes), (media_headers, media) = parts
            meta = ApiRequest("POST", "", {}, {}, meta_bytes, None).json()
            return meta, self._media(media_headers.get("Content-Type", ""), media)
        raise errors.bad_request(f"Unsupported upload type: {upload_type}")

    @staticmethod
    def _media(content_type: str, data: bytes) -> bytes:
        mime_type = content_type.split(";")[0].strip().lower()
        if not mime_type.startswith("message/"):
            raise errors.bad_request(
                f"Media type '{mime_type}' is not supported. Valid media types: [message/*]"
            )
        return data

    # --- users ----------------------------------------------------------------------------
    def send_as_list(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        return Response.json(box.send_as_list())

    def send_as_get(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        return Response.json(box.send_as_get(unquote(m["id"])))

    def get_profile(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        return Response.json(box.profile())

    # --- labels ---------------------------------------------------------------------------
    def labels_list(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        return Response.json({"labels": [lab.summary() for lab in box.labels.values()]})

    def labels_get(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        label = box.labels.get(m["id"])
        if label is None:
            raise errors.not_found()
        return Response.json(box.label_json(label))

    def labels_create(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        body = req.json()
        name = str(body.get("name", "")).strip()
        if not name or (name.upper() in box.labels and box.labels[name.upper()].type == "system"):
            raise errors.invalid("Invalid label name")
        label_id = box.add_label(
            name,
            message_list_visibility=body.get("messageListVisibility", "show"),
            label_list_visibility=body.get("labelListVisibility", "labelShow"),
            color=_label_color(body.get("color")),
        )
        return Response.json(box.labels[label_id].summary())

    def labels_update(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        label = box.labels.get(m["id"])
        if label is None:
            raise errors.not_found()
        if label.type == "system":
            raise errors.invalid("Invalid label name")
        body = req.json()
        name = body.get("name", label.name if req.method == "PATCH" else None)
        if not name:
            raise errors.invalid("Invalid label name")
        other = box.label_by_name(name)
        if other is not None and other.id != label.id:
            raise GoogleError(409, "Label name exists or conflicts", "duplicate")
        label.name = name
        label.message_list_visibility = body.get(
            "messageListVisibility", label.message_list_visibility
        )
        label.label_list_visibility = body.get("labelListVisibility", label.label_list_visibility)
        label.color = _label_color(body.get("color")) or label.color
        return Response.json(label.summary())

    def labels_delete(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        label = box.labels.get(m["id"])
        if label is None:
            raise errors.not_found()
        if label.type == "system":
            raise errors.invalid("Invalid delete request")
        del box.labels[label.id]
        for msg in box.messages.values():
            if label.id in msg.label_ids:
                msg.label_ids.remove(label.id)
        return Response.empty()

    # --- messages -------------------------------------------------------------------------
    def _search(self, req: ApiRequest, box: Mailbox) -> list[StoredMessage]:
        q = req.param("q")
        if q and _metadata_only(box):
            raise _forbidden("Metadata scope does not support 'q' parameter")
        return box.search(q, req.params("labelIds"), req.flag("includeSpamTrash"))

    def messages_list(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        found = self._search(req, box)
        page, next_token = _paginate(req, found)
        out: dict[str, Any] = {}
        if page:
            out["messages"] = [{"id": x.id, "threadId": x.thread_id} for x in box.page_order(page)]
        if next_token:
            out["nextPageToken"] = next_token
        out["resultSizeEstimate"] = len(found)
        return Response.json(out)

    def messages_get(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        fmt = _format(req, MESSAGE_FORMATS)
        if fmt in ("full", "raw") and _metadata_only(box):
            raise _forbidden(f"Metadata scope doesn't allow format {fmt.upper()}")
        msg = box.get(m["id"])
        return Response.json(box.render(msg, fmt, req.params("metadataHeaders") or None))

    def attachments_get(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        msg = box.get(m["mid"])
        part = box.resolve_attachment(msg, m["id"])
        data = leaf_data(part, box.reencode_text_to_utf8)
        return Response.json({"size": len(data), "data": b64url(data)})

    def messages_modify(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        body = req.json()
        msg = box.get(m["id"])
        box.modify(msg, body.get("addLabelIds", []), body.get("removeLabelIds", []))
        return Response.json(_short(msg))

    def messages_batch_modify(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        body = req.json()
        ids = body.get("ids") or []
        if len(ids) > 1000:
            raise errors.invalid("Too many messages to modify: max 1000")
        add, remove = body.get("addLabelIds", []), body.get("removeLabelIds", [])
        box.check_labels([*add, *remove])
        for i in ids:
            if not valid_hex_id(str(i)):
                raise errors.invalid("Invalid id value")
        msgs = [box.messages[str(i).lower()] for i in ids if str(i).lower() in box.messages]
        for msg in msgs:
            box.modify(msg, add, remove)
        return Response.empty()

    def messages_batch_delete(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        for i in req.json().get("ids") or []:
            msg = box.messages.get(str(i).lower())
            if msg is not None:
                box.delete(msg)
        return Response.empty()

    def messages_delete(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        box.delete(box.get(m["id"]))
        return Response.empty()

    def messages_trash(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        msg = box.get(m["id"])
        box.trash(msg)
        return Response.json(_short(msg))

    def messages_untrash(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        msg = box.get(m["id"])
        box.untrash(msg)
        return Response.json(_short(msg))

    def messages_send(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        meta, raw = self._content(req, draft=False)
        if not raw:
            raise errors.invalid(RAW_REQUIRED)
        delay = self.late_send_delay()
        if delay is not None:
            box.check_send(raw, meta.get("threadId"))
            thread_id = meta.get("threadId")
            raise LateSend(delay, lambda: box.send(raw, thread_id))
        msg = box.send(raw, meta.get("threadId"))
        self._after_send()
        return Response.json({"id": msg.id, "threadId": msg.thread_id, "labelIds": ["SENT"]})

    def messages_insert(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        meta, raw = self._content(req, draft=False)
        if not raw:
            raise errors.invalid(RAW_REQUIRED)
        labels = meta.get("labelIds") or []
        box.check_labels([lid for lid in labels if lid not in ("SENT", "DRAFT")])
        msg_id = box.add_message(raw, labels, thread_id=meta.get("threadId"))
        return Response.json(_short(box.messages[msg_id]))

    # --- threads --------------------------------------------------------------------------
    def threads_list(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        found = self._search(req, box)
        threads: dict[str, StoredMessage] = {}
        for msg in found:
            threads.setdefault(msg.thread_id, msg)
        page, next_token = _paginate(req, list(threads.values()))
        out: dict[str, Any] = {}
        if page:
            out["threads"] = [
                {"id": t.thread_id, "snippet": t.snippet, "historyId": str(t.history_id)}
                for t in box.page_order(page)
            ]
        if next_token:
            out["nextPageToken"] = next_token
        out["resultSizeEstimate"] = len(threads)
        return Response.json(out)

    def _thread_json(self, box: Mailbox, thread_id: str, fmt: str, headers: list[str] | None):
        msgs = box.thread(thread_id)
        return {
            "id": thread_id.lower(),
            "historyId": str(max(x.history_id for x in msgs)),
            "messages": [box.render(x, fmt, headers) for x in msgs],
        }

    def threads_get(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        fmt = _format(req, THREAD_FORMATS)
        if fmt == "full" and _metadata_only(box):
            raise _forbidden("Metadata scope doesn't allow format FULL")
        headers = req.params("metadataHeaders") or None
        return Response.json(self._thread_json(box, m["id"], fmt, headers))

    def threads_modify(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        body = req.json()
        for msg in box.thread(m["id"]):
            box.modify(msg, body.get("addLabelIds", []), body.get("removeLabelIds", []))
        return Response.json(self._thread_json(box, m["id"], "minimal", None))

    def threads_trash(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        for msg in box.thread(m["id"]):
            box.trash(msg)
        return Response.json(self._thread_json(box, m["id"], "minimal", None))

    def threads_untrash(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        for msg in box.thread(m["id"]):
            box.untrash(msg)
        return Response.json(self._thread_json(box, m["id"], "minimal", None))

    def threads_delete(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        for msg in box.thread(m["id"]):
            box.delete(msg)
        return Response.empty()

    # --- drafts ---------------------------------------------------------------------------
    @staticmethod
    def _draft_short(box: Mailbox, draft_id: str) -> dict[str, Any]:
        draft = box.get_draft(draft_id)
        return {"id": draft.id, "message": _short(box.messages[draft.message_id])}

    def drafts_list(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        by_message = {d.message_id: d for d in box.drafts.values()}
        candidates = [box.messages[i] for i in by_message if i in box.messages]
        found = box.search(req.param("q"), (), req.flag("includeSpamTrash"), candidates)
        page, next_token = _paginate(req, found)
        out: dict[str, Any] = {}
        if page:
            out["drafts"] = [
                {"id": by_message[x.id].id, "message": {"id": x.id, "threadId": x.thread_id}}
                for x in box.page_order(page)
            ]
        if next_token:
            out["nextPageToken"] = next_token
        out["resultSizeEstimate"] = len(found)
        return Response.json(out)

    def drafts_get(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        fmt = _format(req, MESSAGE_FORMATS)
        draft = box.get_draft(m["id"])
        msg = box.messages[draft.message_id]
        return Response.json({"id": draft.id, "message": box.render(msg, fmt)})

    @staticmethod
    def _draft_thread(meta: dict[str, Any]) -> str | None:
        message = meta.get("message")
        return message.get("threadId") if isinstance(message, dict) else None

    def drafts_create(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        meta, raw = self._content(req, draft=True)
        if not raw:
            raise errors.invalid("Missing draft message")
        draft = box.create_draft(raw, self._draft_thread(meta))
        if self.drop_after_draft():
            raise DropConnection
        return Response.json(self._draft_short(box, draft.id))

    def drafts_update(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        meta, raw = self._content(req, draft=True)
        box.get_draft(m["id"])
        if not raw:
            raise errors.invalid("Missing draft message")
        draft = box.update_draft(m["id"], raw, self._draft_thread(meta))
        return Response.json(self._draft_short(box, draft.id))

    def drafts_send(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        meta, raw = self._content(req, draft=True)
        draft_id = meta.get("id")
        if not draft_id:
            raise errors.invalid("Invalid draft")
        box.get_draft(str(draft_id))
        if raw:
            box.update_draft(str(draft_id), raw, self._draft_thread(meta))
        delay = self.late_send_delay()
        if delay is not None:
            box.check_send_draft(str(draft_id))
            raise LateSend(delay, lambda: box.send_draft(str(draft_id)))
        msg = box.send_draft(str(draft_id))
        self._after_send()
        return Response.json({"id": msg.id, "threadId": msg.thread_id, "labelIds": ["SENT"]})

    def drafts_delete(self, req: ApiRequest, box: Mailbox, m: re.Match[str]) -> Response:
        box.delete_draft(m["id"])
        return Response.empty()
