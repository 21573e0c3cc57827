"""devkit.dify_views renders a tool's stream as each of Dify's consumers does."""

from __future__ import annotations

import base64

from devkit import dify_views


def text(value: str) -> dict[str, object]:
    return {"type": "text", "message": {"text": value}}


def variable(name: str, value: object) -> dict[str, object]:
    return {"type": "variable", "message": {"variable_name": name, "variable_value": value}}


def blob(data: bytes, filename: str, mime: str) -> dict[str, object]:
    return {
        "type": "blob",
        "message": {"blob": base64.b64encode(data).decode()},
        "meta": {"filename": filename, "mime_type": mime},
    }


def chunks(data: bytes, filename: str, mime: str, size: int = 4) -> list[dict[str, object]]:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return [
        {
            "type": "blob_chunk",
            "message": {
                "id": "b1",
                "sequence": n,
                "total_length": len(data),
                "blob": base64.b64encode(part).decode(),
                "end": n == len(parts) - 1,
            },
            "meta": {"filename": filename, "mime_type": mime},
        }
        for n, part in enumerate(parts)
    ]


JSON = {"type": "json", "message": {"json_object": {"a": "é"}}}


def test_agent_app_is_str_of_every_message_joined_with_nothing() -> None:
    stream = [text("2 messages."), variable("count", 2), JSON, JSON]
    assert dify_views.agent_app(stream) == (
        '2 messages.variable_name=\'count\' variable_value=2 stream=False{"a": "é"}{"a": "é"}'
    )
    echoed = [text("[1]"), {"type": "json", "message": {"json_object": [1]}}]
    assert dify_views.agent_app(echoed) == "[1]"  # a json part equal to a text part is skipped


def test_agent_node_sees_text_and_json_but_no_variables() -> None:
    stream = [text("2 messages."), variable("messages", [{"id": "x"}]), JSON]
    assert dify_views.agent_node(stream) == '2 messages.tool response: {"a": "é"}.'


def test_tool_node_outputs() -> None:
    stream = [
        text("a"),
        variable("count", 2),
        text("b"),
        JSON,
        *chunks(b"%PDF-1.4!", "a.pdf", "application/pdf"),
    ]
    out = dify_views.tool_node(stream)
    assert out.text == "ab" and out.json == [{"a": "é"}] and out.variables == {"count": 2}
    assert out.files == [dify_views.File("a.pdf", "application/pdf", b"%PDF-1.4!")]
    assert out.error is None


def test_files_in_each_agent_view() -> None:
    pdf = [text("1 file.\n"), blob(b"%PDF", "a.pdf", "application/pdf")]
    png = [text("1 file.\n"), blob(b"\x89PNG", "a.png", "image/png")]
    assert dify_views.agent_app(pdf) == (
        "1 file.\ntext='/files/tools/00000000-0000-0000-0000-000000000002.pdf'"
    )
    assert dify_views.agent_app(png).endswith("just tell the user to check it now.")
    assert dify_views.agent_node(png).startswith("1 file.\nimage has been created")
    assert "saved to: /files/tools/" in dify_views.agent_node(png, strategy="react")
    # the strategies' SDK cannot parse Dify's BINARY_LINK: the whole call fails there
    assert "input_value='binary_link'" in dify_views.agent_node(pdf)


def test_a_tool_failure_reads_as_daemon_json_in_agents_and_as_plugin_error_in_the_node() -> None:
    error = {
        "error_type": "ToolFailure",
        "message": 'No message has Message-ID <a@b> & "x".',
        "args": {"traceback": "Traceback ..."},
    }
    exc = (
        "req_id: 5f3c9a1b2e PluginInvokeError: "
        '{"args":{"traceback":"Traceback ..."},"error_type":"ToolFailure",'
        '"message":"No message has Message-ID \\u003ca@b\\u003e \\u0026 \\"x\\"."}'
    )
    stream = [text("partial")]
    assert dify_views.agent_app(stream, error) == "tool invoke error: " + exc
    assert dify_views.agent_node(stream, error) == (
        "tool invoke error: read tool response failed: request failed: " + exc
    )
    node = dify_views.tool_node(stream, error)
    assert node.error == (
        "An error occurred in the inboxworks/gmail/gmail, please contact the author of "
        "inboxworks/gmail/gmail for help, error type: ToolFailure, error details: "
        'No message has Message-ID <a@b> & "x".'
    )
    assert node.error_type == "PluginInvokeError"


def test_an_invoke_error_reaches_every_consumer_as_its_message_only() -> None:
    message = "Gmail found no message with that ID. Check the ID."
    error = {
        "error_type": "InvokeBadRequestError",
        "message": message,
        "args": {"traceback": "Traceback ...", "description": message},
    }
    assert dify_views.agent_app([], error) == "tool invoke error: " + message
    assert dify_views.agent_node([], error) == (
        "tool invoke error: read tool response failed: request failed: " + message
    )
    node = dify_views.tool_node([], error)
    assert (node.error, node.error_type) == (message, "WorkflowNodeError")
    # Dify 1.7-1.11 read only args["description"]: without it, the class name is all that is left
    bare = {**error, "args": {"traceback": "Traceback ..."}}
    assert dify_views.agent_app([], bare) == "tool invoke error: InvokeBadRequestError"


def test_schema_problems() -> None:
    schema = {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"id": {"type": "string"}}},
            },
        },
    }
    assert dify_views.schema_problems({"count": 1, "items": [{"id": "a", "x": 1}]}, schema) == []
    assert dify_views.schema_problems({"count": True, "items": [{}]}, schema) == [
        "count: expected integer, got bool True",
        "items[0].id: missing",
    ]
    assert dify_views.schema_problems({"items": "no"}, schema) == [
        "count: missing",
        "items: expected array, got str 'no'",
    ]
