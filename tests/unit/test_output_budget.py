"""One answer line never passes the daemon's limit: the pieces that measure and cut (pure),
and GmailTool.answer, which applies them to every message a tool emits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from dify_plugin.core.server.__base.writer_entities import Event, StreamOutputMessage
from dify_plugin.entities.tool import ToolInvokeMessage

from gmail_core import dify, render

BUDGET = render.LINE_BUDGET
TRICKY = '日本語 "quoted" back\\slash\nnew\tline \x01 😀 é\u2028'


def daemon_line(message: ToolInvokeMessage) -> bytes:
    """The stdout line dify_plugin writes for a tool message (what the daemon's scanner reads)."""
    return (
        StreamOutputMessage(
            event=Event.SESSION,
            session_id="s" * 32,
            data={"type": "stream", "data": message.model_dump()},
        )
        .model_dump_json()
        .encode()
    )


def test_sizes_are_measured_as_dify_plugin_writes_them() -> None:
    for value in (TRICKY, [TRICKY, {"k": TRICKY, "n": 3}], "a" * 1000):
        text = ToolInvokeMessage(
            type=ToolInvokeMessage.MessageType.TEXT,
            message=ToolInvokeMessage.TextMessage(text=json.dumps(value)),
        )
        assert len(daemon_line(text)) - render.encoded_size(json.dumps(value)) < 200
    # UTF-8 as it is (3 bytes per CJK character), escapes for controls
    assert render.encoded_size("日本") == 2 + 6 and render.encoded_size("\x01") == 2 + 6


def test_shares_keep_small_values_whole_and_split_the_rest_evenly() -> None:
    assert render.shares([10, 20], 100) == [10, 20]
    assert render.shares([10, 1000, 2000], 610) == [10, 300, 300]
    assert render.shares([5, 5], -3) == [0, 0]
    assert sum(render.shares([7, 900, 13, 4000], 1000)) <= 1000


@pytest.mark.parametrize("allowance", [0, 1, 7, 100, 5_000])
def test_cut_to_fits_whatever_the_characters_cost(allowance: int) -> None:
    text = TRICKY * 200
    shown = render.cut_to(text, allowance)
    assert text.startswith(shown)
    assert render.encoded_size(shown) - 2 <= allowance
    assert render.encoded_size(text[: len(shown) + 40]) - 2 > allowance  # not cut far short


def test_fit_bodies_share_and_say_how_to_read_the_rest() -> None:
    bodies = ["short", "日" * 600_000, "x" * 3_000_000]
    shown = render.fit_bodies(bodies, 3_000_000, lambda i: f"read body {i} alone")
    assert shown[0] == "short"
    assert sum(render.encoded_size(b) - 2 for b in shown) <= 3_000_000
    for i in (1, 2):
        assert bodies[i].startswith(shown[i].split("\n\n[… cut here")[0])
        assert f"To see the rest, read body {i} alone." in shown[i]
        assert "more characters not shown" in shown[i] and "4 MB" in shown[i]


def test_fit_value_keeps_every_type_and_cuts_the_longest_strings() -> None:
    value = [
        {"id": f"m{i}", "to": "x" * 2_000_000, "count": i, "flags": [True], "labels": ["A"]}
        for i in range(4)
    ]
    fitted = render.fit_value(value, 1_000_000)
    assert render.encoded_size(fitted) <= 1_000_000
    assert [m["id"] for m in fitted] == ["m0", "m1", "m2", "m3"]
    assert [m["count"] for m in fitted] == [0, 1, 2, 3] and fitted[0]["flags"] == [True]
    assert all("characters cut" in m["to"] for m in fitted)
    small = [{"id": "m0", "to": "a@example.com"}]
    assert render.fit_value(small) is small  # what fits is passed through untouched


class Huge(dify.GmailTool):
    """Answers with whatever it is given (a stand-in for hostile mail reaching a tool)."""

    def run(self, params: dict[str, Any]) -> Iterator[Any]:
        yield from self.answer(params["text"], params["values"])


def test_every_line_a_tool_emits_fits_the_budget() -> None:
    tool = Huge.from_credentials({"access_token": "tok"})
    tool.session = SimpleNamespace(app_id="app-1", message_id=None)  # type: ignore[assignment]
    text = "From: " + "日" * 2_000_000  # 6 MB
    values = {"messages": [{"to": "a" * 3_000_000, "n": 1}, {"to": "b" * 3_000_000, "n": 2}]}
    lines = [daemon_line(m) for m in tool._invoke({"text": text, "values": values})]
    assert len(lines) == 2
    assert all(len(line) < BUDGET + 1024 for line in lines)
    assert b"was cut: one Dify tool answer holds at most 4 MB" in lines[0]
