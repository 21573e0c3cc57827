"""What each of Dify's three consumers gets from one tool invocation.

Input: the session's stream messages exactly as the plugin process writes them (the
``data`` of each ``stream`` event, e.g. ``SessionResult.messages``) and the session's error
(``SessionResult.error``) when it failed. Output, rendered as Dify does it:

- ``tool_node``: a workflow Tool node's outputs — ``text`` (all text messages joined),
  ``json`` (the list of json messages), ``files`` (blobs, chunks reassembled), and one
  output per variable message;
- ``agent_node``: the string the LLM of a workflow/chatflow Agent node reads (the
  ``langgenius/agent`` strategies, FunctionCalling and ReAct, version 0.0.45): text as is,
  ``tool response: <json>.`` per json message, nothing for a variable, a fixed sentence per
  file;
- ``agent_app``: the string the LLM of a classic Agent app reads (Dify 1.11
  ``ToolEngine._convert_tool_response_to_str`` after ``ToolFileMessageTransformer``): text as
  is, ``str()`` of every other message object (``variable_name='x' variable_value=...
  stream=False``), json dumps appended last unless equal to a text part, all joined with "".

A failed invocation (the plugin's session ``error``) is shown by ``error_text``, per
consumer: Dify turns it into an exception — its own ``Invoke*Error`` holding only the message
when the plugin's error has one of the five ``INVOKE_ERRORS`` names, else a
``PluginInvokeError`` whose text is the daemon's JSON of the error (message, type and the
SDK's traceback) — and each consumer words that exception its own way.

Sources: langgenius/dify ``api/core/tools/tool_engine.py``,
``api/core/tools/utils/message_transformer.py``, ``api/core/plugin/impl/exc.py``,
``api/core/plugin/impl/base.py``, ``api/core/workflow/nodes/tool/tool_node.py``,
``api/core/workflow/nodes/base/node.py``, ``api/core/plugin/backwards_invocation/base.py``;
langgenius/dify-official-plugins ``agent-strategies/cot_agent/strategies/function_calling.py``
and ``ReAct.py``; langgenius/dify-plugin-daemon ``pkg/entities/plugin_entities/event.go``,
``internal/core/dify_invocation/calldify/http_request.go``,
``internal/core/io_tunnel/backwards_invocation/task.go``.
This module must not import ``dify_plugin`` (importing it gevent-patches the process); the
``str()`` of Dify's message models is reproduced with pydantic models of the same fields.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

Strategy = Literal["function_calling", "react"]
Consumer = Literal["tool_node", "agent_node", "agent_app"]

#: Dify's request id in ``str(PluginDaemonError)``; random per request there, fixed here.
REQUEST_ID = "5f3c9a1b2e"
#: The Tool node's ``provider_name`` for this plugin: plugin ID and provider.
PROVIDER_NAME = "inboxworks/gmail/gmail"
#: Plugin error names that Dify re-raises as its own exception of the same name, whose
#: ``str()`` is only the description (``BasePluginClient._handle_plugin_daemon_error``).
INVOKE_ERRORS = frozenset(
    {
        "InvokeRateLimitError",
        "InvokeAuthorizationError",
        "InvokeBadRequestError",
        "InvokeConnectionError",
        "InvokeServerUnavailableError",
    }
)

_IMAGE_SENTENCE = (
    "image has been created and sent to user already, you do not need to create it, just tell "
    "the user to check it now."
)


class _TextMessage(BaseModel):  # Dify's ToolInvokeMessage.TextMessage: str() is "text='...'"
    text: str


class _VariableMessage(BaseModel):  # Dify's ToolInvokeMessage.VariableMessage
    variable_name: str
    variable_value: Any
    stream: bool = False


@dataclass(frozen=True)
class File:
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class Message:
    """One message as Dify handles it: blob chunks already joined into one blob."""

    type: str
    body: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)
    file: File | None = None


@dataclass(frozen=True)
class ToolNodeOutputs:
    text: str
    json: list[Any]
    files: list[File]
    variables: dict[str, Any]
    #: when the invocation failed: the node's error, which its fail branch or default value
    #: also outputs as ``error_message``, and ``error_type`` beside it
    error: str | None = None
    error_type: str | None = None


def dify_messages(stream: Iterable[Mapping[str, Any]]) -> list[Message]:
    """The stream as Dify sees it: the daemon joins ``blob_chunk`` messages into one blob."""
    out: list[Message] = []
    chunks: dict[str, list[bytes]] = {}
    for m in stream:
        kind = str(m.get("type"))
        body = m.get("message") or {}
        meta = m.get("meta") or {}
        if kind == "blob_chunk":
            chunks.setdefault(body["id"], []).append(base64.b64decode(body["blob"]))
            if not body.get("end"):
                continue
            data = b"".join(chunks.pop(body["id"]))
            kind = "blob"
        elif kind == "blob":
            data = base64.b64decode(body["blob"])
        else:
            out.append(Message(kind, body, meta))
            continue
        file = File(str(meta.get("filename") or ""), str(meta.get("mime_type") or ""), data)
        out.append(Message("blob", {}, meta, file))
    return out


def _is_image(m: Message) -> bool:
    return m.file is not None and "image" in m.file.mime_type


def _tool_file_url(m: Message, index: int) -> str:
    """``/files/tools/<tool file id><extension>`` as ToolFileMessageTransformer writes it."""
    assert m.file is not None
    mime = m.file.mime_type or "application/octet-stream"
    return f"/files/tools/{uuid.UUID(int=index + 1)}{mimetypes.guess_extension(mime) or '.bin'}"


def go_json(value: object) -> str:
    """``json.Marshal`` of a Go map, as the plugin daemon writes the plugin's error: sorted
    keys, no spaces, UTF-8 kept, and ``<``, ``>``, ``&``, U+2028, U+2029 escaped."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def dify_exception_text(error: Mapping[str, Any]) -> str:
    """``str()`` of the exception Dify raises for the plugin's error.

    One of ``INVOKE_ERRORS``: Dify's exception of that name with the description only (Dify
    1.7-1.11 take ``args["description"]``, 1.12+ ``message``; dify_plugin sends both as
    ``str(error)``). Any other name: ``PluginInvokeError``, whose description is the daemon's
    JSON of the whole error, traceback included.
    """
    error_type = str(error.get("error_type", ""))
    if error_type in INVOKE_ERRORS:
        return str((error.get("args") or {}).get("description") or error_type)
    daemon_json = go_json(
        {
            "args": error.get("args") or {},
            "error_type": error_type,
            "message": error.get("message", ""),
        }
    )
    return f"req_id: {REQUEST_ID} PluginInvokeError: {daemon_json}"


