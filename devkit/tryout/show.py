"""How ``make try`` lays out what it shows: a terminal transcript, values abbreviated.

Pure formatting plus one writer (:class:`Console`); the complete, unabbreviated outputs of
every step go to files next to it (see ``devkit.tryout.steps``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

WIDTH = 100
LABEL = 10  # column of a field's value
MAX_TEXT_LINES = 44
MAX_FIELDS = 12
PROGRESS_AFTER = 3.0  # seconds before a waiting call starts showing that it is alive


class Console:
    """Writes the transcript; headings in bold on a terminal (not with NO_COLOR)."""

    def __init__(self, stream: TextIO | None = None, *, color: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        if color is None:
            color = self.stream.isatty() and not os.environ.get("NO_COLOR")
        self.color = color
        self._lock = threading.Lock()

    def write(self, text: str = "") -> None:
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.color else text

    def heading(self, text: str) -> None:
        self.write()
        self.write(self.bold(f"── {text} " + "─" * max(3, WIDTH - len(text) - 4)))

    def field(self, label: str, value: str = "") -> None:
        """``label`` in the left column, ``value`` beside it (continuation lines indented)."""
        lines = value.splitlines() or [""]
        if len(label) >= LABEL:
            self.write(f"{label}")
            self.write(" " * LABEL + lines[0])
        else:
            self.write(f"{label:<{LABEL}}{lines[0]}")
        for line in lines[1:]:
            self.write(" " * LABEL + line)

    def block(self, lines: Sequence[str], indent: int = LABEL) -> None:
        for line in lines:
            self.write(" " * indent + line)

    @contextlib.contextmanager
    def progress(self, what: str) -> Iterator[None]:
        """Say every few seconds that ``what`` is still running (nothing for quick calls)."""
        done = threading.Event()
        started = time.monotonic()

        def tick() -> None:
            while not done.wait(PROGRESS_AFTER):
                self.write(" " * LABEL + f"… {what}: {time.monotonic() - started:.0f} s")

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()


# --- values -------------------------------------------------------------------------------


def short(value: Any, width: int = 70) -> str:
    """One line for any JSON value, at most about ``width`` characters."""
    if isinstance(value, str):
        dumped = json.dumps(value, ensure_ascii=False)
        if len(dumped) <= width:
            return dumped
        cut = json.dumps(value[: max(8, width - 24)], ensure_ascii=False)[:-1]
        return f'{cut}…" ({len(value):,} characters)'
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(not isinstance(v, dict | list) for v in value):
            return _fit(json.dumps(value, ensure_ascii=False), width)
        noun = "object" if isinstance(value[0], dict) else "item"
        head = f"[{len(value)} {noun}{'s' if len(value) != 1 else ''}] "
        return head + short(value[0], width - len(head))
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)}: {short(v, 30)}" for k, v in value.items())
        return _fit("{" + inner + "}", width)
    return json.dumps(value, ensure_ascii=False)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def variable_lines(variables: Mapping[str, Any]) -> list[str]:
    """The workflow's variables: one line each; a list of objects shows its first object's
    fields on their own lines."""
    if not variables:
        return ["(no variables)"]
    name_width = min(18, max(len(k) for k in variables) + 1)
    out: list[str] = []
    for index, (name, value) in enumerate(variables.items()):
        if index == MAX_FIELDS:
            out.append(f"… {len(variables) - MAX_FIELDS} more")
            break
        if isinstance(value, list) and value and isinstance(value[0], dict):
            count = f"{len(value)} object{'s' if len(value) != 1 else ''}"
            out.append(f"{name:<{name_width}} [{count}], the first:")
            out.extend("  " + line for line in _object_lines(value[0]))
        else:
            out.append(f"{name:<{name_width}} {short(value, WIDTH - LABEL - name_width - 1)}")
    return out


def _object_lines(obj: Mapping[str, Any]) -> list[str]:
    width = min(16, max((len(k) for k in obj), default=0) + 1)
    shown = list(obj.items())[:MAX_FIELDS]
    lines = [f"{k:<{width}} {short(v, WIDTH - LABEL - width - 3)}" for k, v in shown]
    if len(obj) > MAX_FIELDS:
        rest = list(obj)[MAX_FIELDS:]
        lines.append(f"… and {len(rest)} more: {', '.join(rest)}")
    return lines


def text_lines(text: str, max_lines: int = MAX_TEXT_LINES) -> tuple[list[str], int]:
    """The text as ``│``-prefixed lines, cut after ``max_lines``; and how many were cut."""
    lines = text.rstrip("\n").splitlines() or [""]
    shown = ["│ " + line if line else "│" for line in lines[:max_lines]]
    return shown, max(0, len(lines) - max_lines)


def call_line(tool: str, params: Mapping[str, Any]) -> str:
    shown = []
    for name, value in params.items():
        if isinstance(value, dict):  # a Dify file: its name
            value = str(value.get("filename"))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            value = [str(f.get("filename")) for f in value]
        shown.append(f"{name}={short(value, 60)}")
    return "  ".join([tool, *shown])


def relative(path: Path) -> str:
    """``path`` from the current folder when it lies inside it (shorter to read)."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)
