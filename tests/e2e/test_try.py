"""``make try`` end to end: the command a new user types, its output and exit status.

Sample mode runs ``make try`` itself (setup, the plugin process, the stand-in Gmail). The
real-Gmail mode runs ``scripts/try.sh`` with ``GMAIL=real`` against the fake Google started
here (GOOGLE_OAUTH_*_URL and GMAIL_API_BASE_URL point at it); the test plays the browser:
it follows the printed authorization URL to the fake's consent page, which redirects to the
loopback listener of the run. Nothing reaches the internet.
"""

from __future__ import annotations

import io
import json
import os
import queue
import re
import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devkit import sample_mailbox
from devkit.fakegoogle import GMAIL_COMPOSE, GMAIL_MODIFY, GMAIL_READONLY, FakeGoogle, Mailbox
from devkit.plugin_process import ROOT
from devkit.tryout import cli
from devkit.tryout.show import Console

pytestmark = pytest.mark.e2e

CLIENT_ID = "1234-try.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-try-e2e-client-secret"
# Token-shaped values (the fake's consent page issues Google-shaped ones): never printed.
SECRET_SHAPES = re.compile(r"ya29\.[\w-]+|GOCSPX-[\w-]+|1//[\w-]+|4/0A[\w-]+")
OUR_VARIABLES = ("GMAIL", "TOOL", "ARGS", "WRITE", "TRY_OUTPUT", "TRY_CREDENTIALS_FILE",
                 "TRY_OAUTH_PORT", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GMAIL_API_BASE_URL",
                 "GOOGLE_OAUTH_AUTH_URL", "GOOGLE_OAUTH_TOKEN_URL")  # fmt: skip


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    return {**env, **extra}


