"""What the fake takes from Gmail's discovery document: response schemas (for ``fields``
partial responses) and the label colour palette, so it refuses what Google refuses.

The document ships with google-api-python-client (``requirements-dev.txt``), the same copy the
contract tests read; the fake loads it on first use.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections.abc import Mapping
from typing import Any

from .errors import GoogleError, Response

DOCUMENT = "discovery_cache/documents/gmail.v1.json"

# The discovery method each handler of GmailApi serves (handler name -> method ID); a handler
# serving two methods (update/patch, insert/import) lists one: they answer the same schema.
METHOD_OF_HANDLER = {
    "get_profile": "gmail.users.getProfile",
    "send_as_list": "gmail.users.settings.sendAs.list",
    "send_as_get": "gmail.users.settings.sendAs.get",
    "labels_list": "gmail.users.labels.list",
    "labels_create": "gmail.users.labels.create",
    "labels_get": "gmail.users.labels.get",
    "labels_update": "gmail.users.labels.update",
    "labels_delete": "gmail.users.labels.delete",
    "messages_list": "gmail.users.messages.list",
    "messages_send": "gmail.users.messages.send",
    "messages_batch_modify": "gmail.users.messages.batchModify",
    "messages_batch_delete": "gmail.users.messages.batchDelete",
    "messages_insert": "gmail.users.messages.insert",
    "attachments_get": "gmail.users.messages.attachments.get",
    "messages_get": "gmail.users.messages.get",
    "messages_delete": "gmail.users.messages.delete",
    "messages_modify": "gmail.users.messages.modify",
    "messages_trash": "gmail.users.messages.trash",
    "messages_untrash": "gmail.users.messages.untrash",
    "threads_list": "gmail.users.threads.list",
    "threads_get": "gmail.users.threads.get",
    "threads_modify": "gmail.users.threads.modify",
    "threads_trash": "gmail.users.threads.trash",
    "threads_untrash": "gmail.users.threads.untrash",
    "threads_delete": "gmail.users.threads.delete",
    "drafts_list": "gmail.users.drafts.list",
    "drafts_create": "gmail.users.drafts.create",
    "drafts_send": "gmail.users.drafts.send",
    "drafts_get": "gmail.users.drafts.get",
    "drafts_update": "gmail.users.drafts.update",
    "drafts_delete": "gmail.users.drafts.delete",
}


@functools.cache
def document() -> dict[str, Any]:
    try:
        files = importlib.resources.files("googleapiclient")
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "FakeGoogle reads Gmail's discovery document from google-api-python-client: "
            "install requirements-dev.txt"
        ) from exc
    return dict(json.loads(files.joinpath(DOCUMENT).read_text(encoding="utf-8")))


@functools.cache
def _methods() -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}

    def walk(node: Mapping[str, Any]) -> None:
        for spec in (node.get("methods") or {}).values():
            out[str(spec["id"])] = spec
        for child in (node.get("resources") or {}).values():
            walk(child)

    walk(document())
    return out


def response_schema(handler: str) -> str | None:
    """Name of the schema a handler answers with (None: it answers no body)."""
    method = _methods().get(METHOD_OF_HANDLER.get(handler, ""))
    ref = ((method or {}).get("response") or {}).get("$ref")
    return str(ref) if ref else None


def _schema(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = spec.get("$ref")
    return document()["schemas"][ref] if ref else spec


@functools.cache
def label_palette(prop: str) -> frozenset[str]:
    """The colours ``LabelColor.<prop>`` allows (its description lists them)."""
    text = document()["schemas"]["LabelColor"]["properties"][prop]["description"]
    return frozenset(re.findall(r"#[0-9a-f]{6}", text.lower()))


# -- partial responses (``fields``) --------------------------------------------------------
# A mask as a tree: name -> sub-mask, or None for "the whole value".
Mask = dict[str, "Mask | None"]


def _invalid_fields(selection: str) -> GoogleError:
    """Google's answer to a field name the response does not have."""
    message = f"Invalid field selection {selection}"
    return GoogleError(
        400,
        message,
        "invalidParameter",
        extra={"location": "fields", "locationType": "parameter"},
    )


