"""What workflows and agents receive from every tool, rendered as Dify renders it.

Each tool is invoked twice through the plugin process, against the fake Gmail: as a workflow
Tool node or Agent node invokes it (no message ID), and as a classic Agent app does (with
the chat's ``message_id``). ``devkit.dify_views`` renders the streams: the Agent node's LLM
string and the Tool node's outputs from the first, the Agent app's LLM string from the
second. Figures compared with issue 8's: a 20-message search ≤ 6,000 characters in each
agent view; get_message of a ~1,900-character body with one PDF ≤ body + 1,000.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import yaml

from bench import (
    CREDENTIALS,
    ME,
    NOW,
    SENTENCES,
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
from devkit import dify_views, documents
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle, Mailbox
from devkit.plugin_process import ROOT, PluginProcess, SessionResult

SEARCH_LIMIT = 6_000  # characters in each agent view of a 20-message search
GET_MESSAGE_OVERHEAD = 1_000  # characters beyond the body in each agent view of get_message
# Dify's own Gmail plugin, same 20-message search (issue 8): Agent node, Agent app
REFERENCE = (11_823, 11_807)

Params = Callable[[dict[str, Any], int], dict[str, Any]]


@dataclass
class Call:
    label: str
    tool: str
    params: Params  # (ids of the prepared mailbox, 0 = workflow run / 1 = Agent app run)


def report_with_pdf(box: Mailbox, seed: int = 4) -> tuple[str, str]:
    """A work message with a ~1,900-character plain body and one PDF: (ID, body)."""
    rng = random.Random(seed)
    paragraphs = []
    while sum(len(p) + 2 for p in paragraphs) < 1_850:
        paragraphs.append(" ".join(rng.sample(SENTENCES, 3)))
    body = "Hi Sam,\n\n" + "\n\n".join(paragraphs) + "\n\nBest,\nAlice\n"
    msg = EmailMessage()
    msg["From"] = "Alice Chen <alice.chen@acme-corp.com>"
    msg["To"] = f"{ME[0]} <{ME[1]}>"
    msg["Subject"] = "Q4 forecast: numbers for Thursday's review"
    msg["Date"] = format_datetime(NOW - timedelta(hours=2))
    msg["Message-ID"] = "<q4-forecast.4711@acme-corp.com>"
    msg.set_content(body)
    msg.add_attachment(
        b"%PDF-1.4\n" + rng.randbytes(48 * 1024),
        maintype="application",
        subtype="pdf",
        filename="Q4-forecast.pdf",
    )
    msg_id = box.add_message(msg.as_bytes(), label_ids=["INBOX", "UNREAD"])
    return msg_id, body


def documents_mail(box: Mailbox) -> str:
    """A message with a two-page invoice PDF, a contract DOCX and a forecast XLSX (each a few
    hundred characters of text) and a photo: the attachment_text figures."""
    msg = EmailMessage()
    msg["From"] = "Billing <billing@acme-corp.com>"
    msg["To"] = f"{ME[0]} <{ME[1]}>"
    msg["Subject"] = "Invoice INV-4711, contract and forecast"
    msg["Date"] = format_datetime(NOW - timedelta(days=400))  # not among the newest 20
    msg.set_content("Hi Sam,\n\nplease find the invoice, the contract and the forecast.\n")
    lines = [f"{n} x Support hours, {n * 95:,}.00 EUR" for n in range(1, 9)]
    files = [
        ("INV-4711.pdf", "application/pdf",
         documents.pdf(["Invoice INV-4711\nACME Corp, 1 Main St\n" + "\n".join(lines),
                        "Total due: 3,420.00 EUR\nPayment terms: 30 days net"])),
        ("contract.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         documents.docx(heading="Support agreement", paragraphs=[" ".join(SENTENCES[:4])],
                        bullets=["Term: 12 months", "Notice: 3 months"],
                        table=[["Service", "Fee"], ["Support", "95 EUR/hour"]])),
        ("forecast.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         documents.xlsx({"Q4": [["Region", "Oct", "Nov", "Dec"], ["EMEA", 120, 135, 150],
                                ["APAC", 80, 95, 90]]})),
        ("team.jpg", "image/jpeg", random.Random(3).randbytes(20_000)),
    ]  # fmt: skip
    for filename, mime_type, data in files:
        maintype, subtype = mime_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return box.add_message(msg.as_bytes(), label_ids=["INBOX"])


def calls(search_n: int) -> list[Call]:
    def fixed(**params: Any) -> Params:
        return lambda ids, run: params

    return [
        Call(f"search_messages (max_results={search_n})", "search_messages",
             fixed(max_results=search_n)),
        Call("get_message: 1,900-char body + PDF", "get_message",
             lambda ids, run: {"message_id": ids["report"]}),
        Call("get_message: HTML newsletter", "get_message",
             lambda ids, run: {"message_id": ids["newsletter"]}),
        Call("get_thread: 4 replies, trim_quoted=true", "get_thread",
             lambda ids, run: {"thread_id": ids["thread"], "trim_quoted": True}),
        Call("get_thread: 4 replies, trim_quoted=false", "get_thread",
             lambda ids, run: {"thread_id": ids["thread"], "trim_quoted": False}),
        Call("download_attachment: the PDF", "download_attachment",
             lambda ids, run: {"message_id": ids["report"], "attachment": "Q4-forecast.pdf"}),
        Call("get_message: attachment_text (PDF, DOCX, XLSX, JPEG)", "get_message",
             lambda ids, run: {"message_id": ids["documents"], "attachment_text": True}),
        Call("download_attachment: attachment_text, the PDF", "download_attachment",
             lambda ids, run: {"message_id": ids["documents"], "attachment": "INV-4711.pdf",
                               "attachment_text": True}),
        Call("list_labels", "list_labels", fixed()),
        Call("list_drafts", "list_drafts", fixed()),
        Call("send_message", "send_message",
             fixed(to="Priya Natarajan <priya.n@partnerco.io>", subject="Forecast",
                   body="Hi Priya,\n\nThe **Q4 forecast** is attached to Alice's mail.")),
        Call("reply_to_message", "reply_to_message",
             lambda ids, run: {"message_id": ids["report"], "body": "Thanks, looks good."}),
        Call("forward_message", "forward_message",
             lambda ids, run: {"message_id": ids["report"], "to": "bob@martin.family",
                               "note": "FYI"}),
        Call("create_draft", "create_draft",
             fixed(to="alice.chen@acme-corp.com", subject="Review", body="Draft text")),
        Call("update_draft", "update_draft",
             lambda ids, run: {"draft_id": ids["drafts"][0], "subject": "Review (v2)"}),
        Call("send_draft", "send_draft", lambda ids, run: {"draft_id": ids["drafts"][1 + run]}),
        Call("delete_draft", "delete_draft",
             lambda ids, run: {"draft_id": ids["drafts"][3 + run]}),
        Call("modify_messages: 5 messages", "modify_messages",
             lambda ids, run: {"message_ids": ", ".join(ids["search"][:5]),
                               "add_labels": "Work/Clients", "mark_read": True}),
        Call("trash_messages: 5 messages", "trash_messages",
             lambda ids, run: {"message_ids": ", ".join(ids["search"][5:10])}),
        Call("untrash_messages: 5 messages", "untrash_messages",
             lambda ids, run: {"message_ids": ", ".join(ids["search"][5:10])}),
        Call("create_label", "create_label",
             lambda ids, run: {"name": f"Clients/ACME-{run}", "background_color": "#4a86e8",
                               "text_color": "#ffffff"}),
    ]  # fmt: skip


@dataclass
class Measured:
    call: Call
    workflow: SessionResult
    app: SessionResult

    @property
    def agent_node(self) -> str:
        return self.workflow.agent_node()

    @property
    def agent_app(self) -> str:
        return self.app.agent_app()


def prepare(box: Mailbox, plugin: PluginProcess, mailbox: int) -> dict[str, Any]:
    ids: dict[str, Any] = {"search": populate(box, mailbox, seed=21)}
    ids["newsletter"] = add_newsletter(box)
    ids["thread"], thread_ids = reply_thread(box, replies=4)
    gmail_like_snippets(box, [*ids["search"], ids["newsletter"], *thread_ids])
    ids["report"], ids["report_body"] = report_with_pdf(box)
    ids["documents"] = documents_mail(box)
    ids["drafts"] = [
        check(
            plugin.invoke_tool(
                "create_draft", {"to": "bob@martin.family", "subject": f"Draft {i}"}, CREDENTIALS
            ),
            "create_draft",
        ).variables()["draft_id"]
        for i in range(5)
    ]
    return ids


def output_schema(tool: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "tools" / f"{tool}.yaml").read_text(encoding="utf-8"))
    return dict(data.get("output_schema") or {})


def variables_summary(tool: str, variables: Mapping[str, Any]) -> str:
    """``N/N typed`` when every output_schema variable is there with its declared type."""
    schema = output_schema(tool)
    declared = schema.get("properties") or {}
    problems = dify_views.schema_problems(variables, schema)
    return f"{len(declared) - len({p.split('.')[0].split('[')[0] for p in problems})}" + (
        f"/{len(declared)} typed" + ("" if not problems else f" ({problems[0]})")
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.agent_view", description=__doc__)
    ap.add_argument("--search", type=int, default=20, help="max_results of the search")
    ap.add_argument("--mailbox", type=int, default=60, help="realistic messages in the mailbox")
    ap.add_argument("--sample", type=int, default=1200, help="characters of the search view shown")
    args = ap.parse_args(argv)

    measured: list[Measured] = []
    with FakeGoogle(seed=9) as fake:
        box = fake.add_mailbox(TOKEN, ME[1], {GMAIL_MODIFY})
        plugin = start_plugin(fake)
        try:
            ids = prepare(box, plugin, args.mailbox)
            for call in calls(args.search):
                runs = [
                    check(
                        plugin.invoke_tool(
                            call.tool, call.params(ids, run), CREDENTIALS, agent_app=bool(run)
                        ),
                        call.tool,
                    )
                    for run in (0, 1)
                ]
                measured.append(Measured(call, *runs))
        finally:
            stop_plugin(plugin)

    print("== What workflows and agents receive (Dify's rendering, devkit.dify_views)")
    rows = []
    for m in measured:
        outputs = m.workflow.tool_node()
        leaked = m.app.variables()
        rows.append(
            [
                m.call.label,
                len(m.agent_node),
                len(m.agent_app),
                len(outputs.text),
                variables_summary(m.call.tool, outputs.variables),
                len(outputs.files),
                "none" if not leaked else ", ".join(leaked),
            ]
        )
    headers = ["tool call", "Agent node chars", "Agent app chars", "workflow text chars",
               "workflow variables", "files", "variables in Agent app"]  # fmt: skip
    print(table(headers, rows))

    search, report = measured[0], measured[1]
    n = len(search.workflow.variables().get("messages") or [])
    snippets = [len(box.messages[i].snippet) for i in ids["search"]]
    with_att = sum(bool(x["attachments"]) for x in search.workflow.variables()["messages"])
    print(
        f"search: {n} messages (snippets {min(snippets)}-{max(snippets)} chars, mean "
        f"{sum(snippets) / len(snippets):.0f}; {with_att} of {n} with attachments): "
        f"Agent node {len(search.agent_node):,}, Agent app {len(search.agent_app):,} chars "
        f"= {len(search.agent_node) / max(n, 1):,.0f} per message; figure ≤ {SEARCH_LIMIT:,} "
        f"for 20; Dify's own Gmail plugin {REFERENCE[0]:,} / {REFERENCE[1]:,}"
    )
    body = len(ids["report_body"])
    print(
        f"get_message: body {body:,} chars; Agent node {len(report.agent_node):,} "
        f"(+{len(report.agent_node) - body:,}), Agent app {len(report.agent_app):,} "
        f"(+{len(report.agent_app) - body:,}); figure ≤ body + {GET_MESSAGE_OVERHEAD:,}"
    )
    if args.sample:
        print(f"first {args.sample:,} characters of the search's agent view:")
        print(search.agent_node[: args.sample])
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
