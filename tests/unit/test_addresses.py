"""Address list parsing: separators, quoting, IDN, validation, dedupe, limits."""

from __future__ import annotations

import re

import pytest

from gmail_core.addresses import (
    MAX_RECEIVED_NAME_CHARS,
    address_key,
    addresses_only,
    ascii_addr_spec,
    format_address_list,
    parse_address_list,
    parse_received_addresses,
    split_received,
)
from gmail_core.errors import InvalidInputError


@pytest.mark.parametrize("text", [None, "", "   ", ", ;\n"])
def test_empty_input_gives_empty_list(text: str | None) -> None:
    assert parse_address_list(text) == []


def test_bare_address() -> None:
    assert parse_address_list("bob@example.com") == [("", "bob@example.com")]


def test_angle_address_without_name() -> None:
    assert parse_address_list("<bob@example.com>") == [("", "bob@example.com")]


def test_quoted_display_name_with_comma() -> None:
    assert parse_address_list('"Doe, Jane" <jane@example.com>') == [
        ("Doe, Jane", "jane@example.com")
    ]


def test_quoted_display_name_with_escaped_quote_and_backslash() -> None:
    assert parse_address_list(r'"Jane \"JD\" Doe \\" <jane@example.com>') == [
        ('Jane "JD" Doe \\', "jane@example.com")
    ]


def test_unquoted_non_ascii_display_name() -> None:
    assert parse_address_list("山田太郎 <taro@example.jp>") == [("山田太郎", "taro@example.jp")]


def test_unquoted_multiword_name() -> None:
    assert parse_address_list("Jane Q. Doe <jane@example.com>") == [
        ("Jane Q. Doe", "jane@example.com")
    ]


def test_comment_form_gives_name() -> None:
    assert parse_address_list("bob@example.com (Bob Builder)") == [
        ("Bob Builder", "bob@example.com")
    ]


def test_idn_domain_is_accepted_and_kept_in_unicode() -> None:
    assert parse_address_list("user@bücher.example") == [("", "user@bücher.example")]
    assert ascii_addr_spec("user@bücher.example") == "user@xn--bcher-kva.example"


def test_domain_is_normalised_to_lower_case() -> None:
    assert parse_address_list("Bob@Example.COM") == [("", "Bob@example.com")]


@pytest.mark.parametrize(
    "text",
    [
        "a@example.com, b@example.com; c@example.com",
        "a@example.com\nb@example.com\r\nc@example.com",
        "a@example.com;b@example.com,\n c@example.com;",
    ],
)
def test_comma_semicolon_newline_separators(text: str) -> None:
    assert [addr for _, addr in parse_address_list(text)] == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]


def test_separators_inside_quotes_and_brackets_do_not_split() -> None:
    text = '"A; B, C" <a@example.com>, "x" <b@example.com>'
    assert parse_address_list(text) == [("A; B, C", "a@example.com"), ("x", "b@example.com")]


def test_mixed_realistic_list() -> None:
    text = '"Doe, Jane" <jane@example.com>; 山田太郎 <taro@example.jp>\nuser@bücher.example'
    assert parse_address_list(text) == [
        ("Doe, Jane", "jane@example.com"),
        ("山田太郎", "taro@example.jp"),
        ("", "user@bücher.example"),
    ]


def test_dedupe_is_case_insensitive_and_keeps_first() -> None:
    text = "Bob <bob@example.com>, BOB@EXAMPLE.COM, Other <Bob@Example.com>"
    assert parse_address_list(text) == [("Bob", "bob@example.com")]


def test_dedupe_treats_idn_spellings_as_one() -> None:
    text = "user@bücher.example, user@xn--bcher-kva.example"
    assert len(parse_address_list(text)) == 1


