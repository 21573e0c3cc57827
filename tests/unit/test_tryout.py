"""``make try``'s pure parts: ARGS typed by the tool YAML, safe file names, the layout, the
0600 token file, and the sample mailbox's determinism."""

from __future__ import annotations

import importlib
import io
import os
import stat
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

from devkit import sample_mailbox
from devkit.tryout import params, show
from devkit.tryout.connect import ACCESS_FULL, ACCESS_READ_ONLY, TokenStore, summarize_url
from devkit.tryout.params import UsageError, load_tool, parse_args, tool_names
from devkit.tryout.show import short, text_lines, variable_lines
from devkit.tryout.steps import READ_ONLY_TOOLS, safe_filename
from gmail_core import scopes


def attach(path: Path) -> dict[str, Any]:
    return {"filename": path.name, "size": path.stat().st_size}


def parse(tool: str, text: str) -> dict[str, Any]:
    return parse_args(text, load_tool(tool), attach)


def test_args_are_typed_as_the_tool_yaml_declares(tmp_path: Path) -> None:
    assert parse("search_messages", "query='from:alice subject:(Q4 plan)' max_results=5") == {
        "query": "from:alice subject:(Q4 plan)",
        "max_results": 5,
    }
    got = parse("get_message", "message_id=18c0 max_body_chars=2.5 download_attachments=yes")
    assert got == {"message_id": "18c0", "max_body_chars": 2.5, "download_attachments": True}
    assert parse("get_thread", "thread_id=x trim_quoted=False")["trim_quoted"] is False
    assert parse("get_message", "message_id=1 body_format=text")["body_format"] == "text"
    assert parse("search_messages", "query=") == {"query": ""}
    a, b = tmp_path / "a.pdf", tmp_path / "b c.csv"
    a.write_bytes(b"%PDF")
    b.write_text("x,y")
    files = parse("send_message", f"to=bob@example.com attachments='{a},{b}'")["attachments"]
    assert files == [{"filename": "a.pdf", "size": 4}, {"filename": "b c.csv", "size": 3}]


@pytest.mark.parametrize(
    ("tool", "text", "says"),
    [
        ("search_messages", "max_results=many", "max_results must be a number; got 'many'"),
        ("get_message", "message_id=1 body_format=rtf", "must be one of markdown, text, html"),
        ("get_thread", "thread_id=1 trim_quoted=maybe", "trim_quoted must be true or false"),
        ("get_message", "id=1", "has no parameter 'id'"),
        ("get_message", "mesage_id=1", "Did you mean message_id?"),
        ("get_message", "body_format=text", "get_message needs message_id=…"),
        ("get_message", "message_id=1 message_id=2", "message_id is given twice"),
        ("get_message", "18c0", "'18c0' in ARGS is not name=value"),
        ("search_messages", "query='from:alice", "close every quote"),
        ("send_message", "to=a@b.c attachments=/nonexistent/x.pdf", "no file at '/nonexistent"),
    ],
)
def test_bad_args_name_the_fix(tool: str, text: str, says: str) -> None:
    with pytest.raises(UsageError, match=None) as caught:
        parse(tool, text)
    assert says in str(caught.value)


def test_unknown_tool_suggests_the_closest_and_lists_all() -> None:
    with pytest.raises(UsageError) as caught:
        load_tool("get_mesage")
    assert "Did you mean get_message?" in str(caught.value)
    assert all(name in str(caught.value) for name in tool_names())
    assert len(tool_names()) == 17


def test_read_only_tools_are_the_tools_that_change_nothing() -> None:
    """The set that GMAIL=real may call without WRITE=yes (its connection uses the
    read-only access level), and that is called once per caller: every tool the read-only
    level allows, list_drafts included."""
    from gmail_core.dify import GmailTool

    def capability(name: str) -> str:
        module = importlib.import_module(f"tools.{name}")
        (tool,) = [v for v in vars(module).values()
                   if isinstance(v, type) and issubclass(v, GmailTool) and v is not GmailTool]  # fmt: skip
        return str(tool.capability)

    allowed = scopes.ACCESS_LEVELS["read_only"].capabilities
    assert {name for name in tool_names() if capability(name) in allowed} == READ_ONLY_TOOLS


def test_access_levels_are_the_providers_options() -> None:
    import yaml

    provider = yaml.safe_load((Path(params.ROOT) / "provider" / "gmail.yaml").read_text())
    field = next(
        f for f in provider["oauth_schema"]["client_schema"] if f["name"] == "access_level"
    )
    assert {ACCESS_FULL, ACCESS_READ_ONLY} <= {o["value"] for o in field["options"]}


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("invoice.pdf", "invoice.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.docx", "report.docx"),
        (".bashrc", "bashrc"),
        ("a\x00b\nc.txt", "abc.txt"),
        ("", "attachment"),
        ("/", "attachment"),
    ],
)
def test_safe_filename_keeps_only_a_plain_name(name: str, want: str) -> None:
    assert safe_filename(name, set()) == want