def error_text(error: Mapping[str, Any], consumer: Consumer) -> str:
    """What a consumer shows when the tool failed (Dify 1.11, Agent Strategies 0.0.45).

    - ``tool_node``: an ``INVOKE_ERRORS`` exception escapes the Tool node and the base node
      records ``str(exc)``; a ``PluginInvokeError`` is caught by the Tool node and worded by
      ``to_user_friendly_error`` around the plugin's error type and message.
    - ``agent_app``: ``ToolEngine._invoke`` wraps any exception in ``ToolEngineInvokeError``;
      ``agent_invoke`` answers ``tool invoke error: <str(exc)>``.
    - ``agent_node``: Dify's backwards invocation sends ``str(exc)`` as the error, the daemon
      prefixes ``request failed: `` and ``read tool response failed: ``, dify_plugin raises it
      in the strategy, and the strategy answers ``tool invoke error: <that>``.
    """
    if consumer == "tool_node":
        if str(error.get("error_type", "")) in INVOKE_ERRORS:
            return dify_exception_text(error)
        return (
            f"An error occurred in the {PROVIDER_NAME}, please contact the author of "
            f"{PROVIDER_NAME} for help, error type: {error.get('error_type', 'unknown')}, "
            f"error details: {error.get('message', 'unknown')}"
        )
    if consumer == "agent_node":
        return (
            "tool invoke error: read tool response failed: request failed: "
            + dify_exception_text(error)
        )
    return "tool invoke error: " + dify_exception_text(error)


def tool_node(
    stream: Iterable[Mapping[str, Any]], error: Mapping[str, Any] | None = None
) -> ToolNodeOutputs:
    text: list[str] = []
    json_out: list[Any] = []
    files: list[File] = []
    variables: dict[str, Any] = {}
    for m in dify_messages(stream):
        if m.type == "text":
            text.append(str(m.body["text"]))
        elif m.type == "link":
            text.append(f"Link: {m.body['text']}\n")
        elif m.type == "json":
            json_out.append(m.body["json_object"])
        elif m.type == "blob":
            assert m.file is not None
            files.append(m.file)
        elif m.type == "variable":
            name, value = m.body["variable_name"], m.body["variable_value"]
            if m.body.get("stream"):
                variables[name] = variables.get(name, "") + value
            else:
                variables[name] = value
        else:
            raise ValueError(f"message type {m.type!r} is not modelled")
    if error is None:
        return ToolNodeOutputs("".join(text), json_out, files, variables)
    invoke_error = str(error.get("error_type", "")) in INVOKE_ERRORS
    return ToolNodeOutputs(
        "".join(text),
        json_out,
        files,
        variables,
        error_text(error, "tool_node"),
        "WorkflowNodeError" if invoke_error else "PluginInvokeError",
    )


