"""The batch codec (gmail_core.batch): Google's multipart/mixed format both ways, on its own.

The answers here are built the way Google's batch endpoint writes them (CRLF, ``Content-ID:
<response-…>``, an HTTP response per part, any order), then bent: LF line ends, a preamble
and an epilogue, cut at every byte, junk, bodies holding the boundary's text, odd Content-IDs,
transfer encodings, huge parts. The round trip runs the encoder's request through the fake
Google's batch parser (the ``email`` package: an independent reader) and back.
"""

from __future__ import annotations

import base64
import json
import quopri
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.fakegoogle.batch import parse_batch, run_batch
from devkit.fakegoogle.errors import Response
from gmail_core import batch

BOUNDARY = "batch_Zq1x"
CTYPE = f"multipart/mixed; boundary={BOUNDARY}"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Part = tuple[str, int, bytes]  # (call id, status, body)


def answer(
    parts: list[Part],
    *,
    newline: bytes = b"\r\n",
    preamble: bytes = b"",
    epilogue: bytes = b"",
    content_length: bool = False,
    boundary: str = BOUNDARY,
) -> bytes:
    """A batch answer as Google writes it (``newline`` between every line)."""
    out = [preamble] if preamble else []
    for call_id, status, body in parts:
        inner = [f"HTTP/1.1 {status} X".encode(), b"Content-Type: application/json; charset=UTF-8"]
        if content_length:
            inner.append(f"Content-Length: {len(body)}".encode())
        out += [
            f"--{boundary}".encode(),
            b"Content-Type: application/http",
            f"Content-ID: <response-{call_id}>".encode(),
            b"",
            *inner,
            b"",
            body,
        ]
    out.append(f"--{boundary}--".encode())
    return newline.join(out) + newline + epilogue


def decoded(body: bytes, content_type: str = CTYPE) -> dict[str, tuple[int, bytes]]:
    return {k: (v.status, v.body) for k, v in batch.decode(content_type, body).items()}


# -- strategies -----------------------------------------------------------------------------
ids = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@st.composite
def parts_of(draw: Any, min_size: int = 0) -> list[Part]:
    keys = draw(st.lists(ids, min_size=min_size, max_size=8, unique=True))
    out = []
    for key in keys:
        value = draw(json_values)
        indent = draw(st.sampled_from([None, 2]))  # compact, or Google's default indentation
        text = json.dumps(value, indent=indent, ensure_ascii=draw(st.booleans()))
        out.append((key, draw(st.integers(100, 599)), text.encode()))
    return out


# Text around the parts that holds no delimiter at a line start.
around = st.binary(max_size=40).map(lambda b: b.replace(b"\n-", b"\n "))


# -- round trip -----------------------------------------------------------------------------
@SETTINGS
@given(
    calls=st.lists(
        st.tuples(
            ids,
            st.lists(
                st.tuples(st.sampled_from(["q", "fields", "format"]), st.text(max_size=20)),
                max_size=3,
            ),
            st.sampled_from(["GET", "POST"]),
        ),
        min_size=1,
        max_size=batch.MAX_CALLS,
        unique_by=lambda c: c[0],
    ),
    seed=st.integers(0, 2**32),
)
def test_round_trip_through_an_independent_parser(calls: list[Any], seed: int) -> None:
    """encode -> the fake's email-package parser -> its answer builder (shuffled) -> decode:
    every call comes back under its own ID with what it asked for, whatever its query holds."""
    requests = [
        batch.BatchCall(key, f"/gmail/v1/users/me/messages/{key}", tuple(params), method)
        for key, params, method in calls
    ]
    content_type, body = batch.encode(requests, (("prettyPrint", "false"),))
    inner = parse_batch(body, content_type, "token")

    def echo(req: Any) -> Response:
        return Response.json({"method": req.method, "path": req.path, "query": req.query})

    reply = run_batch(inner, echo, None, random.Random(seed))
    got = batch.decode(reply.header("Content-Type") or "", reply.body)
    assert set(got) == {call.id for call in requests}
    for call in requests:
        echoed = json.loads(got[call.id].body)
        assert got[call.id].status == 200
        assert (echoed["method"], echoed["path"]) == (call.method, call.path)
        expected: dict[str, list[str]] = {"prettyPrint": ["false"]}
        for name, value in call.params:
            expected.setdefault(name, []).append(value)
        assert echoed["query"] == expected


