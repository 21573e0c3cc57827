"""The benchmark scripts still run end to end (tiny sizes; no assertions on timing)."""

from __future__ import annotations

import re

import pytest

from bench import agent_view, run_all, search, send_memory

pytestmark = pytest.mark.e2e


def test_search_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert search.main(run_all.QUICK["search"]) == 0
    out = capsys.readouterr().out
    assert "speed-up" in out and "naive req" in out
    assert "N=5: plugin requests" in out and "N=60: plugin requests" in out


def test_agent_view_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert agent_view.main(run_all.QUICK["agent_view"]) == 0
    out = capsys.readouterr().out
    assert "chars/email" in out and "search_messages (max_results=5)" in out
    assert "trim_quoted=true" in out and "trim_quoted=false" in out
    # the measured figures, not the reference the bench prints as a constant
    row = re.search(r"search_messages \(max_results=5\)[ |]+(\d+)[ |]+[\d,]+[ |]+(\d+)[ |]+"
                    r"([\d,]+)[ |]+([\d,.]+)", out)  # fmt: skip
    assert row, out
    emails, total = int(row[2]), int(row[3].replace(",", ""))
    assert emails == 5 and total > 0
    assert float(row[4].replace(",", "")) == pytest.approx(total / emails, abs=0.05)
    per_message = re.search(r"search: ([\d,]+) chars per message", out)
    assert per_message and int(per_message[1].replace(",", "")) == round(total / emails)


def test_send_memory_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert send_memory.main(run_all.QUICK["send_memory"]) == 0
    out = capsys.readouterr().out
    assert "delivered: yes" in out
    assert "peak RSS during the send" in out and "manifest resource.memory" in out


def test_dify_rendering_matches_the_agent_rules() -> None:
    stream = [
        {"type": "text", "message": {"text": "2 messages."}},
        {"type": "variable", "message": {"variable_name": "count", "variable_value": 2}},
        {"type": "json", "message": {"json_object": {"a": "é"}}},
        {"type": "json", "message": {"json_object": {"a": "é"}}},
    ]
    assert agent_view.dify_agent_text(stream) == (
        '2 messages.variable_name=\'count\' variable_value=2 stream=False{"a": "é"}{"a": "é"}'
    )
    echoed = [{"type": "text", "message": {"text": "[1]"}}, {"type": "json",
              "message": {"json_object": [1]}}]  # fmt: skip
    assert agent_view.dify_agent_text(echoed) == "[1]"


def test_run_all_runs_every_bench_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[str, list[str] | None]] = []
    fakes = [(name, lambda argv, name=name: calls.append((name, argv)) or 0)
             for name, _ in run_all.benches()]  # fmt: skip
    monkeypatch.setattr(run_all, "benches", lambda: fakes)
    assert run_all.main(["--quick"]) == 0
    assert [c[0] for c in calls] == ["search", "agent_view", "send_memory"]
    assert all(argv == run_all.QUICK[name] for name, argv in calls)
    assert "all benchmarks" in capsys.readouterr().out
