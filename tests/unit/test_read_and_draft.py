"""The "Read and draft (never sends)" access level: what it asks Google for, and that the
plugin refuses to send on it whatever Google granted (the refusal names what to do instead)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from gmail_core import scopes
from gmail_core.client import GmailClient
from gmail_core.errors import ScopeError
from provider.gmail import GmailProvider

TOKEN = "ya29.test-token"
SYSTEM = {"client_id": "cid.apps.googleusercontent.com", "client_secret": "GOCSPX-secret"}
REDIRECT = "https://dify.example.com/console/api/oauth/plugin/x/gmail/gmail/tool/callback"
LEVEL = "read_and_draft"
# Tokens a read-and-draft connection may hold: its own scopes, or broader earlier grants.
TOKENS = [
    f"{scopes.READONLY} {scopes.COMPOSE}",
    scopes.MODIFY,
    f"{scopes.READONLY} {scopes.COMPOSE} {scopes.SEND} {scopes.FULL_MAIL}",
    None,  # not recorded
]


def test_it_asks_for_readonly_and_compose_and_no_earlier_grants() -> None:
    url = GmailProvider()._oauth_get_authorization_url(REDIRECT, {**SYSTEM, "access_level": LEVEL})
    query = parse_qs(urlparse(url).query)
    assert query["scope"] == [f"{scopes.READONLY} {scopes.COMPOSE}"]
    # include_granted_scopes would fold an earlier gmail.modify grant into the token.
    assert "include_granted_scopes" not in query


@pytest.mark.parametrize("granted", TOKENS)
def test_sending_is_refused_whatever_the_token_carries(granted: str | None) -> None:
    client = GmailClient(TOKEN, granted_scopes=granted, access_level=LEVEL)
    with pytest.raises(ScopeError) as refused:
        client.require("send", instead="Call reply_to_message again with as_draft=true.")
    message = str(refused.value)
    assert "never sends" in message and "nothing was sent" in message
    assert "a person reviews and sends them in Gmail" in message
    assert message.endswith("Call reply_to_message again with as_draft=true.")
    assert refused.value.reason == "access_level"
    assert not client.allows("send")


@pytest.mark.parametrize("granted", TOKENS)
def test_reading_and_drafts_are_allowed(granted: str | None) -> None:
    client = GmailClient(TOKEN, granted_scopes=granted, access_level=LEVEL)
    for capability in ("read", "compose"):
        client.require(capability)
        assert client.allows(capability)


@pytest.mark.parametrize("capability", ["modify", "labels"])
def test_label_changes_and_trash_are_refused_with_the_generic_text(capability: str) -> None:
    client = GmailClient(TOKEN, granted_scopes=scopes.MODIFY, access_level=LEVEL)
    with pytest.raises(ScopeError, match="read-and-draft \\(never sends\\) access level"):
        client.require(capability, instead="not used for this refusal")


def test_a_missing_grant_at_this_level_says_reconnect_not_switch_to_full() -> None:
    # The person unticked gmail.compose on Google's consent screen.
    client = GmailClient(TOKEN, granted_scopes=scopes.READONLY, access_level=LEVEL)
    with pytest.raises(ScopeError) as missing:
        client.require("compose")
    assert "Reconnect Gmail in Dify and tick every Gmail permission" in str(missing.value)
    assert "'full'" not in str(missing.value)


def test_the_full_level_still_allows_everything() -> None:
    client = GmailClient(TOKEN, granted_scopes=scopes.MODIFY, access_level="full")
    for capability in scopes.CAPABILITIES:
        assert client.allows(capability)
