"""``make try``: run the real plugin process against a sample Gmail (or your own) and show,
step by step, what a workflow and each kind of agent get.

    make try                                    the scenario on the sample mailbox
    make try TOOL=get_message ARGS='message_id=18c0…'   any tool, any parameters
    make try GMAIL=real                         your Gmail, read-only
    make try GMAIL=real WRITE=yes               your Gmail, with the writing steps (undone)

(``scripts/try.sh`` turns those variables into this module's options.) Exit status: 0 when
every step worked, 1 when one failed (the message says what to fix), 2 for a usage mistake,
130 when interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import mimetypes
import os
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from devkit.file_service import FileServer
from devkit.plugin_process import ROOT, PluginProcess
from devkit.tryout import scenario
from devkit.tryout.connect import (
    ACCESS_FULL,
    ACCESS_READ_ONLY,
    Client,
    Connection,
    TokenStore,
    TryError,
)
from devkit.tryout.params import UsageError, load_tool, parse_args
from devkit.tryout.show import Console, relative
from devkit.tryout.stand_in import StandIn
from devkit.tryout.steps import READ_ONLY_TOOLS, OutputFolder, StepRunner

DEFAULT_OUTPUT = ROOT / "try-output"
DEFAULT_CREDENTIALS = ROOT / ".try-credentials.json"
DEFAULT_PORT = 8765
SAMPLE_TIMEOUT = 60.0
REAL_TIMEOUT = 300.0  # Dify's daemon gives one invocation 300 s


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="make try", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    p.add_argument("--gmail", choices=("sample", "real"), default="sample")
    p.add_argument("--tool", default="", help="call this one tool instead of the scenario")
    p.add_argument("--args", default="", help="the tool's parameters: 'name=value name=value'")
    p.add_argument("--write", action="store_true", help="GMAIL=real: allow changes (full access)")
    p.add_argument("--no-browser", action="store_true", help="print the sign-in URL only")
    p.add_argument(
        "--output",
        type=Path,
        default=Path(os.environ.get("TRY_OUTPUT") or DEFAULT_OUTPUT),
        help="folder for the complete outputs and files (emptied first; env TRY_OUTPUT)",
    )
    return p


def main(argv: list[str] | None = None, console: Console | None = None) -> int:
    options = parser().parse_args(argv)
    out = console or Console()
    try:
        try:
            return run(options, out)
        except TimeoutError as exc:  # PluginProcess: a session that never ended
            raise TryError(
                f"The plugin did not answer in time ({exc}).",
                "With your Gmail, check the network and run again; otherwise report it.",
            ) from None
        except RuntimeError as exc:  # PluginProcess: the plugin exited
            if not str(exc).startswith("plugin exited"):
                raise
            raise TryError(
                f"The plugin process stopped. Its last words: {str(exc)[-1500:]}",
                "Run scripts/setup.sh (it reinstalls the dependencies) and try again; if it "
                "still stops, report it with the lines above.",
            ) from None
    except UsageError as exc:
        out.write(f"✗ {exc}")
        return 2
    except TryError as exc:
        out.write()
        out.write(f"✗ {exc}")
        if exc.fix:
            out.write(f"  What to fix: {exc.fix}")
        return 1
    except KeyboardInterrupt:
        out.write()
        out.write("Stopped (Ctrl-C).")
        return 130


def run(options: argparse.Namespace, out: Console) -> int:
    real = options.gmail == "real"
    if options.args and not options.tool:
        raise UsageError("ARGS needs TOOL: make try TOOL=search_messages ARGS='query=…'")
    with contextlib.ExitStack() as stack:
        tool, params = _tool_call(options, stack)
        if real and tool and tool not in READ_ONLY_TOOLS and not options.write:
            raise UsageError(
                f"{tool} changes your mailbox. Add WRITE=yes to allow it (the connection then "
                "asks for full access)."
            )
        output = OutputFolder(options.output)
        output.reset()
        out.write(out.bold("Gmail for Dify: make try"))
        out.field("plugin", "python -m main, INSTALL_METHOD=local, one JSON line per request on "
                  "stdin (as Dify's plugin daemon runs it)")  # fmt: skip
        store = TokenStore(Path(os.environ.get("TRY_CREDENTIALS_FILE") or DEFAULT_CREDENTIALS))
        stand_in = None if real else StandIn()
        if stand_in is not None:
            stack.callback(stand_in.close)
            client = stand_in.client()
            out.field("gmail", stand_in.describe())
        else:
            client = _real_client(store, ACCESS_FULL if options.write else ACCESS_READ_ONLY)
            out.field("gmail", f"your Gmail, {client.access_level.replace('_', '-')} access")
        out.field("output", f"{relative(output.path)}/ (complete outputs and files per step)")
        plugin = PluginProcess(env=stand_in.env() if stand_in else {})
        stack.callback(plugin.close)
        timeout = REAL_TIMEOUT if real else SAMPLE_TIMEOUT
        connection = Connection(plugin, client, out, store=store if real else None, timeout=timeout)
        _connect(connection, out, real=real, no_browser=options.no_browser)

        step = StepRunner(plugin, connection, out, output, timeout=timeout)
        before = stand_in.snapshot() if stand_in else None
        if tool:
            step(tool, tool, params)
        elif real:
            scenario.run(step, out, scenario.REAL_WRITES if options.write else None)
        else:
            scenario.run(step, out, scenario.SAMPLE_WRITES)
        if stand_in is not None and before is not None:
            out.heading("The stand-in's mailbox now")
            out.block(stand_in.changes(before) or ["nothing changed"], indent=0)
        elif real and not options.write:
            out.heading("Your mailbox")
            out.write("Nothing was changed: the connection is read-only. WRITE=yes adds the "
                      "writing steps (and undoes them).")  # fmt: skip
    out.write()
    out.write(f"✓ Done: {step.number} step{'s' if step.number != 1 else ''}. Complete outputs in "
              f"{relative(output.path)}/.")  # fmt: skip
    return 0


def _tool_call(
    options: argparse.Namespace, stack: contextlib.ExitStack
) -> tuple[str, dict[str, Any]]:
    if not options.tool:
        return "", {}
    spec = load_tool(options.tool)
    files: list[FileServer] = []

    def attach(path: Path) -> dict[str, Any]:
        if not files:
            files.append(FileServer())
            stack.callback(files[0].close)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return files[0].file(path.name, path.read_bytes(), mime)

    return spec.name, parse_args(options.args, spec, attach)


def _real_client(store: TokenStore, level: str) -> Client:
    """Client ID and secret from GOOGLE_CLIENT_ID/GOOGLE_CLIENT_SECRET, the saved connection,
    or a prompt (the secret is not echoed)."""
    saved = store.load() or {}
    client_id = os.environ.get("GOOGLE_CLIENT_ID") or str(saved.get("client_id") or "")
    secret = os.environ.get("GOOGLE_CLIENT_SECRET") or ""
    if not secret and saved.get("client_id") == client_id:
        secret = str(saved.get("client_secret") or "")
    if not (client_id and secret) and not sys.stdin.isatty():
        raise TryError(
            "No Google OAuth client for your Gmail.",
            "Set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (a 'Desktop app' client; see README, "
            "'Try it with your own Gmail'), or run in a terminal to be asked.",
        )
    if not client_id:
        client_id = input("Google OAuth client ID (Desktop app): ").strip()
    if not secret:
        secret = getpass.getpass("Client secret (not shown): ").strip()
    return Client(client_id, secret, level)


def _connect(connection: Connection, out: Console, *, real: bool, no_browser: bool) -> None:
    out.heading("Connect: what Dify's Connect button does, through the plugin's OAuth methods")
    store = connection.store
    if real and store is not None and connection.resume():
        out.field("saved", f"{relative(store.path)} (mode 0600): {connection.describe()}")
        try:
            connection.credentials()  # refreshed here when it has expired
            return
        except TryError as failed:  # e.g. revoked: sign in again, the file is replaced
            out.field("", f"The saved connection no longer works: {failed.reason}")
            out.field("", "Signing in again.")
    if real:
        browse = _open_browser(out, no_browser)
        port = int(os.environ.get("TRY_OAUTH_PORT") or DEFAULT_PORT)
    else:
        browse, port = _stand_in_consent(out), 0
    connection.connect(browse, port=port)
    if real and store is not None:
        out.field("saved", f"{relative(store.path)} (mode 0600, never printed)")


def _open_browser(out: Console, no_browser: bool) -> Callable[[str], None]:
    def browse(url: str) -> None:
        out.field("sign in", url)
        opened = not no_browser and webbrowser.open(url)
        how = "Opened in your browser" if opened else "Open this URL in a browser"
        out.field("", f"{how}: sign in, tick the Gmail permission, Allow. Waiting for Google's "
                  "redirect (up to 10 minutes; Ctrl-C to stop)…")  # fmt: skip

    return browse


def _stand_in_consent(out: Console) -> Callable[[str], None]:
    """Plays the browser: the stand-in's consent page approves at once and redirects to the
    loopback listener, which answers the browser."""

    def browse(url: str) -> None:
        out.field("consent", "the stand-in signs in as the mailbox's owner and approves")
        try:
            requests.get(url, timeout=10)
        except requests.RequestException as exc:
            raise TryError(f"The stand-in's consent page failed: {exc}") from None

    return browse


if __name__ == "__main__":
    sys.exit(main())
