"""Google's token-endpoint errors as Google words them, and how long a refresh keeps trying."""

from __future__ import annotations

import pytest
import responses

from gmail_core import oauth
from gmail_core.errors import OAuthError

REDIRECT = "https://dify.example.com/console/api/oauth/plugin/inboxworks/gmail/gmail/tool/callback"
TOKEN_URL = "https://oauth2.googleapis.com/token"
CLIENT = oauth.ClientConfig("cid.apps.googleusercontent.com", "GOCSPX-unit-secret")


@pytest.mark.parametrize(
    "description",
    [
        "Invalid parameter value for redirect_uri: Missing scheme: /console/api/oauth/x",
        "redirect_uri must be an absolute URI",
    ],
)
def test_a_redirect_uri_problem_named_only_in_the_description_is_named(description: str) -> None:
    """Google reports an empty CONSOLE_API_URL (a relative redirect URI) as invalid_request,
    naming redirect_uri in error_description only."""
    body = {"error": "invalid_request", "error_description": description}
    message = oauth.token_error_message(400, body, redirect_uri=REDIRECT, refreshing=False)
    assert f"add exactly this Authorized redirect URI: {REDIRECT}" in message


@responses.activate
def test_a_refresh_tries_three_times_then_says_temporary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oauth.time, "sleep", lambda _s: None)
    monkeypatch.delenv("GOOGLE_OAUTH_TOKEN_URL", raising=False)
    responses.post(TOKEN_URL, status=503, json={"error": "unavailable"})
    with pytest.raises(OAuthError, match="temporarily unavailable"):
        oauth.refresh(CLIENT, "1//refresh-unit")
    assert len(responses.calls) == 3  # REFRESH_ATTEMPTS, written out
