"""How many characters an agent reads from each tool, rendered exactly as Dify renders them.

Dify's agent turns a tool's messages into one string (``ToolEngine._convert_tool_response_to_str``):
text → its text; json → ``json.dumps(obj, ensure_ascii=False)`` (appended last, skipped if
equal to a text part); everything else (variables, blobs) → ``str(message)`` of the pydantic
model; the parts are joined with "". Variables are rebuilt as
``ToolInvokeMessage.VariableMessage`` from the plugin's stream so that ``str()`` is Dify's.
That happens in a short child process: importing ``dify_plugin`` gevent-patches the importing
process, and this one also hosts the fake Google.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import (
    CREDENTIALS,
    ME,
    TOKEN,
    add_newsletter,
    check,
    gmail_like_snippets,
    populate,
    reply_thread,
    start_plugin,
    stop_plugin,
    table,
)
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.plugin_process import ROOT

REFERENCE = 590  # Dify's own Gmail plugin, characters per message (stated reference figure)

_OWN_RULES = {"text", "link", "image", "image_link", "json"}
_CHILD = """
import json, sys
from dify_plugin.entities.tool import ToolInvokeMessage
out = []
for m in json.load(sys.stdin):
    body = m.get("message") or {}
    if m.get("type") == "variable":
        model = ToolInvokeMessage.VariableMessage(
            variable_name=body["variable_name"],
            variable_value=body["variable_value"],
            stream=bool(body.get("stream", False)),
        )
    else:
        model = ToolInvokeMessage.model_validate(m).message
    out.append(str(model))
json.dump(out, sys.stdout, ensure_ascii=False)
"""


def str_of_models(messages: Sequence[dict[str, Any]]) -> list[str]:
    """``str()`` of each message's pydantic model, as Dify computes it."""
    if not messages:
        return []
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(list(messages)).encode(),
        capture_output=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return list(json.loads(done.stdout))


def dify_agent_texts(streams: Sequence[list[dict[str, Any]]]) -> list[tuple[str, int]]:
    """For each tool call's stream: (the string Dify's agent gets, characters that
    ``str(VariableMessage)`` adds around the variable values)."""
    others = [m for stream in streams for m in stream if m.get("type") not in _OWN_RULES]
    rendered = iter(str_of_models(others))
    out = []
    for stream in streams:
        parts: list[str] = []
        json_parts: list[str] = []
        wrapper = 0
        for m in stream:
            kind = m.get("type")
            body = m.get("message") or {}
            if kind == "text":
                parts.append(str(body.get("text", "")))
            elif kind == "link":
                parts.append(f"result link: {body.get('text', '')}. please tell user to check it.")
            elif kind in ("image", "image_link"):
                parts.append(
                    "image has been created and sent to user already, you do not need to create "
                    "it, just tell the user to check it now."
                )
            elif kind == "json":
                json_parts.append(json.dumps(body.get("json_object"), ensure_ascii=False))
            else:
                text = next(rendered)
                if kind == "variable":
                    wrapper += len(text) - len(repr(body.get("variable_value")))
                parts.append(text)
        existing = set(parts)
        parts.extend(p for p in json_parts if p not in existing)
        out.append(("".join(parts), wrapper))
    return out


def dify_agent_text(messages: list[dict[str, Any]]) -> str:
    """The string Dify's agent gets for one tool call's stream messages."""
    return dify_agent_texts([messages])[0][0]