def test_encode_writes_googles_format_and_shares_the_query_of_calls_alike() -> None:
    shared = (("format", "full"), ("fields", "id,payload(headers)"))
    content_type, body = batch.encode(
        [batch.BatchCall("a", "/p/a", shared), batch.BatchCall("b", "/p/b", shared)],
        (("prettyPrint", "false"),),
    )
    boundary = content_type.split("boundary=")[1]
    text = body.decode()
    assert text.startswith(f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <a>")
    assert (
        "GET /p/b?format=full&fields=id%2Cpayload%28headers%29&prettyPrint=false HTTP/1.1" in text
    )
    assert text.endswith(f"\r\n--{boundary}--\r\n")


# -- Google's answers, bent ------------------------------------------------------------------
@SETTINGS
@given(parts=parts_of(), preamble=around, epilogue=around, shuffle=st.randoms())
def test_any_order_preamble_and_epilogue(
    parts: list[Part], preamble: bytes, epilogue: bytes, shuffle: random.Random
) -> None:
    shuffle.shuffle(parts)
    body = answer(parts, preamble=preamble, epilogue=epilogue)
    if not parts:
        assert decoded(body) == {}
        return
    assert decoded(body) == {key: (status, data) for key, status, data in parts}


@SETTINGS
@given(parts=parts_of(min_size=1))
def test_lf_only_reads_as_crlf(parts: list[Part]) -> None:
    assert decoded(answer(parts, newline=b"\n")) == decoded(answer(parts))


def test_mixed_line_ends_find_the_first_blank_line() -> None:
    """An LF-only head whose body holds CRLF CRLF: the head ends at the first blank line."""
    body = (
        b"--b\nContent-Type: application/http\nContent-ID: <response-a>\n\n"
        b"HTTP/1.1 200 OK\nContent-Type: text/plain\n\nline 1\r\n\r\nline 2\n--b--\n"
    )
    got = batch.decode("multipart/mixed; boundary=b", body)
    assert got["a"].status == 200 and got["a"].body == b"line 1\r\n\r\nline 2"
    assert got["a"].headers == {"content-type": "text/plain"}


@SETTINGS
@given(parts=parts_of(min_size=1), content_length=st.booleans(), data=st.data())
def test_an_answer_cut_anywhere(parts: list[Part], content_length: bool, data: Any) -> None:
    """Parts wholly before the cut are exact; the part the cut falls in is left out, or (no
    Content-Length to tell) kept with the bytes that came, which the client then cannot read
    and fetches again. Nothing raises but the answer holding no delimiter at all."""
    body = answer(parts, content_length=content_length)
    cut = data.draw(st.integers(0, len(body)))
    whole = {key: (status, data) for key, status, data in parts}
    try:
        got = decoded(body[:cut])
    except ValueError:
        assert not body[:cut].startswith(b"--" + BOUNDARY.encode())
        return
    for key, (status, content) in got.items():
        assert status == whole[key][0]
        if content != whole[key][1]:  # what came of the part the cut fell in
            mime_head_end = body.index(b"\r\n\r\n", body.index(f"response-{key}>".encode()))
            start = body.index(b"\r\n\r\n", mime_head_end + 4) + 4  # after the HTTP head
            assert not content_length and body[start:cut] == content
    delimiter = b"\r\n--" + BOUNDARY.encode()  # the next one, whole, ends a part
    complete = [
        key
        for key, _, _ in parts
        if body.find(delimiter, body.index(f"response-{key}>".encode())) + len(delimiter) <= cut
    ]
    for key in complete:
        assert got[key] == whole[key]


@SETTINGS
@given(junk=st.binary(max_size=400), pieces=st.lists(st.binary(max_size=60), max_size=6))
def test_junk_never_raises_but_value_error(junk: bytes, pieces: list[bytes]) -> None:
    """Arbitrary bytes, alone or between delimiter lines: a dict of well-formed results, or
    ValueError when there is no delimiter at all."""
    delimiter = b"\r\n--" + BOUNDARY.encode() + b"\r\n"
    for body in (junk, delimiter.join([junk, *pieces]), junk + delimiter + b"--"):
        try:
            got = batch.decode(CTYPE, body)
        except ValueError:
            continue
        for key, result in got.items():
            assert key and isinstance(result, batch.BatchResult)
            assert 0 <= result.status <= 999 and isinstance(result.body, bytes)


def test_the_boundarys_text_inside_a_body_is_body() -> None:
    tricky = [
        f'{{"snippet": "--{BOUNDARY}--"}}'.encode(),  # mid-line
        f'{{"a": 1}}\r\n--{BOUNDARY}X is not a delimiter'.encode(),  # longer "boundary"
        f'{{"text": "line\\n--{BOUNDARY}"}}'.encode(),  # an escaped line break
    ]
    parts = [(f"m{i}", 200, body) for i, body in enumerate(tricky)]
    assert decoded(answer(parts)) == {key: (200, body) for key, _, body in parts}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"Content-ID: <response-a>", "a"),
        (b"Content-ID: response-a", "a"),
        (b"content-id:   < response-a >  ", "a"),
        (b"Content-ID: <a>", "a"),
        (b"Content-ID:", None),
        (b"Content-ID: <>", None),
        (b"X-Other: 1", None),
    ],
)
def test_odd_or_missing_content_ids(header: bytes, expected: str | None) -> None:
    body = b"\r\n".join(
        [b"--b", b"Content-Type: application/http", header, b"", b"HTTP/1.1 200 OK", b"",
         b"{}", b"--b--"]
    )  # fmt: skip
    got = batch.decode("multipart/mixed; boundary=b", body)
    assert list(got) == ([expected] if expected else [])


