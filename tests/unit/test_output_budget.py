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
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert render.encoded_size(text[: len(shown) + 1]) - 2 > allowance  # the longest that fits


@pytest.mark.parametrize(
    "text",
    [
        "a" * 99_900 + "\x00" * 100_000,  # 1 byte a character, then 6 (an escape)
        "\x00" * 16_656 + "a" * 100_000,
        ("a" * 1000 + "\x00" * 50) * 200,
    ],
)
def test_cut_to_keeps_the_longest_start_in_few_measurements(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured = []
    size = render.encoded_size
    monkeypatch.setattr(render, "encoded_size", lambda v: measured.append(v) or size(v))
    shown = render.cut_to(text, 100_000)
    assert size(shown) - 2 <= 100_000 < size(text[: len(shown) + 1]) - 2
    assert len(measured) <= 20


def _fits(value: Any, budget: int) -> render.Fitted:
    fitted = render.fit_value(value, budget)
    assert render.encoded_size(fitted.value) <= budget
    return fitted


def test_fit_value_drops_items_from_the_longest_lists_when_the_frame_alone_passes() -> None:
    # 12 hostile messages of 500 attachments: keys and numbers alone pass the budget
    attachment = {"filename": "a.bin", "size": 10, "attachment_id": "A" + "x" * 200}
    value = [{"id": f"m{i}", "attachments": [dict(attachment)] * 500} for i in range(12)]
    fitted = _fits(value, 200_000)
    assert fitted.dropped > 0 and [m["id"] for m in fitted.value] == [f"m{i}" for i in range(12)]
    kept = [len(m["attachments"]) for m in fitted.value]
    assert max(kept) - min(kept) <= 1  # taken from the end of the longest lists, evenly
    assert all(isinstance(a["size"], int) for m in fitted.value for a in m["attachments"])
    assert "list items dropped from the end of its longest lists" in fitted.note("messages")
    assert "4 MB" in fitted.note("messages") and render.fit_value([1]).note("x") == ""


def test_fit_value_leaves_room_for_every_note_it_writes() -> None:
    # many strings right at the water level and one far above it: the cut ones need notes
    budget, count = 100_000, 500
    size = (budget - (3 * (count + 2) + 1)) // (count + 1)
    value = ["x" * size] * count + ["y" * (size + 20_000)]
    fitted = _fits(value, budget)
    assert fitted.cut >= 1 and "characters cut" in fitted.value[-1]


def test_fit_value_never_grows_short_strings() -> None:
    value = ["abcdefgh"] * 20_000  # each too short for a note of its own
    fitted = _fits(value, 100_000)
    assert render.encoded_size(fitted.value) < render.encoded_size(value)
    assert all("abcdefgh".startswith(text.removesuffix("…")) for text in fitted.value)
    assert len(fitted.value) == 20_000 and fitted.cut == 20_000 and not fitted.dropped


def test_fit_value_empties_what_it_cannot_keep() -> None:
    assert _fits({"k" * 100: 1}, 50).value == {}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=30) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=200,
)


@settings(max_examples=300, deadline=None)
@given(value=_json, budget=st.integers(min_value=4, max_value=3_000))
def test_fit_value_always_fits_the_budget(value: Any, budget: int) -> None:
    fitted = _fits(value, budget)
    if fitted.value is value:
        assert not (fitted.cut or fitted.dropped)
    elif isinstance(value, list | dict) and fitted.value:
        assert type(fitted.value) is type(value)


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


def test_the_text_says_when_a_variable_lost_items() -> None:
    tool = Huge.from_credentials({"access_token": "tok"})
    tool.session = SimpleNamespace(app_id="app-1", message_id=None)  # type: ignore[assignment]
    values = {"ids": list(range(10**6, 10**6 + 560_000))}  # numbers alone pass the budget
    text, variable = [m.message for m in tool._invoke({"text": "Found.", "values": values})]
    assert isinstance(text, ToolInvokeMessage.TextMessage)
    assert "[Variable ids was cut (" in text.text and "list items dropped" in text.text
    assert render.encoded_size(variable.model_dump()["variable_value"]) <= BUDGET


def test_fits_measures_only_strings_that_could_pass_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worst = "\x01" * 100  # 6 bytes a character, the most any takes
    assert render.encoded_size(worst) == 602
    measured = []
    size = render.encoded_size
    monkeypatch.setattr(render, "encoded_size", lambda v: measured.append(v) or size(v))
    assert render.fits(worst, 602) and not measured
    assert not render.fits(worst, 601) and measured == [worst]
    assert render.fits("a" * 100, 102) and not render.fits("a" * 100, 101)
    assert render.fit_value(worst, 602).value is worst
    assert render.fit_value(worst, 601).cut == 1


class Bodies(dify.GmailTool):
    """Answers like a search: a text and variables rendered from its bodies."""

    def run(self, params: dict[str, Any]) -> Iterator[Any]:
        items = params["items"]
        yield from self.answer_bodies(
            ["body"], lambda _: ("Found.", {"messages": items, "count": 1}), lambda _: ""
        )


def test_answer_bodies_measures_each_variable_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tool = Bodies.from_credentials({"access_token": "tok"})
    tool.session = SimpleNamespace(app_id="app-1", message_id=None)  # type: ignore[assignment]
    items = [{"id": "m1", "body": "body"}]
    measured = []
    size = render.encoded_size
    monkeypatch.setattr(render, "encoded_size", lambda v: measured.append(v) or size(v))
    lines = [daemon_line(m) for m in tool._invoke({"items": items})]
    assert len(lines) == 3 and b'"variable_value":[{"id":"m1","body":"body"}]' in lines[1]
    assert sum(value is items for value in measured) == 1
