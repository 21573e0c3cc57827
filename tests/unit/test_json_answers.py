"""gmail_core.json_answers against its oracle, the standard library's ``json``: for any bytes,
the same value (same types, same key order, NaN and -0.0 included) or a failure for both."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmail_core import json_answers
from gmail_core.client import answer_object, error_from_response
from gmail_core.errors import GmailApiError, TransientError

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(parse: Any, content: bytes) -> tuple[str, Any]:
    try:
        return "ok", parse(content)
    except (ValueError, RecursionError):  # the standard library's two ways to refuse
        return "refused", None


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types (1 is not 1.0, -0.0 is not 0.0, NaN is NaN), dicts in
    the same key order. Iterative: the values may be nested 1,400 deep."""
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):
            if list(x) != list(y):
                return False
            pending += [(x[k], y[k]) for k in x]
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            pending += zip(x, y, strict=True)
        elif isinstance(x, float):
            both_nan = x != x and y != y
            if not (both_nan or (x == y and math.copysign(1, x) == math.copysign(1, y))):
                return False
        elif x != y:
            return False
    return True


def assert_as_stdlib(content: bytes) -> None:
    got, value = outcome(json_answers.parse, content)
    expected, oracle = outcome(json.loads, content)
    assert got == expected, content[:200]
    assert same(value, oracle), content[:200]


# Text with lone surrogates, numbers of every size, floats with NaN and infinities.
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(codec=None), max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=25,
)


@SETTINGS
@given(
    value=values,
    ensure_ascii=st.booleans(),
    indent=st.sampled_from([None, 0, 2]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]),
)
def test_any_json_text_reads_as_the_standard_library_reads_it(
    value: Any, ensure_ascii: bool, indent: int | None, encoding: str
) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    assert_as_stdlib(text.encode(encoding, "surrogatepass"))


# Number tokens as written by anyone: many digits on both sides of the point, any exponent.
numbers = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole}{fraction}{exponent}",
    st.sampled_from(["", "-"]),
    st.from_regex(r"0|[1-9][0-9]{0,30}", fullmatch=True),
    st.sampled_from([""]) | st.from_regex(r"\.[0-9]{1,30}", fullmatch=True),
    st.sampled_from([""]) | st.from_regex(r"[eE][+-]?[0-9]{1,4}", fullmatch=True),
)


@SETTINGS
@given(tokens=st.lists(numbers, min_size=1, max_size=4), spaced=st.booleans())
def test_numbers_read_as_the_standard_library_reads_them(tokens: list[str], spaced: bool) -> None:
    """Floats correctly rounded (halfway cases, subnormals, overflow to infinity), integers
    exact at any size: orjson's floats are taken as they are, its long integers never."""
    separator = ", " if spaced else ","
    assert_as_stdlib(tokens[0].encode())
    assert_as_stdlib(f"[{separator.join(tokens)}]".encode())
    assert_as_stdlib(f'{{"n":{tokens[-1]}}}'.encode())


@SETTINGS
@given(value=values, data=st.data())
def test_json_bent_at_one_place_fails_or_reads_as_the_standard_library(
    value: Any, data: Any
) -> None:
    """Valid JSON with a few bytes cut, replaced or inserted: accepted alike, refused alike."""
    content = json.dumps(value, ensure_ascii=data.draw(st.booleans())).encode(
        "utf-8", "surrogatepass"
    )
    start = data.draw(st.integers(0, len(content)))
    stop = data.draw(st.integers(start, min(len(content), start + 3)))
    assert_as_stdlib(content[:start] + data.draw(st.binary(max_size=3)) + content[stop:])


@SETTINGS
@given(junk=st.binary(max_size=200) | st.text(max_size=60).map(str.encode))
def test_junk_fails_or_reads_as_the_standard_library(junk: bytes) -> None:
    assert_as_stdlib(junk)


@pytest.mark.parametrize(
    "content",
    [
        b'"\\ud800"',  # a lone surrogate escape: orjson refuses, json reads it
        b'"\\udd1e\\ud834"',
        b'"\xed\xa0\x80"',  # a UTF-8-encoded surrogate (json decodes with surrogatepass)
        b"18446744073709551616",  # beyond 64 bits: orjson would read a float
        b"-9223372036854775809",
        b'{"n": 123456789012345678901234567890}',
        b"[18446744073709551615, -9223372036854775808]",  # the edges orjson reads exactly
        b"0.1000000000000000055511151231257827",
        b"1.00000000000000011102230246251565404236316680908203125",  # halfway: rounds to even
        b"2.4703282292062328e-324",
        b"[NaN, Infinity, -Infinity, 1e400, -1e400]",
        b'{"a": 1, "b": 2, "a": 3}',  # duplicate keys: the last value, the first place
        b"\xef\xbb\xbf{}",  # a byte order mark: json skips it in bytes
        '{"a": "é"}'.encode("utf-16"),
        b'"\xff"',  # not UTF-8
        b'"a\tb"',  # a raw control character in a string
        b"",
        b" ",
        b"{} x",
        b"[1,]",
        b"01",
        b"-0",
        b"-0.0",
        b"[" * 1024 + b"]" * 1024,  # as deep as orjson reads
        b"[" * 1025 + b"]" * 1025,  # deeper: json reads it
        b"[" * 100_000 + b"]" * 100_000,  # past any reader's stack
    ],
)
def test_where_the_two_parsers_differ_the_standard_library_decides(content: bytes) -> None:
    assert_as_stdlib(content)


def test_the_cases_above_do_reach_both_parsers() -> None:
    """The cases are real differences: orjson refuses a lone surrogate and reads a 65-bit
    integer as a float."""
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(b'"\\ud800"')
    assert isinstance(orjson.loads(b"18446744073709551616"), float)
    assert json_answers.parse(b"18446744073709551616") == 2**64


def test_nesting_too_deep_is_a_value_error_and_an_unreadable_answer() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ValueError, match="nested too deep"):
        json_answers.parse(deep)
    with pytest.raises(TransientError) as caught:
        answer_object(b'{"a": ' + deep + b"}")
    assert caught.value.reason == "bad_json"


def test_an_error_answer_nested_too_deep_is_still_its_status() -> None:
    """A 403 whose body is JSON nested past the stack: the status still maps to an error."""
    err = error_from_response(403, b'{"error": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert isinstance(err, GmailApiError) and err.status == 403


def test_digits_in_strings_keep_the_fast_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long digit runs inside strings (a boundary made by Python's email package, in 41 of 50
    of the fake's messages) do not send an answer to the slower parser."""
    resource = (
        b'{"id":"18c00039a7c27534","internalDate":"1795132980000","sizeEstimate":1549,'
        b'"payload":{"headers":[{"name":"Content-Type","value":"multipart/alternative; '
        b'boundary=\\"===============0748071352526922800==\\""}]}}'
    )
    monkeypatch.setattr(json_answers.json, "loads", None)  # any use would raise TypeError
    assert json_answers.parse(resource)["sizeEstimate"] == 1549