def make_try(*variables: str, output: Path) -> subprocess.CompletedProcess[str]:
    command = ["make", "--no-print-directory", "try", *variables]
    if shutil.which("make") is None:  # the script is what make runs
        command = ["scripts/try.sh"]
        variables_env = dict(v.split("=", 1) for v in variables)
    else:
        variables_env = {}
    return subprocess.run(
        command,
        cwd=ROOT,
        env=clean_env(TRY_OUTPUT=str(output), **variables_env),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_make_try_runs_the_scenario_on_the_sample_mailbox(tmp_path: Path) -> None:
    started = time.monotonic()
    run = make_try(output=tmp_path / "out")
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert time.monotonic() - started < 120
    # Connect went through the plugin's OAuth methods and showed no secret.
    assert "get_authorization_url" in out and "get_credentials" in out
    assert "access_token (hidden), refresh_token (hidden), scope gmail.modify" in out
    assert SECRET_SHAPES.search(out + run.stderr) is None
    headings = re.findall(r"^── (\d)\. (.+?) ─", out, re.M)
    assert headings == [
        ("1", "Search the inbox"),
        ("2", "Read the newest message"),
        ("3", "Read its conversation"),
        ("4", "Download an attachment"),
        ("5", "Reply as a draft"),
        ("6", "Label and archive the conversation"),
    ]
    # Each step: the call, the workflow variables, what each reader reads, files.
    assert 'search_messages  query="in:inbox"  max_results=6' in out
    assert "as each caller: Tool node" in out and "once, as a workflow Tool node" in out
    assert "workflow  messages         [6 objects], the first:" in out
    assert "the Tool node's text, the Agent node's LLM and the Agent app's LLM" in out
    for sample_text in ("来週の打ち合わせについて", "关于合同续签的问题", "AW: Training in January",
                        "-----Original Message-----", "Legal is fine with the 3-year term"):  # fmt: skip
        assert sample_text in out
    # The conversation shows each message's own text once: no quoted history, no phone sign-off.
    thread = (tmp_path / "out" / "03-get_thread" / "agent-node.txt").read_text()
    assert "Sent from my iPhone" not in thread and thread.count("Legal is fine with") == 1
    csv = tmp_path / "out" / "04-download_attachment" / "Northwind_volumes_2027.csv"
    assert csv.read_bytes() == sample_mailbox.VOLUMES_CSV.encode()
    assert f"{csv} " in out or "04-download_attachment/Northwind_volumes_2027.csv" in out
    # A non-image file is Dify's own limit in an Agent node: shown, and explained.
    assert "input_value='binary_link'" in out and "Dify's own limit" in out
    # The stand-in's mailbox shows the writes.
    state = out.split("The stand-in's mailbox now", 1)[1]
    assert "inbox     11 → 8 messages" in state
    assert "new label Work/Clients/Northwind (3 messages)" in state
    assert re.search(r"new draft r-?\d+ in thread \w+: \"RE: Northwind renewal", state)
    assert state.count("−INBOX +Work/Clients/Northwind") == 3
    assert out.rstrip().endswith(
        "✓ Done: 6 steps. Complete outputs in " + str(tmp_path / "out") + "/."
    )
    # The complete outputs: every reader's text and the workflow's variables, per step.
    search = json.loads((tmp_path / "out" / "01-search_messages" / "workflow.json").read_text())
    assert search["workflow"]["variables"]["count"] == 6
    assert (tmp_path / "out" / "03-get_thread" / "agent-app.txt").read_text().startswith("Thread ")


def test_make_try_calls_any_tool_with_typed_args(tmp_path: Path) -> None:
    run = make_try("TOOL=search_messages", "ARGS=query=from:alice max_results=5",
                   output=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'search_messages  query="from:alice"  max_results=5' in run.stdout
    assert "2 messages, newest first" in run.stdout
    assert "── 1. search_messages" in run.stdout and "── 2." not in run.stdout
    assert "nothing changed" in run.stdout


def test_a_failing_call_shows_each_callers_error_and_exits_1(tmp_path: Path) -> None:
    text = io.StringIO()
    status = cli.main(
        ["--tool", "get_message", "--args", "message_id=18c0000000000000",
         "--output", str(tmp_path)],
        Console(text),
    )  # fmt: skip
    out = text.getvalue()
    assert status == 1, out
    assert "error type: ToolFailure, error details: Gmail found no message" in out  # Tool node
    assert "tool invoke error: read tool response failed: request failed: Gmail found" in out
    assert "\n            tool invoke error: Gmail found no message" in out  # Agent app
    assert out.rstrip().endswith(
        "✗ get_message failed.\n  What to fix: Gmail found no message with that ID. Check the "
        "ID (search_messages returns valid IDs); it may have been deleted."
    )


def test_a_file_parameter_takes_a_local_path(tmp_path: Path) -> None:
    # The README's own example: the file is served by a stand-in of Dify's file service on
    # loopback, which the plugin must be told is Dify's.
    report = tmp_path / "report.txt"
    report.write_text("Q4 figures\n")
    text = io.StringIO()
    status = cli.main(
        ["--tool", "send_message", "--args",
         f"to=jane@example.org subject=Report body=Attached attachments={report}",
         "--output", str(tmp_path / "out")],
        Console(text),
    )  # fmt: skip
    out = text.getvalue()
    assert status == 0, out
    assert "Sent from Sam Taylor <sam.taylor@example.com> to jane@example.org" in out
    assert '"Report" (SENT)' in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--tool", "get_mesage"], "There is no tool 'get_mesage'. Did you mean get_message?"),
        (["--args", "query=x"], "ARGS needs TOOL"),
        (["--tool", "get_message"], "get_message needs message_id=…"),
        (["--gmail", "real", "--tool", "trash_messages", "--args", "message_ids=1"],
         "trash_messages changes your mailbox. Add WRITE=yes"),
    ],
)  # fmt: skip
def test_usage_mistakes_exit_2_before_anything_starts(
    argv: list[str], says: str, tmp_path: Path
) -> None:
    text = io.StringIO()
    assert cli.main([*argv, "--output", str(tmp_path / "out")], Console(text)) == 2
    assert says in text.getvalue()
    assert not (tmp_path / "out").exists()  # nothing ran


