"""Run the plugin exactly as Dify's daemon does: ``python -m main`` with INSTALL_METHOD=local,
one JSON request per stdin line, JSON events on stdout."""

from __future__ import annotations

import binascii
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

from devkit import dify_views

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = "gmail"
#: the longest stdout line Dify's daemon reads (PLUGIN_STDIO_MAX_BUFFER_SIZE's default): on a
#: longer one its scanner fails and it kills the plugin process, every invocation with it
DAEMON_LINE_LIMIT = 5 * 1024 * 1024


def oauth_request(
    action: str, *, redirect_uri: str, system_credentials: dict[str, str], **extra: object
) -> dict[str, object]:
    """One OAuth action as the daemon sends it (get_authorization_url, get_credentials, ...)."""
    return {
        "type": "oauth",
        "action": action,
        "provider": PROVIDER,
        "user_id": "u1",
        "redirect_uri": redirect_uri,
        "system_credentials": system_credentials,
        **extra,
    }


def raw_callback(redirect_uri: str, query: dict[str, str], cookie: str) -> str:
    """The callback as Dify forwards it: the whole HTTP request, hex encoded, cookies included."""
    raw = (
        f"GET {urlparse(redirect_uri).path}?{urlencode(query)} HTTP/1.1\r\n"
        f"Host: {urlparse(redirect_uri).netloc}\r\nCookie: {cookie}\r\n"
        "User-Agent: Mozilla/5.0\r\n\r\n"
    ).encode()
    return binascii.hexlify(raw).decode()


@dataclass
class SessionResult:
    """Everything one session produced: stream payloads, an error, or both."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None

    @property
    def data(self) -> Any:
        """The single payload of a non-streaming action (oauth, validate)."""
        assert self.error is None, self.error
        assert len(self.messages) == 1, self.messages
        return self.messages[0]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    def variables(self) -> dict[str, Any]:
        return {
            m["message"]["variable_name"]: m["message"]["variable_value"]
            for m in self.of_type("variable")
        }

    def tool_node(self) -> dify_views.ToolNodeOutputs:
        """The outputs a workflow Tool node gets from this session."""
        return dify_views.tool_node(self.messages, self.error)

    def agent_node(self, strategy: dify_views.Strategy = "function_calling") -> str:
        """What the LLM of a workflow Agent node reads from this session."""
        return dify_views.agent_node(self.messages, self.error, strategy=strategy)

    def agent_app(self) -> str:
        """What the LLM of a classic Agent app reads from this session."""
        return dify_views.agent_app(self.messages, self.error)


class PluginProcess:
    def __init__(self, env: dict[str, str] | None = None, *, module: str = "main") -> None:
        """``module``: what ``python -m`` runs; ``main`` is the plugin as Dify runs it (another
        module may wrap it, e.g. ``bench.profiled_plugin`` runs it under a profiler)."""
        full_env = {**os.environ, "INSTALL_METHOD": "local", "PYTHONUNBUFFERED": "1"}
        full_env.pop("REMOTE_INSTALL_URL", None)
        full_env.pop("REMOTE_INSTALL_KEY", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=full_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._sessions: dict[str, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.other_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self.longest_line = 0  # bytes of the longest stdout line so far
        self.oversized_lines: list[int] = []  # sizes of lines the daemon would have died on
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _queue(self, sid: str) -> queue.Queue[dict[str, Any]]:
        with self._lock:
            return self._sessions.setdefault(sid, queue.Queue())

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            size = len(raw.rstrip(b"\n"))
            self.longest_line = max(self.longest_line, size)
            if size > DAEMON_LINE_LIMIT:
                # As the daemon does: its scanner gives up and it kills the plugin process.
                self.oversized_lines.append(size)
                self.proc.kill()
                return
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                self.other_lines.append(line)
                continue
            if event.get("event") == "session":
                self._queue(event["session_id"]).put(event["data"])
            else:
                self.other_lines.append(line)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.stderr_lines.append(raw.decode("utf-8", "replace"))

    def send(self, data: dict[str, Any], **context: str) -> str:
        """Write one request line. ``context`` adds top-level keys beside ``data`` — the daemon
        puts ``message_id``, ``conversation_id`` and ``app_id`` there, and dify_plugin copies
        them onto the tool's ``self.session``."""
        sid = uuid.uuid4().hex
        self._queue(sid)
        request = {"session_id": sid, "event": "request", **context, "data": data}
        line = json.dumps(request) + "\n"
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode())
        self.proc.stdin.flush()
        return sid

    def collect(self, sid: str, timeout: float = 60) -> SessionResult:
        q = self._queue(sid)
        result = SessionResult()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"session {sid} did not end; stderr: {self.stderr_text()[-2000:]}"
                )
            try:
                item = q.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.proc.poll() is not None:
                    if self.oversized_lines:
                        raise RuntimeError(
                            f"a stdout line of {self.oversized_lines[0]:,} bytes passed the "
                            f"daemon's {DAEMON_LINE_LIMIT:,}: Dify would kill this plugin process"
                        ) from None
                    raise RuntimeError(
                        f"plugin exited ({self.proc.returncode}): {self.stderr_text()[-3000:]}"
                    ) from None
                continue
            kind = item.get("type")
            if kind == "end":
                return result
            if kind == "error":
                result.error = item.get("data")
            elif kind == "stream":
                result.messages.append(item.get("data"))

    def call(self, data: dict[str, Any], timeout: float = 60, **context: str) -> SessionResult:
        return self.collect(self.send(data, **context), timeout)

    def invoke_tool(
        self,
        tool: str,
        params: dict[str, Any],
        credentials: dict[str, Any],
        timeout: float = 60,
        *,
        agent_app: bool = False,
        agent_node: bool = False,
    ) -> SessionResult:
        """Invoke a tool with the context Dify's daemon forwards for each caller: a workflow
        Tool node sends the app's ``app_id`` (the default); ``agent_node=True``: an Agent
        node's strategy, through Dify's backwards invocation, sends none; ``agent_app=True``:
        Dify's classic Agent app (function calling) sends the chat's ``message_id``,
        ``conversation_id`` and ``app_id``."""
        assert not (agent_app and agent_node), "one caller at a time"
        context: dict[str, str] = {"app_id": "app-1"}
        if agent_node:
            context = {}
        elif agent_app:
            context = {
                "message_id": "msg-" + uuid.uuid4().hex[:12],
                "conversation_id": "conv-1",
                "app_id": "app-1",
            }
        return self.call(
            {
                "type": "tool",
                "action": "invoke_tool",
                "user_id": "u1",
                "provider": PROVIDER,
                "tool": tool,
                "credentials": credentials,
                "credential_type": "oauth2",
                "tool_parameters": params,
            },
            timeout,
            **context,
        )

    def stderr_text(self) -> str:
        return "".join(self.stderr_lines)

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            # The SDK keeps running after stdin closes (as under the daemon): stop it.
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
