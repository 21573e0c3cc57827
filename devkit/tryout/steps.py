"""One step of ``make try``: call a tool through the plugin process as Dify's callers do,
show what each reader gets, keep the files and the complete outputs.

A tool that only reads is called three times, once per caller (a workflow Tool node, an
Agent node's strategy, a classic Agent app), so each view is exactly what that caller gets.
A tool that writes is called once, as a workflow Tool node, so nothing is written twice;
the Agent node's reading is rendered from that same answer (the plugin words a successful
answer the same for both; only a failure's type depends on the caller).
"""

from __future__ import annotations

import json
import re
import shutil
import time
import unicodedata
from pathlib import Path
from typing import Any

from devkit import dify_views
from devkit.plugin_process import PluginProcess, SessionResult
from devkit.tryout.connect import Connection, TryError, plugin_message
from devkit.tryout.show import Console, call_line, relative, text_lines, variable_lines
from gmail_core.render import size_text

#: tools that change nothing in the mailbox, i.e. those the read-only access level allows:
#: GMAIL=real calls them without WRITE=yes (on a read-only connection), and each is called
#: once per caller (tests/unit/test_tryout.py checks the set)
READ_ONLY_TOOLS = frozenset(
    {
        "search_messages",
        "get_message",
        "get_thread",
        "download_attachment",
        "list_labels",
        "list_drafts",
    }
)
CALLERS = {"tool_node": "Tool node", "agent_node": "Agent node", "agent_app": "Agent app"}
READERS = {
    "tool_node": "the Tool node's text",
    "agent_node": "the Agent node's LLM",
    "agent_app": "the Agent app's LLM",
}
MARKER = ".made-by-make-try"


class OutputFolder:
    """``try-output/``: emptied at the start of a run; refuses a folder it did not make."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def reset(self) -> None:
        if self.path.exists():
            if not (self.path / MARKER).exists() and any(self.path.iterdir()):
                raise TryError(
                    f"{self.path} is not empty and was not made by make try.",
                    "Choose another folder with --output, or empty this one.",
                )
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        (self.path / MARKER).write_text("make try writes here; each run empties it.\n")

    def step(self, number: int, tool: str) -> Path:
        folder = self.path / f"{number:02d}-{tool}"
        folder.mkdir(exist_ok=True)
        return folder


def safe_filename(name: str, taken: set[str]) -> str:
    """A file name from an email, safe to write: no path, no control characters, unique."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".") or "attachment"
    stem, dot, ext = name[:120].rpartition(".")
    candidate, number = name[:120], 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{ext}" if dot else f"{name[:120]} ({number})"
    taken.add(candidate.lower())
    return candidate


class StepRunner:
    def __init__(
        self,
        plugin: PluginProcess,
        connection: Connection,
        console: Console,
        output: OutputFolder,
        *,
        timeout: float = 60,
    ) -> None:
        self.plugin = plugin
        self.connection = connection
        self.console = console
        self.output = output
        self.timeout = timeout
        self.number = 0

    def __call__(self, title: str, tool: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run one step; the workflow Tool node's variables (the next steps' inputs)."""
        self.number += 1
        self.console.heading(f"{self.number}. {title}")
        self.console.field("call", call_line(tool, params))
        callers = list(CALLERS) if tool in READ_ONLY_TOOLS else ["tool_node"]
        results: dict[str, SessionResult] = {}
        timings = []
        for caller in callers:
            started = time.monotonic()
            with self.console.progress(f"waiting for {tool}"):
                results[caller] = self.plugin.invoke_tool(
                    tool,
                    params,
                    self.connection.credentials(),
                    self.timeout,
                    agent_node=caller == "agent_node",
                    agent_app=caller == "agent_app",
                )
            timings.append(f"{CALLERS[caller]} {time.monotonic() - started:.2f} s")
        how = (
            "as each caller: "
            if len(callers) > 1
            else "once, as a workflow Tool node (it writes): "
        )
        self.console.field("", how + " · ".join(timings))
        folder = self.output.step(self.number, tool)
        self._save(folder, tool, params, results)
        workflow = results["tool_node"]
        if workflow.error is not None:
            self._show_failure(tool, results)
        outputs = workflow.tool_node()
        self.console.field("workflow", "\n".join(variable_lines(outputs.variables)))
        if outputs.json:
            self.console.field("json", "\n".join(json.dumps(j)[:200] for j in outputs.json))
        self._show_readings(results, folder)
        self._write_files(outputs.files, folder)
        return outputs.variables

    # --- what each reader got ---------------------------------------------------------
    def _readings(self, results: dict[str, SessionResult]) -> dict[str, str]:
        workflow = results["tool_node"]
        return {
            "tool_node": workflow.tool_node().text,
            "agent_node": results.get("agent_node", workflow).agent_node(),
            **({"agent_app": results["agent_app"].agent_app()} if "agent_app" in results else {}),
        }

    def _show_readings(self, results: dict[str, SessionResult], folder: Path) -> None:
        groups: dict[str, list[str]] = {}
        for caller, text in self._readings(results).items():
            groups.setdefault(text, []).append(READERS[caller])
        for text, readers in groups.items():
            names = (
                readers[0] if len(readers) == 1 else ", ".join(readers[:-1]) + " and " + readers[-1]
            )
            self.console.field("reads", f"{names}: {len(text):,} characters")
            lines, cut = text_lines(text)
            self.console.block(lines)
            if cut:
                self.console.block([f"│ … {cut} more lines in {relative(folder)}/"])
            if text.startswith("tool invoke error:"):
                self.console.block(
                    ["(Dify's own limit, not the plugin's: see README, \"Dify's own limit\")"]
                )

    def _show_failure(self, tool: str, results: dict[str, SessionResult]) -> None:
        self.console.field("failed", "the call raised; each caller reports it:")
        for caller, result in results.items():
            self.console.field("", f"{CALLERS[caller]}:")
            if result.error is None:  # e.g. a fault that came and went between the calls
                self.console.block(["  (this call succeeded)"])
                continue
            self.console.block(["  " + dify_views.error_text(result.error, caller)])  # type: ignore[arg-type]
        raise TryError(f"{tool} failed.", plugin_message(results["tool_node"]))

    # --- files ------------------------------------------------------------------------
    def _write_files(self, files: list[dify_views.File], folder: Path) -> None:
        if not files:
            self.console.field("files", "none")
            return
        taken: set[str] = set()
        lines = []
        for f in files:
            path = folder / safe_filename(f.filename, taken)
            path.write_bytes(f.data)
            lines.append(f"{relative(path)}  ({size_text(len(f.data))}, {f.mime_type})")
            if f.mime_type.startswith("text/"):
                preview = f.data.decode("utf-8", "replace").splitlines()[:3]
                lines.extend(f"│ {line}" for line in preview)
        self.console.field("files", "\n".join(lines))

    def _save(
        self, folder: Path, tool: str, params: dict[str, Any], results: dict[str, SessionResult]
    ) -> None:
        """The complete outputs, unabbreviated: workflow.json and one text per reader."""
        workflow = results["tool_node"].tool_node()
        record = {
            "tool": tool,
            "parameters": params,
            "workflow": {
                "text": workflow.text,
                "json": workflow.json,
                "files": [
                    {"filename": f.filename, "mime_type": f.mime_type} for f in workflow.files
                ],
                "variables": workflow.variables,
                "error": workflow.error,
            },
        }
        (folder / "workflow.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if workflow.error is not None:
            return
        for caller, text in self._readings(results).items():
            if caller != "tool_node":
                (folder / f"{caller.replace('_', '-')}.txt").write_text(text, encoding="utf-8")