def agent_node(
    stream: Iterable[Mapping[str, Any]],
    error: Mapping[str, Any] | None = None,
    *,
    strategy: Strategy = "function_calling",
) -> str:
    if error is not None:
        return error_text(error, "agent_node")
    messages = dify_messages(stream)
    for m in messages:
        if m.type == "blob" and not _is_image(m):
            # Dify turns a non-image blob into a BINARY_LINK message, a type the strategies'
            # SDK cannot parse: the whole call fails (langgenius/dify-plugin-sdks#383).
            return (
                "tool invoke error: Failed to parse response: 1 validation error for "
                "ToolInvokeMessage\ntype\n  Input should be 'text', 'file', 'blob', 'json', "
                "'link', 'image', 'image_link', 'variable', 'blob_chunk', 'log' or "
                "'retriever_resources' [type=enum, input_value='binary_link', input_type=str]"
            )
    out: list[str] = []
    for i, m in enumerate(messages):
        if m.type == "text":
            out.append(str(m.body["text"]))
        elif m.type == "link":
            out.append(f"result link: {m.body['text']}. please tell user to check it.")
        elif m.type in ("image", "image_link") or m.type == "blob":
            # an image blob arrives as IMAGE_LINK after Dify's file transformer
            url = str(m.body.get("text", "")) if m.file is None else _tool_file_url(m, i)
            out.append(
                _IMAGE_SENTENCE
                if strategy == "function_calling"
                else f"Image has been successfully generated and saved to: {url}. The image "
                "file is now available for download. Please inform the user that the image "
                "has been created successfully."
            )
        elif m.type == "json":
            dumped = json.dumps(m.body["json_object"], ensure_ascii=False)
            out.append(f"tool response: {dumped}.")
        elif m.type == "variable":
            continue  # the strategies drop variable messages
        else:
            raise ValueError(f"message type {m.type!r} is not modelled")
    return "".join(out)


def agent_app(stream: Iterable[Mapping[str, Any]], error: Mapping[str, Any] | None = None) -> str:
    if error is not None:
        return error_text(error, "agent_app")
    parts: list[str] = []
    json_parts: list[str] = []
    for i, m in enumerate(dify_messages(stream)):
        if m.type == "text":
            parts.append(str(m.body["text"]))
        elif m.type == "link":
            parts.append(f"result link: {m.body['text']}. please tell user to check it.")
        elif m.type in ("image", "image_link") or (m.type == "blob" and _is_image(m)):
            parts.append(_IMAGE_SENTENCE)
        elif m.type == "blob":  # BINARY_LINK after the transformer: str(TextMessage)
            parts.append(str(_TextMessage(text=_tool_file_url(m, i))))
        elif m.type == "json":
            json_parts.append(json.dumps(m.body["json_object"], ensure_ascii=False))
        elif m.type == "variable":
            parts.append(
                str(
                    _VariableMessage(
                        variable_name=m.body["variable_name"],
                        variable_value=m.body["variable_value"],
                        stream=bool(m.body.get("stream", False)),
                    )
                )
            )
        else:
            raise ValueError(f"message type {m.type!r} is not modelled")
    existing = set(parts)
    parts.extend(p for p in json_parts if p not in existing)
    return "".join(parts)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def schema_problems(value: Any, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Where ``value`` does not match a tool YAML's ``output_schema`` (or a part of it): a
    wrong type, or a declared property that is missing. Extra properties are allowed."""
    kind = schema.get("type")
    allowed = _JSON_TYPES.get(str(kind))
    if allowed is None:
        return [f"{path or 'value'}: unknown schema type {kind!r}"]
    is_bool = isinstance(value, bool)
    if not isinstance(value, allowed) or (is_bool and kind != "boolean"):
        return [f"{path or 'value'}: expected {kind}, got {type(value).__name__} {value!r:.60}"]
    problems: list[str] = []
    if kind == "array" and "items" in schema:
        for i, item in enumerate(value):
            problems += schema_problems(item, schema["items"], f"{path}[{i}]")
    if kind == "object":
        for key, sub in (schema.get("properties") or {}).items():
            where = f"{path}.{key}" if path else key
            if key not in value:
                problems.append(f"{where}: missing")
            else:
                problems += schema_problems(value[key], sub, where)
    return problems


def undeclared_properties(value: Any, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Where ``value`` holds an object property that the ``output_schema`` does not declare:
    a workflow cannot pick it in Dify's variable selector, so whatever it carries is lost to
    the workflow."""
    kind = schema.get("type")
    problems: list[str] = []
    if kind == "array" and isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += undeclared_properties(item, schema["items"], f"{path}[{i}]")
    if kind == "object" and isinstance(value, dict) and "properties" in schema:
        declared = schema["properties"]
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key not in declared:
                problems.append(f"{where}: not declared")
            else:
                problems += undeclared_properties(item, declared[key], where)
    return problems


@dataclass(frozen=True)
class Views:
    """All three consumers' view of one invocation."""

    tool_node: ToolNodeOutputs
    agent_node: str
    agent_app: str


def views(stream: Sequence[Mapping[str, Any]], error: Mapping[str, Any] | None = None) -> Views:
    return Views(tool_node(stream, error), agent_node(stream, error), agent_app(stream, error))
