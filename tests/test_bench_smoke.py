"""The benchmark scripts still run end to end (tiny sizes; no assertions on timing)."""

from __future__ import annotations

import re

import pytest

from bench import (
    agent_view,
    attachment_text,
    pathological,
    run_all,
    search,
    send_memory,
    stall,
    thread_trim,
    transfer_memory,
)

pytestmark = pytest.mark.e2e


def test_search_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert search.main(run_all.QUICK["search"]) == 0
    out = capsys.readouterr().out
    assert "speed-up" in out and "naive req" in out
    assert "N=5: plugin requests" in out and "N=60: plugin requests" in out
    assert "CPU ms/msg" in out and "peak MiB" in out and "load average" in out
    assert "get_thread (12 messages)" in out and "untrash_messages (100)" in out


def test_agent_view_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert agent_view.main(run_all.QUICK["agent_view"]) == 0
    out = capsys.readouterr().out
    assert "Agent node chars" in out and "search_messages (max_results=5)" in out
    assert "trim_quoted=true" in out and "trim_quoted=false" in out
    # the measured figures agree with each other (the targets and Dify's figures are constants
    # the bench prints itself, so they prove nothing)
    row = re.search(r"search_messages \(max_results=5\)\s*\|\s*([\d,]+)\s*\|\s*([\d,]+)", out)
    assert row, out
    node_chars = int(row[1].replace(",", ""))
    summary = re.search(r"search: 5 messages .*?: Agent node ([\d,]+), Agent app ([\d,]+) chars "
                        r"= ([\d,]+) per message", out)  # fmt: skip
    assert summary, out
    assert int(summary[1].replace(",", "")) == node_chars > 0
    assert int(summary[2].replace(",", "")) == int(row[2].replace(",", ""))
    assert int(summary[3].replace(",", "")) == round(node_chars / 5)
    typed = re.findall(r"\|\s*(\d+)/(\d+) typed", out)
    assert len(typed) >= 19 and all(got == declared for got, declared in typed)
    for tool in ("send_draft", "delete_draft", "create_label", "untrash_messages"):
        assert tool in out
    assert "variable_name=" not in out


def test_thread_trim_bench_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert thread_trim.main(run_all.QUICK["thread_trim"]) == 0
    out = capsys.readouterr().out
    assert "Outlook for Windows (en)" in out and "characters untrimmed" in out
    assert "exactly once when trimmed: yes" in out


def test_send_memory_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert send_memory.main(run_all.QUICK["send_memory"]) == 0
    out = capsys.readouterr().out
    assert "delivered: yes" in out
    assert "peak RSS during the send" in out and "manifest resource.memory" in out


def test_transfer_memory_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert transfer_memory.main(run_all.QUICK["transfer_memory"]) == 0
    out = capsys.readouterr().out
    assert "2 downloads at once" in out and "2 sends at once" in out and "FAIL" not in out


def test_attachment_text_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert attachment_text.main(run_all.QUICK["attachment_text"]) == 0
    out = capsys.readouterr().out
    assert "20 MB PDF: peak" in out and "budget idle + 150 MiB: PASS" in out
    assert "manifest resource.memory 256 MiB: PASS" in out and "hub: list_labels took" in out
    assert "No text layer" in out and "Traceback" not in out


def test_run_all_runs_every_bench_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[str, list[str] | None]] = []
    fakes = [(name, lambda argv, name=name: calls.append((name, argv)) or 0)
             for name, _ in run_all.benches()]  # fmt: skip
    monkeypatch.setattr(run_all, "benches", lambda: fakes)
    assert run_all.main(["--quick"]) == 0
    assert [c[0] for c in calls] == [
        "search",
        "agent_view",
        "thread_trim",
        "send_memory",
        "transfer_memory",
        "pathological",
        "stall",
        "attachment_text",
    ]
    assert all(argv == run_all.QUICK[name] for name, argv in calls)
    assert "all benchmarks" in capsys.readouterr().out


def test_pathological_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert pathological.main(run_all.QUICK["pathological"]) == 0
    out = capsys.readouterr().out
    assert "date_1mb" in out and "html_comment_openers_80kb" in out and "slowest case:" in out


def test_stall_bench_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert stall.main(run_all.QUICK["stall"]) == 0
    out = capsys.readouterr().out
    assert "alone:" in out and "during:" in out and "the slow read:" in out


def test_profile_bench_profiles_the_plugin_process(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import profile

    args = ["--calls", "2", "--warm", "1", "--mailbox", "30", "-n", "10", "--top", "40"]
    assert profile.main([*args, "--sort", "cumulative"]) == 0
    out = capsys.readouterr().out
    assert "search_messages {'max_results': 10}: 2 calls" in out
    assert "gmail_core/messages.py" in out and "(search)" in out  # the plugin's own code