def test_safe_filename_numbers_duplicates() -> None:
    taken: set[str] = set()
    got = [safe_filename(n, taken) for n in ("a.csv", "A.csv", "a.csv", "x", "x")]
    assert got == ["a.csv", "A (2).csv", "a (3).csv", "x", "x (2)"]


def test_values_are_abbreviated_with_their_length() -> None:
    body = "Hello " * 100
    assert short(body, 40).endswith('…" (600 characters)') and len(short(body, 40)) < 60
    assert short("ok") == '"ok"' and short(True) == "true" and short([]) == "[]"
    assert short([{"a": 1}, {"a": 2}]).startswith('[2 objects] {"a": 1}')
    lines = variable_lines({"count": 2, "messages": [{"id": "1", "subject": "Hi"}, {}]})
    assert lines == [
        "count     2",
        "messages  [2 objects], the first:",
        '  id       "1"',
        '  subject  "Hi"',
    ]
    shown, cut = text_lines("a\n\nb\nc", max_lines=3)
    assert (shown, cut) == (["│ a", "│", "│ b"], 1)


def test_a_slow_call_shows_it_is_alive_and_a_quick_one_shows_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(show, "PROGRESS_AFTER", 0.05)
    text = io.StringIO()
    console = show.Console(text)
    with console.progress("waiting for search_messages"):
        pass
    assert text.getvalue() == ""
    with console.progress("waiting for search_messages"):
        give_up = time.monotonic() + 5  # ticks are 0.05 s apart; the machine may pause
        while len(text.getvalue().splitlines()) < 2 and time.monotonic() < give_up:
            time.sleep(0.01)
    lines = text.getvalue().splitlines()
    assert len(lines) >= 2 and lines[0].strip().startswith("… waiting for search_messages: ")


def test_token_file_is_created_0600_and_restricted_again(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "creds.json")
    assert store.load() is None
    store.save({"credentials": {"access_token": "x"}})
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    os.chmod(store.path, 0o644)
    assert store.load() == {"credentials": {"access_token": "x"}}
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    store.save({"credentials": {}})  # replaces, still 0600
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.load() == {"credentials": {}}


def test_authorization_url_summary_hides_state_and_challenge() -> None:
    url = (
        "https://accounts.google.com/o/oauth2/v2/auth?client_id=c&redirect_uri=http%3A%2F%2F"
        "127.0.0.1%3A8765%2F&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fgmail.readonly"
        "&access_type=offline&prompt=consent&state=g1.123.abc.sig&code_challenge=xyz"
        "&code_challenge_method=S256"
    )
    assert summarize_url(url) == (
        "https://accounts.google.com/o/oauth2/v2/auth\n"
        "redirect_uri=http://127.0.0.1:8765/  scope=gmail.readonly  access_type=offline  "
        "prompt=consent  state=g1.…(signed)  code_challenge=…(S256)"
    )


def test_sample_mailbox_is_deterministic_and_has_what_it_promises() -> None:
    first = [(m.name, m.raw, m.labels) for m in sample_mailbox.messages()]
    again = [(m.name, m.raw, m.labels) for m in sample_mailbox.messages()]
    assert first == again
    raw = b"".join(m[1] for m in first)
    for marker in (
        b"-----Original Message-----",
        b"X-Mailer: iPhone Mail",
        b"gmail_quote",
        b'charset="iso-2022-jp"',
        b'charset="gb2312"',
        b'charset="iso-8859-1"',
        b"Content-Type: text/calendar",
        b"Content-Type: application/pdf",
        b"Content-Type: text/csv",
        b"Content-Type: image/png",
    ):
        assert marker in raw, marker
    assert any("/" in name for name in sample_mailbox.USER_LABELS)


def test_sample_attachments_are_well_formed() -> None:
    pdf = sample_mailbox.pdf(["Invoice 1", "Total: EUR 10"])
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf.startswith(b"%PDF-1.4") and pdf[xref:].startswith(b"xref\n0 6\n")
    for number, line in enumerate(pdf[xref:].splitlines()[3:8], start=1):
        assert pdf[int(line[:10]) :].startswith(b"%d 0 obj" % number)  # every offset is right
    image = sample_mailbox.png(3, 2, [(1, 2, 3), (4, 5, 6)])
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and image.endswith(b"IEND\xaeB`\x82")
    idat = image[image.index(b"IDAT") + 4 : image.index(b"IEND") - 8]
    assert zlib.decompress(idat) == b"\x00" + bytes([1, 2, 3]) * 3 + b"\x00" + bytes([4, 5, 6]) * 3
