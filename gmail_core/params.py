"""Tool parameters as LLMs and workflows really send them: "true", "20", "a, b", '["a"]'.

Each function returns a clean value or raises InvalidInputError naming the parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from gmail_core import extract
from gmail_core.errors import InvalidInputError

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off", "", "none", "null"}


def as_bool(params: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return default if text == "" else False
    raise InvalidInputError(f"'{name}' must be true or false, not '{_shown(value)}'.")


def as_int(
    params: Mapping[str, Any], name: str, default: int, *, minimum: int, maximum: int
) -> int:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or number != number or not number.is_integer():
        raise InvalidInputError(
            f"'{name}' must be a whole number between {minimum} and {maximum}, "
            f"not '{_shown(value)}'."
        )
    result = int(number)
    if not minimum <= result <= maximum:
        raise InvalidInputError(
            f"'{name}' must be between {minimum} and {maximum}; {result} is out of range."
        )
    return result


def as_str(params: Mapping[str, Any], name: str, default: str = "", *, max_len: int = 0) -> str:
    value = params.get(name)
    if value is None:
        return default
    text = value if isinstance(value, str) else str(value)
    if max_len and len(text) > max_len:
        raise InvalidInputError(
            f"'{name}' is too long ({len(text):,} characters; the limit is {max_len:,})."
        )
    return text


def required_str(params: Mapping[str, Any], name: str, *, max_len: int = 0) -> str:
    text = as_str(params, name, max_len=max_len).strip()
    if not text:
        raise InvalidInputError(f"'{name}' is required.")
    return text


def as_choice(params: Mapping[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices``, matched case-insensitively and returned in its canonical spelling."""
    text = as_str(params, name).strip() or default
    for choice in choices:
        if choice.casefold() == text.casefold():
            return choice
    raise InvalidInputError(f"'{name}' must be one of {', '.join(choices)}, not '{_shown(text)}'.")


_SPLIT = re.compile(r"[\s,;]+")


def as_list(params: Mapping[str, Any], name: str, *, split_spaces: bool = True) -> list[str]:
    """A list from a real list, a JSON list in a string, or a comma/newline separated string."""
    value = params.get(name)
    if value is None:
        return []
    items: list[Any]
    if isinstance(value, list | tuple):
        items = list(value)
    else:
        text = str(value).strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            items = parsed if isinstance(parsed, list) else [text.strip("[]")]
        else:
            items = [text]
    out: list[str] = []
    pattern = _SPLIT if split_spaces else re.compile(r"[,;\n]+")
    for item in items:
        for piece in pattern.split(str(item)):
            piece = piece.strip().strip("'\"").strip()
            if piece and piece not in out:
                out.append(piece)
    return out


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


BODY_FORMATS = ("markdown", "text", "html")


def optional_str(params: Mapping[str, Any], name: str, *, max_len: int = 0) -> str | None:
    """None when the parameter is absent or blank (so "keep the current value" is expressible)."""
    text = as_str(params, name, max_len=max_len)
    return text if text.strip() else None


def body_format(params: Mapping[str, Any]) -> str:
    return as_choice(params, "body_format", BODY_FORMATS, "markdown")


def attachment_text(params: Mapping[str, Any]) -> extract.Allowance | None:
    """What ``attachment_text`` and ``max_attachment_chars`` ask for: None when the text of
    attachments is not wanted, else what the call may spend on it."""
    chars = as_int(
        params,
        "max_attachment_chars",
        extract.DEFAULT_CHARS_PER_FILE,
        minimum=100,
        maximum=extract.MAX_CHARS_PER_CALL,
    )
    if not as_bool(params, "attachment_text"):
        return None
    return extract.Allowance(chars_per_file=chars)
