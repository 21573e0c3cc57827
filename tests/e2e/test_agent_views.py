"""Every tool through the plugin process, read as each of Dify's consumers reads it.

Each tool is invoked as a workflow Tool node / Agent node invokes it (no message ID) and as
a classic Agent app does (with a ``message_id``), then rendered by ``devkit.dify_views``:
one text message that carries the facts an agent needs, the workflow's typed variables
(every ``output_schema`` entry, typed as declared) only when there is no message ID, and no
``str()`` noise in either agent's view.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import ME, gmail_like_snippets, populate, reply_thread
from bench.agent_view import report_with_pdf
from devkit import dify_views
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import PluginProcess, SessionResult
from gmail_core.render import one_line

pytestmark = pytest.mark.e2e

TOKEN = "tok-views"
CREDS = {"access_token": TOKEN, "refresh_token": "rt", "scope": GMAIL_MODIFY}
ROOT = Path(__file__).resolve().parents[2]
# What str() of Dify's message objects looks like; none of it may reach an agent.
NOISE = ("variable_name=", "variable_value=", "stream=False", "{'", "'}", "': ")
# How Dify's Agent app shows a non-image file the tool returned: str(TextMessage(text=url)).
FILE_LINK = re.compile(r"text='/files/tools/[0-9a-f-]+\.\w+'")


@pytest.fixture(scope="module")
def ids(fake: FakeGoogle, plugin: PluginProcess) -> dict[str, Any]:
    box = fake.add_mailbox(TOKEN, ME[1], {GMAIL_MODIFY})
    found: dict[str, Any] = {"search": populate(box, 40, seed=21)}
    found["thread"], thread_ids = reply_thread(box, replies=4)
    gmail_like_snippets(box, [*found["search"], *thread_ids])
    found["report"], found["report_body"] = report_with_pdf(box)
    found["drafts"] = [
        ok(
            plugin.invoke_tool(
                "create_draft", {"to": "bob@martin.family", "subject": f"D{i}"}, CREDS
            )
        ).variables()["draft_id"]
        for i in range(5)
    ]
    return found


def ok(result: SessionResult) -> SessionResult:
    assert result.error is None, result.error
    return result


def output_schema(tool: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "tools" / f"{tool}.yaml").read_text(encoding="utf-8"))
    return dict(data["output_schema"])


def the_text(result: SessionResult) -> str:
    (message,) = result.of_type("text")  # one text message per invocation
    return str(message["message"]["text"])


def shape(text: str) -> list[str]:
    """The text's blocks in any order (drafts.list has none), with IDs blanked: two runs of
    a write tool say the same with other IDs."""
    return blocks(re.sub(r"\b(?:[0-9a-f]{16}|r-?\d+|Label_\d+|Views-\d)\b", "<id>", text))


def blocks(text: str) -> list[str]:
    # The text's final newline belongs to no block: whichever block comes last must not differ.
    return sorted(re.sub(r"^\[\d+\] ", "", block) for block in text.rstrip("\n").split("\n\n"))


Params = Callable[[dict[str, Any], int], dict[str, Any]]
Facts = Callable[[dict[str, Any], dict[str, Any]], list[str]]


@dataclass
class Case:
    tool: str
    params: Params  # (prepared ids, run: 0 = workflow, 1 = Agent app)
    facts: Facts  # (variables of the workflow run, prepared ids) -> strings the text holds
    files: int = 0
    same_result: bool = True  # both runs give the same answer (reads, idempotent changes)


def sender_facts(sender: str) -> list[str]:
    name, address = parseaddr(sender)
    return [one_line(name), address]


CASES = [
    Case("search_messages", lambda i, r: {"max_results": 20},
         lambda v, i: [f for m in v["messages"]
                       for f in (m["id"], one_line(m["subject"]), *sender_facts(m["from"]))]),
    Case("get_message", lambda i, r: {"message_id": i["report"]},
         lambda v, i: [v["id"], v["subject"], *sender_facts(v["from"]), "Q4-forecast.pdf",
                       i["report_body"].rstrip("\n")]),
    Case("get_thread", lambda i, r: {"thread_id": i["thread"]},
         lambda v, i: [v["thread_id"], v["subject"],
                       *[f for m in v["messages"]
                         for f in (m["id"], *sender_facts(m["from"]), m["body"].strip())]]),
    Case("download_attachment", lambda i, r: {"message_id": i["report"], "attachment": "Q4"},
         lambda v, i: [i["report"], "Q4-forecast.pdf"], files=1),
    Case("list_labels", lambda i, r: {},
         lambda v, i: [f for lbl in v["labels"] for f in (lbl["name"], lbl["id"])
                       if lbl["id"].startswith("Label_")]),
    Case("list_drafts", lambda i, r: {},
         lambda v, i: [f for d in v["drafts"] for f in (d["draft_id"], d["message_id"], d["subject"])]),
    Case("send_message",
         lambda i, r: {"to": "Priya <priya.n@partnerco.io>", "subject": "Hi", "body": "**Hello**"},
         lambda v, i: [v["message_id"], v["thread_id"], "priya.n@partnerco.io", v["from"]],
         same_result=False),
    Case("reply_to_message", lambda i, r: {"message_id": i["report"], "body": "Thanks!"},
         lambda v, i: [v["message_id"], v["thread_id"], v["to"], v["from"]], same_result=False),
    Case("forward_message",
         lambda i, r: {"message_id": i["report"], "to": "bob@martin.family", "note": "FYI"},
         lambda v, i: [v["message_id"], v["thread_id"], "bob@martin.family", v["from"]],
         same_result=False),
    Case("create_draft", lambda i, r: {"to": "a@example.com", "subject": "S", "body": "B"},
         lambda v, i: [v["draft_id"], v["message_id"], v["thread_id"], v["from"]],
         same_result=False),
    Case("update_draft", lambda i, r: {"draft_id": i["drafts"][0], "subject": f"v{r}"},
         lambda v, i: [v["draft_id"], v["message_id"], v["thread_id"], v["from"]],
         same_result=False),
    Case("send_draft", lambda i, r: {"draft_id": i["drafts"][1 + r]},
         lambda v, i: [v["draft_id"], v["message_id"], v["thread_id"], v["from"]],
         same_result=False),
    Case("delete_draft", lambda i, r: {"draft_id": i["drafts"][3 + r]},
         lambda v, i: [v["draft_id"]], same_result=False),
    Case("modify_messages",
         lambda i, r: {"message_ids": ",".join(i["search"][:3]), "add_labels": "work/clients",
                       "mark_read": "true"},
         lambda v, i: [*v["message_ids"], "Work/Clients", "UNREAD"]),
    Case("trash_messages", lambda i, r: {"message_ids": " ".join(i["search"][3:5])},
         lambda v, i: v["message_ids"]),
    Case("untrash_messages", lambda i, r: {"message_ids": " ".join(i["search"][3:5])},
         lambda v, i: v["message_ids"]),
    Case("create_label", lambda i, r: {"name": f"Clients/Views-{r}"},
         lambda v, i: [v["label_id"], v["name"]], same_result=False),
]  # fmt: skip


def test_every_tool_has_a_case() -> None:
    tools = {p.stem for p in (ROOT / "tools").glob("*.yaml")}
    assert tools == {case.tool for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.tool for c in CASES])
def test_workflows_get_typed_variables_and_agents_one_clean_text(
    plugin: PluginProcess, ids: dict[str, Any], case: Case
) -> None:
    workflow = ok(plugin.invoke_tool(case.tool, case.params(ids, 0), CREDS))
    app = ok(plugin.invoke_tool(case.tool, case.params(ids, 1), CREDS, agent_app=True))

    # the workflow run: every output_schema variable, typed as declared; text = the text
    text = the_text(workflow)
    outputs = workflow.tool_node()
    assert dify_views.schema_problems(outputs.variables, output_schema(case.tool)) == []
    assert dify_views.undeclared_properties(outputs.variables, output_schema(case.tool)) == []
    assert outputs.text == text and len(outputs.files) == case.files
    for fact in case.facts(outputs.variables, ids):
        assert fact in text, (fact, text[:3000])

    # the Agent app run: the same answer, no variables, files as Dify links them
    app_text = the_text(app)
    assert app.of_type("variable") == []
    if case.same_result:
        assert blocks(app_text) == blocks(text)
    else:
        assert shape(app_text) == shape(text)
    assert FILE_LINK.sub("", app.agent_app()) == app_text
    assert len(FILE_LINK.findall(app.agent_app())) == case.files

    # the Agent node reads the text alone (its strategies cannot parse a non-image file)
    agent_node = workflow.agent_node()
    assert agent_node == text if not case.files else "binary_link" in agent_node
    for view in (agent_node, FILE_LINK.sub("", app.agent_app())):
        assert not [n for n in NOISE if n in view], view[:2000]


def test_search_of_20_fits_6000_characters_with_every_id_subject_and_sender(
    plugin: PluginProcess, ids: dict[str, Any]
) -> None:
    workflow = ok(plugin.invoke_tool("search_messages", {"max_results": 20}, CREDS))
    app = ok(plugin.invoke_tool("search_messages", {"max_results": 20}, CREDS, agent_app=True))
    found = workflow.variables()["messages"]
    assert len(found) == 20 and sum(bool(m["attachments"]) for m in found) >= 5
    assert 100 <= sum(len(m["snippet"]) for m in found) / 20 <= 200
    for view in (workflow.agent_node(), app.agent_app()):
        assert len(view) <= 6_000, len(view)
        for m in found:
            for fact in (m["id"], one_line(m["subject"]), *sender_facts(m["from"])):
                assert fact in view


@pytest.mark.parametrize("include_body", [True, False])
def test_search_bodies_are_a_declared_variable_of_one_type(
    plugin: PluginProcess, ids: dict[str, Any], include_body: bool
) -> None:
    params = {"max_results": 5, "include_body": include_body}
    outputs = ok(plugin.invoke_tool("search_messages", params, CREDS)).tool_node()
    schema = output_schema("search_messages")
    assert dify_views.undeclared_properties(outputs.variables, schema) == []
    assert dify_views.schema_problems(outputs.variables, schema) == []
    bodies = [m["body"] for m in outputs.variables["messages"]]
    assert len(bodies) == 5 and all(isinstance(b, str) for b in bodies)
    assert all(bodies) if include_body else not any(bodies)


def test_get_message_is_the_body_plus_at_most_1000_characters(
    plugin: PluginProcess, ids: dict[str, Any]
) -> None:
    body = ids["report_body"].rstrip("\n")
    assert 1_800 <= len(body) <= 2_100
    params = {"message_id": ids["report"]}
    workflow = ok(plugin.invoke_tool("get_message", params, CREDS))
    app = ok(plugin.invoke_tool("get_message", params, CREDS, agent_app=True))
    for view in (workflow.agent_node(), app.agent_app()):
        assert len(view) <= len(body) + 1_000, len(view) - len(body)
        for fact in (ids["report"], "Q4 forecast: numbers", "Alice Chen",
                     "alice.chen@acme-corp.com", "Q4-forecast.pdf", body):  # fmt: skip
            assert fact in view


def test_variables_are_kept_when_the_message_id_is_empty(
    plugin: PluginProcess, ids: dict[str, Any]
) -> None:
    request = {
        "type": "tool",
        "action": "invoke_tool",
        "user_id": "u1",
        "provider": "gmail",
        "tool": "list_labels",
        "credentials": CREDS,
        "credential_type": "oauth2",
        "tool_parameters": {},
    }
    result = ok(plugin.call(request, message_id="", conversation_id="c", app_id="a"))
    assert {"labels", "count"} <= set(result.variables())


@pytest.mark.parametrize("caller", ["tool_node", "agent_node", "agent_app"])
def test_a_failure_reaches_every_consumer_as_the_error_with_its_fix(
    plugin: PluginProcess, ids: dict[str, Any], caller: str
) -> None:
    result = plugin.invoke_tool(
        "get_message",
        {"message_id": "ffffffffffffffff"},
        CREDS,
        agent_node=caller == "agent_node",
        agent_app=caller == "agent_app",
    )
    assert result.error is not None and result.messages == []  # raised, not a success text
    message = result.error["message"]
    assert "search_messages" in message and len(message) < 300
    node = result.tool_node()
    if caller == "tool_node":
        # Under its own name the node keeps its inputs, retry and fail branch on Dify 1.7+;
        # Dify words the message as a plugin error.
        assert result.error["error_type"] == "ToolFailure"
        assert node.error_type == "PluginInvokeError"
        assert node.error is not None and node.error.endswith("error details: " + message)
        return
    # Agents: a name Dify unwraps, so the LLM reads the message and nothing else.
    assert result.error["error_type"] == "InvokeBadRequestError"
    assert result.error["args"]["description"] == message  # what Dify 1.7-1.11 read
    view = result.agent_app() if caller == "agent_app" else result.agent_node()
    prefix = "tool invoke error: "
    if caller == "agent_node":
        prefix += "read tool response failed: request failed: "
    assert view == prefix + message
