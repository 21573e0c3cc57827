"""``ARGS='query=from:alice max_results=5'`` -> tool parameters, typed as the tool's YAML says.

What a workflow Tool node does with its form before it calls a tool: every name must be a
parameter of the tool, required ones must be there, a number becomes an int or a float, a
boolean a bool, a select one of its options, and a file a Dify file (here: a local file,
served by a stand-in of Dify's file service). Values follow shell quoting
(``subject='Q4 plan'``).
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devkit.plugin_process import ROOT

TRUE = frozenset({"true", "yes", "on", "1"})
FALSE = frozenset({"false", "no", "off", "0"})
FILE_TYPES = frozenset({"file", "files"})


class UsageError(Exception):
    """A mistake in the command line; ``str()`` says what to type instead."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolSpec:
    name: str
    summary: str
    params: tuple[Param, ...]

    def usage(self) -> str:
        parts = [
            f"{p.name}=…" + (" (required)" if p.required else "") + _kind(p) for p in self.params
        ]
        return f"{self.name}: " + (", ".join(parts) if parts else "no parameters")


def _kind(p: Param) -> str:
    if p.options:
        return f" [{'|'.join(p.options)}]"
    return "" if p.type == "string" else f" [{p.type}]"


def tool_names() -> list[str]:
    """The provider's tools, in the order provider/gmail.yaml lists them."""
    provider = yaml.safe_load((ROOT / "provider" / "gmail.yaml").read_text(encoding="utf-8"))
    return [Path(entry).stem for entry in provider["tools"]]


def load_tool(name: str) -> ToolSpec:
    names = tool_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise UsageError(f"There is no tool {name!r}.{hint} Tools: {', '.join(names)}.")
    spec = yaml.safe_load((ROOT / "tools" / f"{name}.yaml").read_text(encoding="utf-8"))
    params = tuple(
        Param(
            str(p["name"]),
            str(p["type"]),
            bool(p.get("required")),
            tuple(str(o["value"]) for o in p.get("options") or ()),
        )
        for p in spec.get("parameters") or ()
    )
    return ToolSpec(name, str(spec["description"]["human"]["en_US"]), params)


def parse_args(
    text: str, tool: ToolSpec, attach: Callable[[Path], dict[str, Any]]
) -> dict[str, Any]:
    """``key=value`` pairs -> parameters; ``attach`` turns a local path into a Dify file."""
    try:
        words = shlex.split(text or "")
    except ValueError as exc:
        raise UsageError(f"ARGS cannot be read ({exc}): close every quote.") from None
    by_name = {p.name: p for p in tool.params}
    out: dict[str, Any] = {}
    for word in words:
        name, equals, value = word.partition("=")
        if not equals or not name:
            raise UsageError(
                f"{word!r} in ARGS is not name=value. Example: ARGS='{_example(tool)}'"
            )
        param = by_name.get(name)
        if param is None:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise UsageError(f"{tool.name} has no parameter {name!r}.{hint} {tool.usage()}")
        if name in out:
            raise UsageError(f"{name} is given twice in ARGS; give it once.")
        out[name] = _typed(param, value, attach)
    missing = [p.name for p in tool.params if p.required and p.name not in out]
    if missing:
        raise UsageError(
            f"{tool.name} needs {', '.join(f'{m}=…' for m in missing)} in ARGS. {tool.usage()}"
        )
    return out


def _typed(param: Param, value: str, attach: Callable[[Path], dict[str, Any]]) -> Any:
    kind = param.type
    if param.options and value not in param.options:
        raise UsageError(f"{param.name} must be one of {', '.join(param.options)}; got {value!r}.")
    if kind == "number":
        try:
            return int(value)
        except ValueError:
            pass
        try:
            return float(value)
        except ValueError:
            raise UsageError(f"{param.name} must be a number; got {value!r}.") from None
    if kind == "boolean":
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        raise UsageError(f"{param.name} must be true or false; got {value!r}.")
    if kind in FILE_TYPES:
        paths = [v.strip() for v in value.split(",") if v.strip()] if kind == "files" else [value]
        files = []
        for raw in paths:
            path = Path(raw).expanduser()
            if not path.is_file():
                raise UsageError(f"{param.name}: no file at {raw!r} (a path on this computer).")
            files.append(attach(path))
        return files if kind == "files" else files[0]
    return value


def _example(tool: ToolSpec) -> str:
    first = next((p for p in tool.params if p.required), tool.params[0] if tool.params else None)
    return f"{first.name}=…" if first else ""