def test_a_plugin_that_cannot_start_is_reported_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSTALL_METHOD", "local")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # main.py's imports resolve here first
    (tmp_path / "dify_plugin.py").write_text("raise ImportError('dify_plugin is broken')\n")
    text = io.StringIO()
    assert cli.main(["--output", str(tmp_path / "out")], Console(text)) == 1
    out = text.getvalue()
    assert "✗ The plugin process stopped. Its last words: plugin exited (1)" in out
    assert "dify_plugin is broken" in out
    assert "What to fix: Run scripts/setup.sh" in out


# --- your own Gmail: the OAuth loop against the fake Google ------------------------------------


class RealRun:
    """``GMAIL=real scripts/try.sh --no-browser`` as a subprocess, its output line by line."""

    def __init__(self, fake: FakeGoogle, tmp: Path, **variables: str) -> None:
        env = clean_env(
            **fake.env(),
            GMAIL="real",
            TRY_OUTPUT=str(tmp / "out"),
            TRY_CREDENTIALS_FILE=str(tmp / "creds.json"),
            TRY_OAUTH_PORT="0",
            **variables,
        )
        self.proc = subprocess.Popen(
            ["scripts/try.sh", "--no-browser"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(self.seen)
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no {pattern!r} in:\n{''.join(self.seen)}")

    def finish(self, timeout: float = 120) -> tuple[int, str]:
        code = self.proc.wait(timeout)
        self.reader.join(10)  # every line read, up to the end of the output
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, "".join(self.seen)

    def play_browser(self) -> dict[str, str]:
        """Open the printed URL: the fake's consent page redirects to the loopback listener."""
        url = self.wait_for(r"^sign in\s+(\S+)").group(1)
        page = requests.get(url, timeout=30)
        assert page.status_code == 200 and "Return to the terminal" in page.text
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def google(scopes: set[str]) -> tuple[FakeGoogle, Mailbox]:
    fake = FakeGoogle(seed=5).start()
    box = fake.add_mailbox("tok-owner", "sam.taylor@example.com", scopes)
    sample_mailbox.populate(box)
    fake.oauth.client_id, fake.oauth.client_secret = CLIENT_ID, CLIENT_SECRET
    fake.oauth.consent_mailbox = box
    return fake, box


def labels_of(box: Mailbox) -> dict[str, list[str]]:
    return {mid: sorted(m.label_ids) for mid, m in box.messages.items()}


def test_real_mode_connects_read_only_saves_0600_then_refreshes(tmp_path: Path) -> None:
    fake, box = google({GMAIL_READONLY})  # any write would be refused by the fake
    before = labels_of(box)
    try:
        first = RealRun(fake, tmp_path, GOOGLE_CLIENT_ID=CLIENT_ID,
                        GOOGLE_CLIENT_SECRET=CLIENT_SECRET)  # fmt: skip
        query = first.play_browser()
        code, out = first.finish()
        assert code == 0, out
        assert query["scope"] == GMAIL_READONLY  # read-only by default
        assert re.match(r"http://127\.0\.0\.1:\d+/$", query["redirect_uri"])
        exchange = fake.oauth.requests[0]
        assert exchange["grant_type"] == "authorization_code"
        assert exchange["redirect_uri"] == query["redirect_uri"]
        assert "get_credentials" in out and "scope gmail.readonly" in out
        assert re.findall(r"^── (\d)\. ", out, re.M) == ["1", "2", "3", "4"]  # reads only
        assert "Nothing was changed: the connection is read-only." in out
        assert labels_of(box) == before and not box.drafts

        saved_path = tmp_path / "creds.json"
        assert stat.S_IMODE(saved_path.stat().st_mode) == 0o600
        saved = json.loads(saved_path.read_text())
        secrets = [CLIENT_SECRET, *map(str, saved["credentials"].values())]
        assert saved["access_level"] == "read_only" and saved["client_id"] == CLIENT_ID
        for secret in secrets:
            if secret.startswith(("ya29.", "1//", "GOCSPX-")):
                assert secret not in out
        assert SECRET_SHAPES.search(out) is None

        # The next run uses the saved connection (no secret in the environment); its access
        # token has expired, so the plugin's refresh_credentials runs first.
        saved["expires_at"] = int(time.time()) - 5
        saved_path.write_text(json.dumps(saved))
        second = RealRun(fake, tmp_path, TOOL="list_labels")
        code, out = second.finish()
        assert code == 0, out
        assert "sign in" not in out and "refresh_credentials" in out
        assert fake.oauth.requests[-1]["grant_type"] == "refresh_token"
        assert "Work/Clients" in out
        resaved = json.loads(saved_path.read_text())
        assert resaved["expires_at"] > time.time() + 3000
        assert resaved["credentials"]["refresh_token"] == saved["credentials"]["refresh_token"]
        assert stat.S_IMODE(saved_path.stat().st_mode) == 0o600
        assert SECRET_SHAPES.search(out) is None

        # Access removed in the Google account: the refresh fails, the run says why and signs
        # in again, and the new connection replaces the saved one.
        refresh_token = resaved["credentials"]["refresh_token"]
        requests.post(fake.env()["GOOGLE_OAUTH_REVOKE_URL"], data={"token": refresh_token},
                      timeout=10)  # fmt: skip
        resaved["expires_at"] = int(time.time()) - 5
        saved_path.write_text(json.dumps(resaved))
        third = RealRun(fake, tmp_path, TOOL="list_labels")
        third.play_browser()
        code, out = third.finish()
        assert code == 0, out
        assert "The saved connection no longer works: Google no longer accepts" in out
        renewed = json.loads(saved_path.read_text())["credentials"]["refresh_token"]
        assert renewed != refresh_token and stat.S_IMODE(saved_path.stat().st_mode) == 0o600
    finally:
        fake.stop()


def test_real_mode_with_write_yes_writes_then_undoes(tmp_path: Path) -> None:
    fake, box = google({GMAIL_MODIFY})
    before = labels_of(box)
    try:
        run = RealRun(fake, tmp_path, GOOGLE_CLIENT_ID=CLIENT_ID,
                      GOOGLE_CLIENT_SECRET=CLIENT_SECRET, WRITE="yes")  # fmt: skip
        assert run.play_browser()["scope"] == GMAIL_MODIFY
        code, out = run.finish()
        assert code == 0, out
        steps = re.findall(r"^── \d\. (.+?) ─", out, re.M)
        assert steps[4:] == [
            "Reply as a draft",
            "Label and archive the conversation",
            "Undo: back to the inbox, label removed",
            "Undo: delete the draft",
        ]
        assert labels_of(box) == before and not box.drafts  # everything undone
        assert box.label_by_name("Gmail for Dify (make try)") is not None  # stays, as it says
    finally:
        fake.stop()


def test_real_mode_names_what_a_failed_write_left_behind(tmp_path: Path) -> None:
    # Google granted gmail.modify, but the mailbox only lets drafts through (as when a
    # Workspace admin restricts it): the draft is written, labelling is refused.
    fake, box = google({GMAIL_READONLY, GMAIL_COMPOSE})
    try:
        run = RealRun(fake, tmp_path, GOOGLE_CLIENT_ID=CLIENT_ID,
                      GOOGLE_CLIENT_SECRET=CLIENT_SECRET, WRITE="yes")  # fmt: skip
        run.play_browser()
        code, out = run.finish()
        assert code == 1, out
        (draft_id,) = box.drafts
        assert "✗ modify_messages failed." in out
        assert f"This run left in your mailbox: the draft {draft_id}" in out
    finally:
        fake.stop()