def parse_mask(text: str) -> Mask:
    """``a,b/c,d(e,f(g))`` -> a tree; raises the 400 Google gives for a malformed mask."""
    pos = 0

    def name() -> str:
        nonlocal pos
        match = re.compile(r"\s*([A-Za-z0-9_*]+)\s*").match(text, pos)
        if match is None:
            raise _invalid_fields(text)
        pos = match.end()
        return match[1]

    def items(closing: str) -> Mask:
        nonlocal pos
        tree: Mask = {}
        while True:
            path = [name()]
            while text.startswith("/", pos):
                pos += 1
                path.append(name())
            sub: Mask | None = None
            if text.startswith("(", pos):
                pos += 1
                sub = items(")")
                pos += 1
            _merge(tree, path, sub)
            if text.startswith(",", pos):
                pos += 1
                continue
            if (closing and text.startswith(closing, pos)) or (not closing and pos == len(text)):
                return tree
            raise _invalid_fields(text)

    return items("")


def _merge(tree: Mask, path: list[str], sub: Mask | None) -> None:
    node = tree
    for key in path[:-1]:
        child = node.get(key, {})
        if child is None:  # already selected whole
            return
        node[key] = child
        node = child
    last = path[-1]
    if last in node and (node[last] is None or sub is None):
        node[last] = None
    elif sub is not None:
        merged = dict(node.get(last) or {})
        for key, value in sub.items():
            _merge(merged, [key], value)
        node[last] = merged
    else:
        node[last] = None


def check_mask(mask: Mask, schema_name: str) -> None:
    """400 for any name the response schema does not have (Google checks before it answers)."""

    def walk(tree: Mask, spec: Mapping[str, Any]) -> None:
        schema = _schema(spec)
        if schema.get("type") == "array":
            schema = _schema(schema.get("items") or {})
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, sub in tree.items():
            if key == "*":
                continue
            if props is not None and key in props:
                prop: Mapping[str, Any] = props[key]
            elif isinstance(extra, dict):
                prop = extra
            else:
                raise _invalid_fields(key)
            if sub is not None:
                inner = _schema(prop)
                if inner.get("type") == "array":
                    inner = _schema(inner.get("items") or {})
                if "properties" not in inner and not isinstance(
                    inner.get("additionalProperties"), dict
                ):
                    raise _invalid_fields(key)
                walk(sub, inner)

    walk(mask, {"$ref": schema_name})


def apply_mask(mask: Mask, value: Any) -> Any:
    """Only the selected fields; fields the resource lacks stay absent (as Google does)."""
    if isinstance(value, list):
        return [apply_mask(mask, item) for item in value]
    if not isinstance(value, dict) or "*" in mask:
        return value
    out = {}
    for key, sub in mask.items():
        if key in value:
            out[key] = value[key] if sub is None else apply_mask(sub, value[key])
    return out


@functools.lru_cache(maxsize=256)
def selection(fields: str | None, handler: str) -> Mask | None:
    """The checked mask of a request's ``fields`` parameter (None: the whole answer).

    Kept per (mask, handler): clients send the same few masks over and over, and parsing
    one costs more than answering from ``cache_answers``. Callers must not change it.
    """
    if not fields or not fields.strip():
        return None
    mask = parse_mask(fields)
    schema = response_schema(handler)
    if schema is not None:
        check_mask(mask, schema)
    return mask


def partial(mask: Mask | None, resp: Response) -> Response:
    """The answer cut down to ``mask`` (errors and empty answers pass unchanged)."""
    if mask is None or resp.status != 200 or not resp.body:
        return resp
    body = apply_mask(mask, json.loads(resp.body))
    others = [(k, v) for k, v in resp.headers if k.lower() != "content-type"]
    return Response.json(body, resp.status, others)


__all__ = [
    "METHOD_OF_HANDLER",
    "Mask",
    "apply_mask",
    "check_mask",
    "document",
    "label_palette",
    "parse_mask",
    "partial",
    "response_schema",
    "selection",
]