@pytest.mark.parametrize("bad", ["bob@", "bob", "@example.com", "a b@example.com", "<>"])
def test_invalid_address_is_named_with_field(bad: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_address_list(f"ok@example.com, {bad}", field="cc")
    message = str(info.value)
    assert repr(bad) in message
    assert " in cc " in message
    assert "Fix the address" in message or "has no email address" in message


def test_bob_at_message_shape() -> None:
    with pytest.raises(InvalidInputError, match=r"^'bob@' in cc is not a valid email address: "):
        parse_address_list("bob@", field="cc")


def test_non_ascii_local_part_is_refused_clearly() -> None:
    with pytest.raises(InvalidInputError, match=re.escape("tarö@example.com")):
        parse_address_list("tarö@example.com")


def test_no_dns_lookup_for_unknown_domain() -> None:
    # check_deliverability=False: a domain that cannot exist still validates by syntax.
    assert parse_address_list("x@no-such-domain-for-tests.example") == [
        ("", "x@no-such-domain-for-tests.example")
    ]


@pytest.mark.parametrize(
    "text",
    ['"Jane\nDoe" <jane@example.com>', "Jane <jane@\r\nexample.com>", "a@example.com (x\ny)"],
)
def test_line_break_inside_an_entry_is_rejected(text: str) -> None:
    with pytest.raises(InvalidInputError, match=r"line break.* in bcc"):
        parse_address_list(text, field="bcc")


def test_injected_header_line_is_rejected_and_named() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_address_list("a@example.com\r\nBcc: evil@example.com", field="to")
    assert "'Bcc: evil@example.com' in to" in str(info.value)


def test_control_character_in_name_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="control character"):
        parse_address_list('"Ja\x00ne" <jane@example.com>')


@pytest.mark.parametrize(
    "text", ['"Jane <jane@example.com>', "Jane <jane@example.com", "(x a@b.co"]
)
def test_unclosed_quote_or_bracket(text: str) -> None:
    with pytest.raises(InvalidInputError, match="Unclosed"):
        parse_address_list(text)


def test_two_angle_addresses_in_one_entry() -> None:
    with pytest.raises(InvalidInputError, match="more than one <address>"):
        parse_address_list("<a@example.com> <b@example.com>")


def test_max_count_500_allowed_501_rejected() -> None:
    five_hundred = ", ".join(f"user{i}@example.com" for i in range(500))
    assert len(parse_address_list(five_hundred)) == 500
    with pytest.raises(InvalidInputError, match="more than 500"):
        parse_address_list(five_hundred + ", one-more@example.com", field="to")


def test_max_count_counts_unique_addresses() -> None:
    assert len(parse_address_list("a@example.com, A@example.com", max_count=1)) == 1


def test_error_echo_is_short() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_address_list("x" * 5000)
    assert len(str(info.value)) < 300


def test_format_quotes_only_when_needed() -> None:
    pairs = [
        ("Doe, Jane", "jane@example.com"),
        ("山田太郎", "taro@example.jp"),
        ("", "bob@example.com"),
        ('Say "hi" \\', "q@example.com"),
    ]
    text = format_address_list(pairs)
    assert text == (
        '"Doe, Jane" <jane@example.com>, 山田太郎 <taro@example.jp>, bob@example.com, '
        '"Say \\"hi\\" \\\\" <q@example.com>'
    )
    assert parse_address_list(text) == pairs


def test_addresses_only_is_lower_case_ascii() -> None:
    text = 'Me <Me@Example.com>, "X" <user@Bücher.example>'
    assert addresses_only(text) == ["me@example.com", "user@xn--bcher-kva.example"]
    assert address_key("ME@example.COM") == "me@example.com"
    assert address_key("not an address") == ""


def test_received_headers_are_parsed_leniently() -> None:
    text = "undisclosed-recipients:;, Team: a@example.com, b@example.com;, broken@, Doe, J <j@x.io>"
    assert parse_received_addresses(text) == [
        ("", "a@example.com"),
        ("", "b@example.com"),
        ("J", "j@x.io"),
    ]


def test_received_headers_never_raise_and_long_names_are_left_out() -> None:
    hostile = "=?x?= " + "(" * 5000 + '<a@example.com>, "unclosed \\' + ", <b@example.com"
    assert parse_received_addresses(hostile) == []  # everything sits in a comment or a quote
    name = "N" * (MAX_RECEIVED_NAME_CHARS + 1)
    assert parse_received_addresses(f"{name} <n@example.com>, Ann <a@example.com>") == [
        ("", "n@example.com"),
        ("Ann", "a@example.com"),
    ]
    assert split_received('a@x.io, "Doe, J" <j@x.io>, (c, d) e@x.io, "open, f@x.io') == [
        "a@x.io",
        '"Doe, J" <j@x.io>',
        "(c, d) e@x.io",
        '"open, f@x.io',
    ]
