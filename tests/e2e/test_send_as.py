"""Send as the user really sends, through the plugin process against the fake Gmail: send-as
addresses, Gmail signatures, and the "Read and draft (never sends)" access level."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.fakegoogle.mailbox import Mailbox
from devkit.plugin_process import PluginProcess, SessionResult
from tests.e2e import mail

pytestmark = pytest.mark.e2e

ME = "jane@acme.example"
SIGNATURE = (
    '<div dir="ltr"><b>Jane Doe</b><br>ACME Corp<br>'
    '<a href="https://acme.example">acme.example</a><script>alert(1)</script></div>'
)
SUPPORT_SIGNATURE = '<div dir="ltr">ACME Support team<br><i>We reply within a day</i></div>'
SEND_AS_LIST = "/gmail/v1/users/me/settings/sendAs"


def setup_box(box: Mailbox) -> Mailbox:
    box.primary.display_name = "Jane Doe"
    box.primary.signature = SIGNATURE
    box.add_alias(
        "support@acme.example",
        display_name="ACME Support",
        signature=SUPPORT_SIGNATURE,
        reply_to="tickets@acme.example",
    )
    box.add_alias("sales@acme.example")  # no name, no signature of its own
    box.add_alias("board@partner.example", display_name="Board", verification="pending")
    return box


@pytest.fixture(scope="module")
def box(fake: FakeGoogle) -> Mailbox:
    return setup_box(fake.add_mailbox("tok-sendas", email=ME, scopes={GMAIL_MODIFY}))


CREDS = {"access_token": "tok-sendas", "refresh_token": "rt", "scope": GMAIL_MODIFY}


def ok(plugin: PluginProcess, tool: str, **params: object) -> dict[str, Any]:
    result = plugin.invoke_tool(tool, params, CREDS)
    assert result.error is None, result.error
    return result.variables() | {"_text": the_text(result)}


def the_text(result: SessionResult) -> str:
    (message,) = result.of_type("text")
    return str(message["message"]["text"])


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def body(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None, subtype
    return str(part.get_content()).replace("\r\n", "\n")


def incoming(box: Mailbox, to: str, *, subject: str = "Order 1234", cc: str = "") -> str:
    msg = EmailMessage()
    msg["From"] = "Bob Buyer <bob@customer.example>"
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash((to, subject, cc)))}@customer.example>"
    msg["Date"] = "Fri, 20 Nov 2026 09:00:00 +0000"
    msg.set_content("Where is my order?\n")
    return box.add_message(msg.as_bytes())


# -- send-as addresses ----------------------------------------------------------------------


def test_send_from_an_alias_by_name(plugin: PluginProcess, fake: FakeGoogle, box: Mailbox) -> None:
    fake.stats.reset()
    v = ok(plugin, "send_message", to="bob@customer.example", subject="Hi", body="Hello",
           send_as="acme support")  # fmt: skip
    sent = parse(box.sent[-1])
    assert sent["From"] == "ACME Support <support@acme.example>"
    assert box.sent_from[-1] == "ACME Support <support@acme.example>"  # Gmail kept it
    assert sent["Reply-To"] == "tickets@acme.example"  # the alias's own Reply-To
    assert v["from"] == "ACME Support <support@acme.example>"
    assert "from ACME Support <support@acme.example> to bob@customer.example" in v["_text"]
    # Gmail's send-as list was read once, as a partial response
    reads = [c for c in fake.stats.calls if c.path == SEND_AS_LIST]
    assert len(reads) == 1 and "sendAsEmail" in reads[0].query["fields"][0]


def test_a_nameless_alias_goes_out_under_the_primary_name(
    plugin: PluginProcess, box: Mailbox
) -> None:
    ok(plugin, "send_message", to="bob@customer.example", body="x", send_as="sales@acme.example")
    assert parse(box.sent[-1])["From"] == "Jane Doe <sales@acme.example>"


def test_without_send_as_the_default_address_is_used(plugin: PluginProcess, box: Mailbox) -> None:
    v = ok(plugin, "send_message", to="bob@customer.example", body="x")
    assert parse(box.sent[-1])["From"] == "Jane Doe <jane@acme.example>"
    assert v["from"] == "Jane Doe <jane@acme.example>"


@pytest.mark.parametrize(
    ("send_as", "needle"),
    [
        ("board@partner.example", "not verified for sending yet"),
        ("Board", "not verified for sending yet"),
        ("ceo@acme.example", "not one of this Gmail account's send-as addresses"),
        ("Nobody Known", "not one of this Gmail account's send-as addresses"),
    ],
)
@pytest.mark.parametrize("tool", ["send_message", "create_draft", "reply_to_message"])
def test_an_unverified_or_unknown_alias_is_refused_and_nothing_goes_out(
    plugin: PluginProcess, box: Mailbox, tool: str, send_as: str, needle: str
) -> None:
    params: dict[str, Any] = {"to": "bob@customer.example", "body": "x", "send_as": send_as}
    if tool == "reply_to_message":
        params = {"message_id": incoming(box, ME), "body": "x", "send_as": send_as}
    sent, drafts = len(box.sent), len(box.drafts)
    result = plugin.invoke_tool(tool, params, CREDS)
    assert result.error is not None
    message = result.error["message"]
    assert needle in message
    assert "ACME Support <support@acme.example>" in message  # the choices that work
    assert "Board <board@partner.example>" not in message.split(":", 1)[1].split("Use one")[-1]
    assert (len(box.sent), len(box.drafts)) == (sent, drafts)


@pytest.mark.parametrize(
    ("to", "cc", "expected"),
    [
        ("ACME Support <support@acme.example>", "", "ACME Support <support@acme.example>"),
        ("orders@list.example", "sales@acme.example", "Jane Doe <sales@acme.example>"),
        ("Jane <jane@acme.example>", "", "Jane Doe <jane@acme.example>"),
        ("board@partner.example", "", "Jane Doe <jane@acme.example>"),  # pending: the default
    ],
)
def test_a_reply_goes_out_from_the_address_the_original_was_sent_to(
    plugin: PluginProcess, box: Mailbox, to: str, cc: str, expected: str
) -> None:
    original = incoming(box, to, cc=cc, subject=f"Question for {to}")
    v = ok(plugin, "reply_to_message", message_id=original, body="On its way.")
    assert parse(box.sent[-1])["From"] == expected == box.sent_from[-1] == v["from"]
    assert f"Reply sent from {expected}" in v["_text"]


def test_send_as_overrides_the_reply_default(plugin: PluginProcess, box: Mailbox) -> None:
    original = incoming(box, "support@acme.example", subject="Override")
    ok(plugin, "reply_to_message", message_id=original, body="x", send_as=ME)
    assert parse(box.sent[-1])["From"] == "Jane Doe <jane@acme.example>"


def test_a_reply_all_leaves_out_every_address_of_the_user(
    plugin: PluginProcess, box: Mailbox
) -> None:
    original = incoming(
        box,
        "support@acme.example, carol@customer.example",
        cc="sales@acme.example, jane@acme.example",
    )
    v = ok(plugin, "reply_to_message", message_id=original, body="x", reply_all=True)
    assert "acme.example" not in v["to"] and "carol@customer.example" in v["to"]


# -- signatures -----------------------------------------------------------------------------


def test_a_new_message_ends_with_the_signature_in_text_and_html(
    plugin: PluginProcess, box: Mailbox
) -> None:
    ok(plugin, "send_message", to="bob@customer.example", subject="S", body="Hello **Bob**")
    sent = parse(box.sent[-1])
    text, html = body(sent, "plain"), body(sent, "html")
    assert (
        text == "Hello **Bob**\n\n-- \nJane Doe\nACME Corp\nacme.example (https://acme.example)\n"
    )
    assert html.index("<strong>Bob</strong>") < html.index('<span class="gmail_signature_prefix">')
    assert '<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">' in html
    assert '<a href="https://acme.example">acme.example</a>' in html
    assert "script" not in html and "alert" not in html  # sanitised


def test_the_signature_is_the_send_as_addresss_own(plugin: PluginProcess, box: Mailbox) -> None:
    ok(plugin, "create_draft", to="bob@customer.example", body="Hi", send_as="support@acme.example")
    draft = parse(box.messages[list(box.drafts.values())[-1].message_id].raw)
    text = body(draft, "plain")
    assert text.endswith("-- \nACME Support team\nWe reply within a day\n")
    assert "Jane Doe" not in text


def test_a_reply_has_the_signature_above_the_quoted_original(
    plugin: PluginProcess, box: Mailbox
) -> None:
    original = incoming(box, ME, subject="Signed reply")
    ok(plugin, "reply_to_message", message_id=original, body="Shipped today.")
    sent = parse(box.sent[-1])
    text, html = body(sent, "plain"), body(sent, "html")
    assert text.index("Shipped today.") < text.index("-- \nJane Doe") < text.index("wrote:")
    assert text.index("wrote:") < text.index("> Where is my order?")
    assert html.index("Shipped today.") < html.index("gmail_signature") < html.index("gmail_quote")


def test_a_forward_has_the_signature_above_the_forwarded_message(
    plugin: PluginProcess, box: Mailbox
) -> None:
    mid = box.add_message(mail.with_attachment())
    ok(plugin, "forward_message", message_id=mid, to="acc@acme.example", note="FYI",
       include_attachments=False)  # fmt: skip
    sent = parse(box.sent[-1])
    text, html = body(sent, "plain"), body(sent, "html")
    assert text.index("FYI") < text.index("-- \nJane Doe") < text.index("Forwarded message")
    assert html.index("FYI") < html.index("gmail_signature") < html.index("Forwarded message")


def test_a_body_already_ending_with_the_signature_is_not_signed_again(
    plugin: PluginProcess, box: Mailbox
) -> None:
    # As an agent copies it from a message the user sent (get_message shows Markdown)
    written = "Hello Bob,\n\nthe parcel left today.\n\nJane Doe\nACME Corp\n[acme.example](https://acme.example)"
    ok(plugin, "send_message", to="bob@customer.example", body=written, body_format="text")
    text = body(parse(box.sent[-1]), "plain")
    assert text.count("Jane Doe") == 1 and "-- " not in text


def test_include_signature_false_leaves_it_out(plugin: PluginProcess, box: Mailbox) -> None:
    original = incoming(box, ME, subject="Unsigned")
    ok(plugin, "reply_to_message", message_id=original, body="Ok", include_signature=False)
    sent = parse(box.sent[-1])
    assert "Jane Doe\nACME" not in body(sent, "plain") and "gmail_signature" not in body(
        sent, "html"
    )


def test_update_draft_signs_a_new_body_and_keeps_a_kept_one(
    plugin: PluginProcess, box: Mailbox
) -> None:
    draft_id = ok(plugin, "create_draft", to="bob@customer.example", body="v1")["draft_id"]

    def stored(subtype: str = "plain") -> str:
        return body(parse(box.messages[box.drafts[draft_id].message_id].raw), subtype)

    ok(plugin, "update_draft", draft_id=draft_id, subject="New subject")  # body kept
    assert stored("html").count('class="gmail_signature"') == 1  # not signed again
    assert stored().count("Jane Doe") == 1
    v = ok(plugin, "update_draft", draft_id=draft_id, body="v2", send_as="ACME Support")
    assert stored() == "v2\n\n-- \nACME Support team\nWe reply within a day\n"
    assert v["from"] == "ACME Support <support@acme.example>"


def test_update_draft_to_another_address_takes_that_address_reply_to(
    plugin: PluginProcess, box: Mailbox
) -> None:
    draft_id = ok(plugin, "create_draft", to="bob@customer.example", body="v1")["draft_id"]

    def stored() -> EmailMessage:
        return parse(box.messages[box.drafts[draft_id].message_id].raw)

    ok(plugin, "update_draft", draft_id=draft_id, send_as="ACME Support")
    assert stored()["Reply-To"] == "tickets@acme.example"  # the alias's own setting
    ok(plugin, "update_draft", draft_id=draft_id, send_as=ME)
    assert stored()["Reply-To"] is None  # not the other address's any more
    ok(plugin, "update_draft", draft_id=draft_id, reply_to="desk@acme.example")
    ok(plugin, "update_draft", draft_id=draft_id, send_as="ACME Support")
    assert stored()["Reply-To"] == "desk@acme.example"  # one the caller gave stays


# -- the read-and-draft level ---------------------------------------------------------------

DRAFTS_TOKEN = "tok-never-sends"
# Google granted more than the level asks for (an earlier gmail.modify grant): the plugin
# still refuses every send.
DRAFTS_CREDS = {
    "access_token": DRAFTS_TOKEN,
    "refresh_token": "rt",
    "scope": GMAIL_MODIFY,
    "access_level": "read_and_draft",
}


@pytest.fixture(scope="module")
def drafts_box(fake: FakeGoogle) -> Mailbox:
    return setup_box(fake.add_mailbox(DRAFTS_TOKEN, email=ME, scopes={GMAIL_MODIFY}))


def calls_of(fake: FakeGoogle, token: str) -> int:
    return sum(1 for c in fake.stats.calls if c.token == token)


def sending_calls(drafts_box: Mailbox, plugin: PluginProcess) -> list[tuple[str, dict[str, Any]]]:
    original = incoming(drafts_box, ME, subject="Can you send it?")
    draft_id = drafts_box.create_draft(
        b"To: bob@customer.example\r\nSubject: ready\r\n\r\nReady to go\r\n"
    ).id
    return [
        ("send_message", {"to": "bob@customer.example", "subject": "s", "body": "b"}),
        ("reply_to_message", {"message_id": original, "body": "b"}),
        ("reply_to_message", {"message_id": original, "body": "b", "as_draft": "false"}),
        ("forward_message", {"message_id": original, "to": "x@customer.example"}),
        ("send_draft", {"draft_id": draft_id}),
    ]


@pytest.mark.parametrize("caller", ["tool_node", "agent_app"])
def test_every_sending_path_is_refused_before_any_request_and_nothing_is_sent(
    plugin: PluginProcess, fake: FakeGoogle, drafts_box: Mailbox, caller: str
) -> None:
    for tool, params in sending_calls(drafts_box, plugin):
        before = calls_of(fake, DRAFTS_TOKEN)
        result = plugin.invoke_tool(tool, params, DRAFTS_CREDS, agent_app=caller == "agent_app")
        assert result.error is not None, tool
        message = result.error["message"]
        assert "never sends" in message and "a person reviews and sends them in Gmail" in message
        if tool in ("reply_to_message", "forward_message"):
            assert "as_draft=true" in message
        if tool == "send_message":
            assert "create_draft" in message
        assert calls_of(fake, DRAFTS_TOKEN) == before, tool  # refused before any request
    assert drafts_box.sent == [] and drafts_box.sent_from == []  # the outbox stays empty


def test_drafts_still_work_at_the_read_and_draft_level(
    plugin: PluginProcess, drafts_box: Mailbox
) -> None:
    def run(tool: str, **params: object) -> dict[str, Any]:
        result = plugin.invoke_tool(tool, params, DRAFTS_CREDS)
        assert result.error is None, (tool, result.error)
        text = the_text(result)
        assert "send_draft" not in text, text  # no advice to call a refused tool
        return result.variables() | {"_text": text}

    original = incoming(drafts_box, "support@acme.example", subject="Draft me a reply")
    reply = run("reply_to_message", message_id=original, body="Draft answer", as_draft=True)
    assert reply["draft_id"] in drafts_box.drafts
    assert reply["from"] == "ACME Support <support@acme.example>"
    assert "A person reviews and sends it in Gmail" in reply["_text"]
    forward = run("forward_message", message_id=original, to="team@acme.example", as_draft=True)
    stored = parse(drafts_box.messages[drafts_box.drafts[forward["draft_id"]].message_id].raw)
    assert stored["Subject"] == "Fwd: Draft me a reply" and "-- \nJane Doe" in body(stored, "plain")
    created = run(
        "create_draft", to="bob@customer.example", body="New", send_as="sales@acme.example"
    )
    run("update_draft", draft_id=created["draft_id"], body="Newer")
    listed = run("list_drafts")
    assert {reply["draft_id"], forward["draft_id"], created["draft_id"]} <= {
        d["draft_id"] for d in listed["drafts"]
    }
    run("get_message", message_id=original)
    run("delete_draft", draft_id=created["draft_id"])
    assert drafts_box.sent == []


@pytest.mark.parametrize(
    ("tool", "params"),
    [
        ("trash_messages", {"message_ids": "18c0000000000001"}),
        ("modify_messages", {"message_ids": "18c0000000000001", "mark_read": True}),
        ("create_label", {"name": "Agent"}),
    ],
)
def test_the_level_changes_no_labels(
    plugin: PluginProcess, fake: FakeGoogle, drafts_box: Mailbox, tool: str, params: dict[str, Any]
) -> None:
    before = calls_of(fake, DRAFTS_TOKEN)
    result = plugin.invoke_tool(tool, params, DRAFTS_CREDS)
    assert result.error is not None and "read-and-draft (never sends)" in result.error["message"]
    assert calls_of(fake, DRAFTS_TOKEN) == before


# -- a connection that may not read the send-as settings -------------------------------------

COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
READ_SETTINGS = "read your send-as addresses and signatures"


@pytest.fixture(scope="module")
def compose_box(fake: FakeGoogle) -> Mailbox:
    # The person unticked "read your email" on Google's consent screen: Google refuses
    # messages.get and settings.sendAs.list, and allows drafts.
    return setup_box(fake.add_mailbox("tok-compose-only", email=ME, scopes={COMPOSE}))


def compose_creds(*, recorded: bool) -> dict[str, Any]:
    """Read-and-draft credentials; ``recorded``: with the granted scopes Google returned
    (the plugin then knows before any request), else without (Google's 403 tells)."""
    creds = {"access_token": "tok-compose-only", "access_level": "read_and_draft"}
    return creds | ({"scope": COMPOSE} if recorded else {})


@pytest.mark.parametrize("recorded", [True, False])
def test_drafts_without_send_as_need_no_send_as_settings(
    plugin: PluginProcess, compose_box: Mailbox, recorded: bool
) -> None:
    result = plugin.invoke_tool(
        "create_draft",
        {"to": "bob@customer.example", "body": "Hi"},
        compose_creds(recorded=recorded),
    )
    assert result.error is None, result.error
    draft_id = result.variables()["draft_id"]
    stored = parse(compose_box.messages[compose_box.drafts[draft_id].message_id].raw)
    assert "Jane Doe" not in body(stored, "plain")  # no signature: it could not be read
    text = the_text(result)
    assert "without your signature" in text and READ_SETTINGS in text


@pytest.mark.parametrize("recorded", [True, False])
def test_send_as_without_permission_to_read_the_addresses_names_that_permission(
    plugin: PluginProcess, compose_box: Mailbox, recorded: bool
) -> None:
    before = len(compose_box.drafts)
    result = plugin.invoke_tool(
        "create_draft",
        {"to": "bob@customer.example", "body": "Hi", "send_as": "support@acme.example"},
        compose_creds(recorded=recorded),
    )
    assert result.error is not None and READ_SETTINGS in result.error["message"]
    assert "manage drafts" not in result.error["message"]
    assert len(compose_box.drafts) == before


def test_a_refused_request_names_the_permission_it_needed_not_the_tools(
    plugin: PluginProcess, compose_box: Mailbox
) -> None:
    # A reply saved as a draft first reads the original: Google refuses that read (403),
    # and the message names reading mail, not the drafts permission the tool has.
    original = incoming(compose_box, ME, subject="Read me first")
    params = {"message_id": original, "body": "ok", "as_draft": True}
    result = plugin.invoke_tool("reply_to_message", params, compose_creds(recorded=False))
    assert result.error is not None
    assert "read your email" in result.error["message"], result.error
    assert "manage drafts" not in result.error["message"]