@dataclass
class View:
    label: str
    messages: int  # emails in the answer
    chars: int
    stream_messages: int
    wrapper: int  # characters Dify adds around variable values: variable_name='…' … stream=…

    @property
    def per_message(self) -> float:
        return self.chars / self.messages if self.messages else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.agent_view", description=__doc__)
    ap.add_argument("--search", type=int, default=20, help="max_results of the search")
    ap.add_argument("--mailbox", type=int, default=60, help="messages in the mailbox")
    ap.add_argument("--sample", type=int, default=400, help="characters of the search view shown")
    args = ap.parse_args(argv)

    calls = [
        (f"search_messages (max_results={args.search})", "search_messages",
         {"max_results": args.search}, "count"),
        ("get_message: HTML newsletter", "get_message", {"message_id": "<newsletter>"}, None),
        ("get_thread: 4 replies, trim_quoted=true", "get_thread",
         {"thread_id": "<thread>", "trim_quoted": True}, "count"),
        ("get_thread: 4 replies, trim_quoted=false", "get_thread",
         {"thread_id": "<thread>", "trim_quoted": False}, "count"),
    ]  # fmt: skip
    with FakeGoogle(seed=9) as fake:
        box = fake.add_mailbox(TOKEN, ME[1], {GMAIL_MODIFY})
        ids = populate(box, args.mailbox, seed=21)
        newsletter = add_newsletter(box)
        thread_id, thread_ids = reply_thread(box, replies=4)
        gmail_like_snippets(box, [*ids, newsletter, *thread_ids])
        snippets = [len(box.messages[i].snippet) for i in ids]
        ids_for = {"<newsletter>": newsletter, "<thread>": thread_id}
        plugin = start_plugin(fake)
        try:
            results = []
            for _, tool, params, _ in calls:
                params = {k: ids_for.get(v, v) if isinstance(v, str) else v
                          for k, v in params.items()}  # fmt: skip
                results.append(check(plugin.invoke_tool(tool, params, CREDENTIALS), tool))
        finally:
            stop_plugin(plugin)

    rendered = dify_agent_texts([r.messages for r in results])
    views = []
    for (label, _, _, count_key), result, (text, wrapper) in zip(
        calls, results, rendered, strict=True
    ):
        n = int(result.variables().get(count_key, 0)) if count_key else 1
        views.append(View(label, n, len(text), len(result.messages), wrapper))
    search, search_text = views[0], rendered[0][0]
    found = results[0].variables().get("messages") or []
    by_field: dict[str, int] = {}
    for item in found:
        for key, value in item.items():  # as repr() writes it: 'key': value,
            by_field[key] = by_field.get(key, 0) + len(repr(key)) + len(repr(value)) + 4

    print("== What an agent reads (Dify's rendering of the tool messages)")
    print(
        f"mailbox of {args.mailbox + 5}; snippets {min(snippets)}-{max(snippets)} chars "
        f"(mean {sum(snippets) / len(snippets):.0f}), as Gmail's"
    )
    rows = [
        [v.label, v.stream_messages, v.wrapper, v.messages, v.chars, v.per_message] for v in views
    ]
    rows.append([f"reference: Dify's own Gmail plugin ≈ {REFERENCE} chars/message", "", "", "",
                 "", float(REFERENCE)])  # fmt: skip
    headers = ["tool call", "stream msgs", "wrapper chars", "emails", "total chars", "chars/email"]
    print(table(headers, rows))
    print("(wrapper chars: what str(VariableMessage) adds around each value; part of the total)")
    if found:
        top = sorted(by_field.items(), key=lambda kv: -kv[1])
        with_att = sum(bool(m.get("attachments")) for m in found)
        print(
            "search, chars per email by field: "
            + ", ".join(f"{k} {v / len(found):.0f}" for k, v in top)
            + f" ({with_att} of {len(found)} with attachments)"
        )
    ratio = search.per_message / REFERENCE
    print(f"search: {search.per_message:,.0f} chars per message = {ratio:.2f}x the reference")
    if found:
        # What the same messages would cost if items left out empty/false values and a
        # thread_id equal to the id (a contract change, measured here to inform it).
        sparse = [
            {
                k: v
                for k, v in m.items()
                if v not in ("", [], False) and not (k == "thread_id" and v == m["id"])
            }
            for m in found
        ]
        full_repr = len(repr(found)) / len(found)
        sparse_repr = len(repr(sparse)) / len(found)
        print(
            f"messages value alone: {full_repr:,.0f} chars per message as emitted; "
            f"{sparse_repr:,.0f} if items omitted empty/false fields (not done: every message "
            "carries every field)"
        )
    if args.sample:
        print(f"first {args.sample} characters the agent reads from the search:")
        print("  " + search_text[: args.sample].replace("\n", "\\n"))
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