def test_transfer_encoded_parts_are_decoded_and_bad_ones_left_out() -> None:
    inner = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"id": "\xc3\xa9"}'

    def part(call_id: str, encoding: str, payload: bytes) -> bytes:
        return b"\r\n".join(
            [b"--b", b"Content-Type: application/http",
             f"Content-ID: <response-{call_id}>".encode(),
             f"Content-Transfer-Encoding: {encoding}".encode(), b"", payload]
        )  # fmt: skip

    body = b"\r\n".join(
        [
            part("b64", "base64", base64.encodebytes(inner).strip()),
            part("qp", "quoted-printable", quopri.encodestring(inner)),
            part("bad", "base64", b"***not base64***"),
            b"--b--",
        ]
    )
    got = batch.decode("multipart/mixed; boundary=b", body)
    assert set(got) == {"b64", "qp"}
    assert json.loads(got["b64"].body) == json.loads(got["qp"].body) == {"id": "é"}


def test_quoted_boundary_and_a_delimiter_with_trailing_whitespace() -> None:
    body = answer([("a", 200, b"{}")]).replace(f"--{BOUNDARY}\r\n".encode(), b"--q \t\r\n", 1)
    body = body.replace(f"--{BOUNDARY}--".encode(), b"--q--")
    assert decoded(body, 'multipart/mixed; boundary="q"') == {"a": (200, b"{}")}


def test_not_a_batch_answer() -> None:
    with pytest.raises(ValueError):
        batch.decode("text/plain", b"junk")
    with pytest.raises(ValueError):
        batch.decode(CTYPE, b"<html>502</html>")  # multipart claimed, no delimiter


def test_a_huge_answer_comes_through_whole() -> None:
    """50 parts of 1 MB each (a batch of large messages): every byte, each part once."""
    parts = [(f"m{i}", 200, b'{"data": "' + bytes([65 + i % 26]) * 1_000_000 + b'"}')
             for i in range(50)]  # fmt: skip
    got = batch.decode(CTYPE, answer(parts, content_length=True))
    assert len(got) == 50
    assert all(got[key].body == body for key, _, body in parts)


def test_a_part_with_a_non_ascii_digit_in_its_numbers_is_left_out_alone() -> None:
    """ "²".isdigit() is true and int() refuses it: one such part must not fail the others."""
    good = answer([("a", 200, b'{"id": "a"}')]).removesuffix(f"--{BOUNDARY}--\r\n".encode())
    odd_status = b"--%s\r\nContent-ID: <response-b>\r\n\r\nHTTP/1.1 \xb2 OK\r\n\r\n{}\r\n" % (
        BOUNDARY.encode()
    )
    odd_length = (
        b"--%s\r\nContent-ID: <response-c>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n"
        b"\r\n{}\r\n" % BOUNDARY.encode()
    )
    body = good + odd_status + odd_length + f"--{BOUNDARY}--\r\n".encode()
    got = decoded(body)
    assert got["a"] == (200, b'{"id": "a"}') and "b" not in got
    assert got.get("c", (200, b"{}")) == (200, b"{}")  # its length unknown: read to the next


