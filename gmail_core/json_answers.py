"""Google's JSON answers (Gmail API and OAuth token endpoint), parsed. Pure function.

``orjson`` parses a 1.5 kB message resource in ~40% of the standard library's time (~60%
with the check below; README "Performance"), but it is not the same parser: it refuses some
input the standard library reads (``NaN``, lone surrogates, a byte order mark, UTF-16,
nesting deeper than 1024) and reads integers beyond 64 bits as floats. So ``orjson`` reads
only input it reads exactly as ``json`` would, and the standard library everything else:
what is accepted, and the value returned, are the standard library's
(tests/unit/test_json_answers.py).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# orjson reads floats exactly as ``json`` does (correctly rounded), and integers too up to 64
# bits; beyond, it returns a float. Such an integer has 19 digits or more in a row, after
# what may come before an integer in JSON: the start, ``[``, ``,``, ``:``, whitespace or
# ``-``. Input with no such run is orjson's; the rare rest (such runs in strings included)
# goes to the standard library. One ``translate`` and one search: ~1 µs for 1.5 kB.
_INTEGER_SHAPES = bytes.maketrans(b"0123456789[,: \t\n\r-", b"0000000000" + b":" * 8)
_LONG_INTEGER = b"0" * 19
_LONG_INTEGER_INSIDE = b":" + _LONG_INTEGER


def parse(content: bytes) -> Any:
    """The JSON value in ``content``; ValueError when it is not JSON, nesting too deep
    included (the standard library's RecursionError)."""
    if _reads_alike(content):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass  # perhaps JSON all the same: the standard library decides
    try:
        return json.loads(content)
    except RecursionError as exc:
        raise ValueError("JSON nested too deep") from exc


def _reads_alike(content: bytes) -> bool:
    """Whether ``orjson`` reads ``content`` as ``json`` would (see above). A function of its
    own so that the translated copy is freed before the parse: a 20 MB answer (a large body
    in ``format=full``) would otherwise hold a third copy at the parse's peak."""
    shapes = content.translate(_INTEGER_SHAPES)
    return _LONG_INTEGER_INSIDE not in shapes and not shapes.startswith(_LONG_INTEGER)
