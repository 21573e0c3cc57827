"""Connect → refresh → validate through the plugin process, as Dify's daemon drives it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from devkit import plugin_process
from devkit.fakegoogle import FakeGoogle
from devkit.plugin_process import PROVIDER, PluginProcess

pytestmark = pytest.mark.e2e

REDIRECT = "https://dify.example.com/console/api/oauth/plugin/inboxworks/gmail/gmail/tool/callback"
SYSTEM = {"client_id": "cid-e2e.apps.googleusercontent.com", "client_secret": "GOCSPX-e2e-secret"}
MODIFY = "https://www.googleapis.com/auth/gmail.modify"
READONLY = "https://www.googleapis.com/auth/gmail.readonly"


def oauth_request(action: str, **extra: object) -> dict[str, object]:
    return plugin_process.oauth_request(
        action, redirect_uri=REDIRECT, system_credentials=SYSTEM, **extra
    )


def raw_callback(query: dict[str, str]) -> str:
    return plugin_process.raw_callback(REDIRECT, query, "context_id=0f6c1a; session=secret-cookie")


def authorize(plugin: PluginProcess) -> dict[str, str]:
    result = plugin.call(oauth_request("get_authorization_url"))
    url = result.data["authorization_url"]
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_full_connect_refresh_validate_cycle(fake: FakeGoogle, plugin: PluginProcess) -> None:
    fake.oauth.client_id = SYSTEM["client_id"]
    fake.oauth.client_secret = SYSTEM["client_secret"]
    fake.oauth.redirect_uri = REDIRECT
    query = authorize(plugin)
    assert query["scope"] == MODIFY and query["access_type"] == "offline"
    # Google remembers the challenge; the exchange must present the matching verifier.
    fake.oauth.add_code(
        "code-e2e-1",
        access_token="tok-e2e-1",
        refresh_token="rt-e2e-1",
        scope=MODIFY,
        code_challenge=query["code_challenge"],
    )
    got = plugin.call(
        oauth_request(
            "get_credentials",
            raw_http_request=raw_callback({"code": "code-e2e-1", "state": query["state"]}),
        )
    ).data
    assert got["credentials"] == {
        "access_token": "tok-e2e-1",
        "refresh_token": "rt-e2e-1",
        "scope": MODIFY,
        "access_level": "full",
    }
    assert got["expires_at"] > 0
    exchange = fake.oauth.requests[-1]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["redirect_uri"] == REDIRECT

    refreshed = plugin.call(
        oauth_request("refresh_credentials", credentials=got["credentials"])
    ).data
    creds = refreshed["credentials"]
    assert creds["access_token"] not in ("", "tok-e2e-1")
    assert creds["refresh_token"] == "rt-e2e-1"  # Google omitted it; the plugin kept it
    assert creds["scope"] == MODIFY
    assert refreshed["expires_at"] >= got["expires_at"]

    validated = plugin.call(
        {
            "type": "tool",
            "action": "validate_tool_credentials",
            "provider": PROVIDER,
            "user_id": "u1",
            "credentials": creds,
        }
    )
    assert validated.error is None
    assert validated.data == {"result": True}


def test_reused_code_is_refused_with_a_clear_message(plugin: PluginProcess) -> None:
    query = authorize(plugin)
    result = plugin.call(
        oauth_request(
            "get_credentials",
            raw_http_request=raw_callback({"code": "code-e2e-1", "state": query["state"]}),
        )
    )
    assert result.error is not None
    assert result.error["error_type"] == "ToolProviderOAuthError"
    assert "authorization code" in result.error["message"]


def test_denied_consent(plugin: PluginProcess) -> None:
    result = plugin.call(
        oauth_request("get_credentials", raw_http_request=raw_callback({"error": "access_denied"}))
    )
    assert result.error is not None
    assert "Access was not granted" in result.error["message"]


def test_forged_state_is_refused(fake: FakeGoogle, plugin: PluginProcess) -> None:
    before = len(fake.oauth.requests)
    result = plugin.call(
        oauth_request(
            "get_credentials",
            raw_http_request=raw_callback({"code": "x", "state": "g1.1.abc.forged"}),
        )
    )
    assert result.error is not None
    assert "Connect again" in result.error["message"]
    assert len(fake.oauth.requests) == before  # refused before any exchange


def test_refresh_with_revoked_token_explains_what_to_do(plugin: PluginProcess) -> None:
    result = plugin.call(
        oauth_request(
            "refresh_credentials",
            credentials={"access_token": "x", "refresh_token": "rt-unknown", "scope": MODIFY},
        )
    )
    assert result.error is not None
    assert "7 days" in result.error["message"] and "Reconnect" in result.error["message"]


def test_validate_with_expired_token(plugin: PluginProcess) -> None:
    result = plugin.call(
        {
            "type": "tool",
            "action": "validate_tool_credentials",
            "provider": PROVIDER,
            "user_id": "u1",
            "credentials": {"access_token": "tok-nobody"},
        }
    )
    assert result.error is not None
    assert "expired or was revoked" in result.error["message"]


def test_read_only_level_is_enforced_though_google_granted_modify(
    fake: FakeGoogle, plugin: PluginProcess
) -> None:
    """Switched from full to read-only: Google may still put gmail.modify in the token (an
    earlier grant), and no tool may send, draft, trash, label or create labels with it."""
    fake.oauth.client_id = SYSTEM["client_id"]
    fake.oauth.client_secret = SYSTEM["client_secret"]
    fake.oauth.redirect_uri = REDIRECT
    system = {**SYSTEM, "access_level": "read_only"}
    url = plugin.call(
        plugin_process.oauth_request(
            "get_authorization_url", redirect_uri=REDIRECT, system_credentials=system
        )
    ).data["authorization_url"]
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query["scope"] == READONLY and "include_granted_scopes" not in query
    fake.oauth.add_code(
        "code-ro",
        access_token="tok-ro",
        refresh_token="rt-ro",
        scope=f"{READONLY} {MODIFY}",
        code_challenge=query["code_challenge"],
        email="ro@example.com",
    )
    creds = plugin.call(
        plugin_process.oauth_request(
            "get_credentials",
            redirect_uri=REDIRECT,
            system_credentials=system,
            raw_http_request=raw_callback({"code": "code-ro", "state": query["state"]}),
        )
    ).data["credentials"]
    assert creds["access_level"] == "read_only" and MODIFY in creds["scope"]
    box = fake.mailboxes[-1]
    assert box.email == "ro@example.com" and box.has_scope("gmail.modify")
    msg_id = box.add_message(
        b"From: a@example.com\r\nTo: ro@example.com\r\nSubject: hi\r\n"
        b"Message-ID: <ro-1@example.com>\r\n\r\nhello\r\n"
    )
    before = fake.stats.http_requests
    for tool, params in [
        ("send_message", {"to": "x@example.com", "subject": "s", "body": "b"}),
        ("reply_to_message", {"message_id": msg_id, "body": "b"}),
        ("create_draft", {"to": "x@example.com"}),
        ("trash_messages", {"message_ids": msg_id}),
        ("modify_messages", {"message_ids": msg_id, "mark_read": True}),
        ("create_label", {"name": "New"}),
    ]:
        result = plugin.invoke_tool(tool, params, creds)
        assert result.error is not None, tool
        assert "read-only access level" in result.error["message"], (tool, result.error)
    assert fake.stats.http_requests == before  # refused before any request
    assert box.sent == [] and "TRASH" not in box.messages[msg_id].label_ids
    found = plugin.invoke_tool("search_messages", {"query": "subject:hi"}, creds)
    assert found.error is None and found.variables()["count"] == 1
    # Reading drafts is reading (Google allows drafts.list/get with gmail.readonly).
    box.create_draft(b"To: x@example.com\r\nSubject: plan\r\n\r\ndraft text\r\n")
    drafts = plugin.invoke_tool("list_drafts", {}, creds)
    assert drafts.error is None, drafts.error
    assert [d["subject"] for d in drafts.variables()["drafts"]] == ["plan"]
    (text,) = drafts.of_type("text")
    assert "send_draft" not in text["message"]["text"]  # nothing it could do with them