# -- the headers read in place ----------------------------------------------------------------
header_names = st.sampled_from(
    [b"content-id", b"Content-ID", b"CONTENT-ID", b"content-length", b"Content-Length",
     b"content-transfer-encoding", b"x-content-id", b"content-idx", b"Vary", b""]
)  # fmt: skip
header_lines = st.builds(
    lambda before, name, after, value: before + name + after + b":" + value,
    st.sampled_from([b"", b" ", b"\t", b"x"]),
    header_names,
    st.sampled_from([b"", b" ", b"\t ", b"-"]),
    st.sampled_from([b"", b" 12", b" <response-a> ", b"\tbase64", b" a: b", b" content-id: c"]),
) | st.binary(max_size=20)


@SETTINGS
@given(
    lines=st.lists(header_lines, max_size=6),
    newline=st.sampled_from([b"\r\n", b"\n"]),
    name=st.sampled_from(["content-id", "content-length", "content-transfer-encoding"]),
)
def test_one_header_read_in_place_is_the_one_all_headers_hold(
    lines: list[bytes], newline: bytes, name: str
) -> None:
    """The decoder reads a part's Content-ID, Content-Transfer-Encoding and Content-Length in
    place; an error answer's headers are all read (``_headers``). Both agree on every head:
    names in any case with whitespace around them, the first of repeated headers, names inside
    values or longer names not taken."""
    head = newline.join(lines)
    expected = batch._headers(head).get(name, "")
    assert batch._header(head, head.lower(), name.encode()).decode("latin-1") == expected


def test_an_error_answers_headers_are_all_there() -> None:
    """Inner headers are read only when asked for (only error answers need them): a 429's
    Retry-After reaches the client."""
    body = (
        b"--b\r\nContent-Type: application/http\r\nContent-ID: <response-a>\r\n\r\n"
        b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
        b"Retry-After: 7\r\nretry-after: 9\r\nContent-Length: 2\r\n\r\n{}\r\n--b--\r\n"
    )
    got = batch.decode("multipart/mixed; boundary=b", body)["a"]
    assert got.status == 429 and got.body == b"{}"
    assert dict(got.headers) == {
        "content-type": "application/json", "retry-after": "7", "content-length": "2"
    }  # fmt: skip
    assert got.headers["retry-after"] == "7" and len(got.headers) == 3


@pytest.mark.parametrize(
    ("head", "body"),
    [
        (b"Content-Length : 2", b"{}"),  # whitespace before the colon
        (b"Content-Length: 2\r\nContent-Length: 5", b"{}"),  # the first counts
        (b"X-Content-Length: 1\r\nContent-Length: 2", b"{}"),  # a longer name is not it
        (b"X-Note: content-length: 1", b"{}xy"),  # nor a name inside a value
    ],
)
def test_content_length_found_as_http_reads_it(head: bytes, body: bytes) -> None:
    answer_ = (
        b"--b\r\nContent-ID: <response-a>\r\n\r\nHTTP/1.1 200 OK\r\n" + head
        + b"\r\n\r\n{}xy\r\n--b--\r\n"
    )  # fmt: skip
    assert batch.decode("multipart/mixed; boundary=b", answer_)["a"].body == body


def test_heads_full_of_header_names_are_read_in_linear_time() -> None:
    """A head line holding a header's name 300,000 times over (each a near miss) and no
    colon: each line is searched once, not once per occurrence (a minute per head)."""
    junk = b"x " + b"content-id content-length " * 300_000
    body = (
        b"--b\r\n" + junk + b"\r\nContent-ID: <response-a>\r\n\r\nHTTP/1.1 200 OK\r\n"
        + junk + b"\r\n\r\n{}\r\n--b--\r\n"
    )  # fmt: skip
    got = batch.decode("multipart/mixed; boundary=b", body)
    assert got["a"].body == b"{}"
