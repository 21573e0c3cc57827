"""Send-as addresses: reading Gmail's list, choosing the From, and the default for replies."""

from __future__ import annotations

import pytest

from gmail_core import sendas
from gmail_core.errors import InvalidInputError
from gmail_core.message import Message
from gmail_core.sendas import Identities

LISTED = {
    "sendAs": [
        {"sendAsEmail": "jane@acme.example", "displayName": "Jane Doe", "isPrimary": True,
         "signature": "<b>Jane</b>"},
        {"sendAsEmail": "support@acme.example", "displayName": "ACME Support",
         "replyToAddress": "tickets@acme.example", "verificationStatus": "accepted",
         "isDefault": True, "treatAsAlias": True},
        {"sendAsEmail": "sales@acme.example", "verificationStatus": "accepted"},
        {"sendAsEmail": "team@partner.example", "displayName": "Partner Team",
         "verificationStatus": "pending"},
        # A Workspace alias of the user's own domain may come without a status (reported).
        {"sendAsEmail": "j.doe@acme.example", "displayName": "J. Doe"},
        {"displayName": "no address"},
        "junk",
    ]
}  # fmt: skip
IDS = Identities.from_response(LISTED)


def test_the_list_is_read_tolerantly() -> None:
    assert [a.email for a in IDS.addresses] == [
        "jane@acme.example",
        "support@acme.example",
        "sales@acme.example",
        "team@partner.example",
        "j.doe@acme.example",
    ]
    assert Identities.from_response(None).addresses == ()
    assert Identities.from_response({"sendAs": "x"}).addresses == ()
    assert IDS.addresses[1].reply_to == "tickets@acme.example"


def test_default_is_gmails_default_then_the_primary() -> None:
    assert IDS.default() is not None and IDS.default().email == "support@acme.example"  # type: ignore[union-attr]
    primary_only = Identities.from_response({"sendAs": [LISTED["sendAs"][0]]})
    assert primary_only.default().email == "jane@acme.example"  # type: ignore[union-attr]
    assert Identities.from_response({}).default() is None


@pytest.mark.parametrize(
    ("wanted", "email"),
    [
        ("support@acme.example", "support@acme.example"),
        ("SUPPORT@ACME.EXAMPLE", "support@acme.example"),
        ("Whoever <sales@acme.example>", "sales@acme.example"),
        ("ACME Support", "support@acme.example"),
        ("  acme   support ", "support@acme.example"),
        ("Jane Doe", "jane@acme.example"),
        ("j.doe@acme.example", "j.doe@acme.example"),
    ],
)
def test_pick_by_address_or_display_name(wanted: str, email: str) -> None:
    assert IDS.pick(wanted).email == email


def test_a_pending_alias_is_refused_with_what_to_do() -> None:
    with pytest.raises(InvalidInputError) as err:
        IDS.pick("team@partner.example")
    message = str(err.value)
    assert "not verified" in message and "pending" in message
    assert "ACME Support <support@acme.example>" in message
    assert "Partner Team" not in message.split("use one of:")[1]


def test_an_unknown_address_lists_the_ones_that_work() -> None:
    with pytest.raises(InvalidInputError) as err:
        IDS.pick("ceo@acme.example")
    message = str(err.value)
    assert "not one of this Gmail account's send-as addresses" in message
    for listed in ("Jane Doe <jane@acme.example>", "ACME Support <support@acme.example>",
                   "Jane Doe <sales@acme.example>"):  # fmt: skip
        assert listed in message  # a custom address without a name uses the primary's
    assert "team@partner.example" not in message and "Nothing was sent" in message


def test_an_ambiguous_name_asks_for_the_address() -> None:
    twins = Identities.from_response(
        {
            "sendAs": [
                {"sendAsEmail": "a@x.example", "displayName": "Help", "isPrimary": True},
                {"sendAsEmail": "b@x.example", "displayName": "help"},
            ]
        }
    )
    with pytest.raises(InvalidInputError, match="several"):
        twins.pick("Help")


def test_a_malformed_address_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="send_as"):
        IDS.pick("sales@")


def original(**fields: str) -> Message:
    return Message(id="m", thread_id="t", **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (original(from_="Bob <bob@x.example>", to="Sales <SALES@acme.example>"), "sales@acme.example"),
        (original(from_="bob@x.example", to="list@x.example", cc="jane@acme.example, sales@acme.example"),
         "jane@acme.example"),
        (original(from_="bob@x.example", to="sales@acme.example", cc="jane@acme.example"),
         "sales@acme.example"),
        # replying to the user's own message: from the address it was sent from
        (original(from_="ACME Support <support@acme.example>", to="bob@x.example"),
         "support@acme.example"),
        # a pending alias is not one the reply may come from
        (original(from_="bob@x.example", to="team@partner.example"), None),
        (original(from_="bob@x.example", to="undisclosed-recipients:;"), None),
        (original(from_="bob@x.example", to='"unclosed <sales@acme.example>'), None),
    ],
)  # fmt: skip
def test_reply_default_is_the_address_the_original_was_sent_to(
    message: Message, expected: str | None
) -> None:
    found = IDS.for_reply(message)
    assert (found.email if found else None) == expected


def test_from_header_uses_the_primary_name_for_a_nameless_alias() -> None:
    assert IDS.from_header(IDS.pick("sales@acme.example")) == "Jane Doe <sales@acme.example>"
    assert (
        IDS.from_header(IDS.pick("support@acme.example")) == "ACME Support <support@acme.example>"
    )
    odd = Identities.from_response(
        {"sendAs": [{"sendAsEmail": "a@x.example", "displayName": "Doe, Jane", "isPrimary": True}]}
    )
    assert odd.from_header(odd.addresses[0]) == '"Doe, Jane" <a@x.example>'


def test_fields_ask_for_the_signature_only_when_it_is_used() -> None:
    assert "signature" in sendas.fields(with_signature=True)
    assert "signature" not in sendas.fields(with_signature=False)
    assert sendas.fields(with_signature=False).startswith("sendAs(sendAsEmail,")
