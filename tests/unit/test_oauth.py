"""OAuth: every branch of the four provider methods, with Google mocked by ``responses``."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
import yaml
from dify_plugin.errors.tool import (
    ToolProviderCredentialValidationError,
    ToolProviderOAuthError,
)
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gmail_core import oauth, scopes
from provider.gmail import GmailProvider

TOKEN_URL = "https://oauth2.googleapis.com/token"
PROFILE_URL = "https://gmail.googleapis.com/gmail/v1/users/me/profile"
REDIRECT = "https://dify.example.com/console/api/oauth/plugin/inboxworks/gmail/gmail/tool/callback"
CLIENT_ID = "client-123.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-super-secret-value"
CODE = "4/0AVG7fiQ-authorization-code-value"
ACCESS = "ya29.access-token-value"
REFRESH = "1//refresh-token-value"
SECRETS = (CLIENT_SECRET, CODE, ACCESS, REFRESH)
SYSTEM = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
CLIENT = oauth.ClientConfig(CLIENT_ID, CLIENT_SECRET)


@pytest.fixture(autouse=True)
def _no_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GMAIL_API_BASE_URL", "GOOGLE_OAUTH_TOKEN_URL", "GOOGLE_OAUTH_AUTH_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(time, "sleep", lambda _s: None)  # refresh backoff


def callback(**query: str) -> Request:
    env = EnvironBuilder(
        path="/console/api/oauth/plugin/inboxworks/gmail/gmail/tool/callback",
        query_string=query,
        headers={"Cookie": "context_id=abc"},
    ).get_environ()
    return Request(env)


def raised(fn, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception) as info:
        fn(*args)
    text = str(info.value)
    for secret in SECRETS:
        assert secret not in text, f"secret leaked into error: {text}"
    return text


def fresh_state() -> str:
    return oauth.make_state(CLIENT, REDIRECT)


def token_ok(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "access_token": ACCESS,
        "expires_in": 3599,
        "token_type": "Bearer",
        "scope": scopes.MODIFY,
        "refresh_token": REFRESH,
    }
    body.update(extra)
    return body


# -- authorization URL ------------------------------------------------------------
def test_authorization_url_has_every_parameter_google_needs() -> None:
    url = GmailProvider()._oauth_get_authorization_url(REDIRECT, SYSTEM)
    parsed = urlparse(url)
    q = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == (
        "https://accounts.google.com/o/oauth2/v2/auth"
    )
    assert q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == REDIRECT
    assert q["response_type"] == "code"
    assert q["access_type"] == "offline"
    assert q["prompt"] == "consent"
    assert q["include_granted_scopes"] == "true"
    assert q["scope"] == scopes.MODIFY
    assert q["code_challenge_method"] == "S256"
    # The challenge matches the verifier re-derived from the state alone (no server memory).
    assert q["code_challenge"] == oauth.code_challenge(oauth.code_verifier(CLIENT, q["state"]))
    oauth.verify_state(q["state"], CLIENT, REDIRECT)
    assert CLIENT_SECRET not in url


def test_read_only_access_level_requests_readonly_scope() -> None:
    url = GmailProvider()._oauth_get_authorization_url(
        REDIRECT, {**SYSTEM, "access_level": "read_only"}
    )
    assert parse_qs(urlparse(url).query)["scope"] == [scopes.READONLY]


def test_read_only_level_does_not_ask_for_earlier_grants() -> None:
    # include_granted_scopes would fold an earlier gmail.modify grant into a read-only token.
    url = GmailProvider()._oauth_get_authorization_url(
        REDIRECT, {**SYSTEM, "access_level": "read_only"}
    )
    assert "include_granted_scopes" not in parse_qs(urlparse(url).query)


@pytest.mark.parametrize("level", ["", "  ", None])
def test_an_empty_level_setting_is_the_default_full(level: str | None) -> None:
    url = GmailProvider()._oauth_get_authorization_url(REDIRECT, {**SYSTEM, "access_level": level})
    assert parse_qs(urlparse(url).query)["scope"] == [scopes.MODIFY]


def test_an_unknown_level_setting_asks_for_the_least() -> None:
    url = GmailProvider()._oauth_get_authorization_url(
        REDIRECT, {**SYSTEM, "access_level": "everything"}
    )
    assert parse_qs(urlparse(url).query)["scope"] == [scopes.READONLY]


@responses.activate
def test_the_configured_level_is_recorded_even_when_google_grants_more() -> None:
    responses.post(TOKEN_URL, json=token_ok(scope=f"{scopes.READONLY} {scopes.MODIFY}"))
    system = {**SYSTEM, "access_level": "read_only"}
    creds = GmailProvider()._oauth_get_credentials(
        REDIRECT, system, callback(code=CODE, state=oauth.make_state(CLIENT, REDIRECT))
    )
    assert creds.credentials["access_level"] == "read_only"


@responses.activate
def test_refresh_records_the_level_configured_now() -> None:
    # The admin switched full -> read-only; the old token still carries gmail.modify.
    responses.post(TOKEN_URL, json={"access_token": ACCESS, "expires_in": 3599})
    stored = {**STORED, "access_level": "full"}
    creds = GmailProvider()._oauth_refresh_credentials(
        REDIRECT, {**SYSTEM, "access_level": "read_only"}, stored
    )
    assert creds.credentials["access_level"] == "read_only"
    assert creds.credentials["scope"] == scopes.MODIFY


def test_states_are_unpredictable() -> None:
    states = {fresh_state() for _ in range(50)}
    assert len(states) == 50


def test_pkce_verifier_is_valid_length_and_charset() -> None:
    verifier = oauth.code_verifier(CLIENT, fresh_state())
    assert 43 <= len(verifier) <= 128
    assert all(c.isalnum() or c in "-._~" for c in verifier)


@pytest.mark.parametrize(
    ("system", "needle"),
    [({}, "client ID is missing"), ({"client_id": CLIENT_ID}, "client secret is missing")],
)
def test_missing_client_settings_are_named(system: dict[str, str], needle: str) -> None:
    text = raised(GmailProvider()._oauth_get_authorization_url, REDIRECT, system)
    assert needle in text


def test_authorization_endpoint_overridable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_OAUTH_AUTH_URL", "http://127.0.0.1:9/auth")
    url = GmailProvider()._oauth_get_authorization_url(REDIRECT, SYSTEM)
    assert url.startswith("http://127.0.0.1:9/auth?")


# -- callback: errors before any HTTP -----------------------------------------------
@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"error": "access_denied", "state": "x"}, "Access was not granted"),
        ({"error": "admin_policy_enforced"}, "administrator"),
        ({"error": "weird<script>"}, "error 'weirdscript'"),
        ({"state": "x"}, "no authorization code"),
        ({"code": CODE}, "not one this plugin started"),
        ({"code": CODE, "state": "garbage"}, "not one this plugin started"),
        ({"code": CODE, "state": "g1.1.nonce.sig"}, "does not match this OAuth client"),
    ],
)
@responses.activate
def test_callback_refusals(query: dict[str, str], needle: str) -> None:
    text = raised(GmailProvider()._oauth_get_credentials, REDIRECT, SYSTEM, callback(**query))
    assert needle in text
    assert len(responses.calls) == 0  # nothing was exchanged


def test_state_from_another_client_is_refused() -> None:
    other = oauth.ClientConfig("other-client", "other-secret")
    state = oauth.make_state(other, REDIRECT)
    text = raised(oauth.verify_state, state, CLIENT, REDIRECT)
    assert "does not match" in text


def test_state_for_another_redirect_uri_is_refused() -> None:
    state = oauth.make_state(CLIENT, "https://evil.example/callback")
    assert "does not match" in raised(oauth.verify_state, state, CLIENT, REDIRECT)


def test_forged_signature_is_refused() -> None:
    version, issued, nonce, sig = fresh_state().split(".")
    forged = f"{version}.{issued}.{nonce}.{sig[:-2]}AA"
    assert "does not match" in raised(oauth.verify_state, forged, CLIENT, REDIRECT)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v, i, n, s: f"{v}.{i}.{n}.{s[:-1]}é",  # non-ASCII signature
        lambda v, i, n, s: f"{v}.{i}.{n}.ſ{s[1:]}",  # a letter that case-folds to ASCII
        lambda v, i, n, s: f"{v}.{'١' * len(i)}.{n}.{s}",  # Arabic-Indic digits pass isdigit()
        lambda v, i, n, s: f"{v}.{i}.{n}\u2028.{s}",
    ],
)
def test_non_ascii_state_is_not_one_this_plugin_started(tamper) -> None:  # type: ignore[no-untyped-def]
    forged = tamper(*fresh_state().split("."))
    assert "not one this plugin started" in raised(oauth.verify_state, forged, CLIENT, REDIRECT)


def test_expired_state_is_refused() -> None:
    old = oauth.make_state(CLIENT, REDIRECT, now=time.time() - 11 * 60)
    assert "expired" in raised(oauth.verify_state, old, CLIENT, REDIRECT)


def test_state_from_the_future_is_refused() -> None:
    future = oauth.make_state(CLIENT, REDIRECT, now=time.time() + 3600)
    assert "expired" in raised(oauth.verify_state, future, CLIENT, REDIRECT)


# -- callback: code exchange -----------------------------------------------------------
@responses.activate
def test_code_exchange_returns_full_credentials() -> None:
    responses.post(TOKEN_URL, json=token_ok())
    state = fresh_state()
    before = int(time.time())
    creds = GmailProvider()._oauth_get_credentials(
        REDIRECT, SYSTEM, callback(code=CODE, state=state)
    )
    assert creds.credentials == {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "scope": scopes.MODIFY,
        "access_level": "full",
    }
    assert before + 3599 <= creds.expires_at <= int(time.time()) + 3599
    form = parse_qs(responses.calls[0].request.body)
    assert form["grant_type"] == ["authorization_code"]
    assert form["code"] == [CODE]
    assert form["redirect_uri"] == [REDIRECT]
    assert form["code_verifier"] == [oauth.code_verifier(CLIENT, state)]


@responses.activate
def test_missing_refresh_token_is_refused_with_instructions() -> None:
    body = token_ok()
    del body["refresh_token"]
    responses.post(TOKEN_URL, json=body)
    text = raised(
        GmailProvider()._oauth_get_credentials,
        REDIRECT,
        SYSTEM,
        callback(code=CODE, state=fresh_state()),
    )
    assert "did not send a refresh token" in text
    assert "myaccount.google.com/connections" in text


@pytest.mark.parametrize(
    ("status", "body", "needle"),
    [
        (400, {"error": "invalid_grant", "error_description": "Bad Request"}, "authorization code"),
        (
            401,
            {"error": "invalid_client", "error_description": "Unauthorized"},
            "client ID or secret",
        ),
        (400, {"error": "redirect_uri_mismatch"}, f"redirect URI: {REDIRECT}"),
        (400, {"error": "invalid_request", "error_description": "Missing code"}, "malformed"),
        (503, {"error": "backend"}, "temporarily unavailable"),
        (200, None, "answered unexpectedly"),
        (400, {"error": "unsupported_grant_type"}, "unsupported_grant_type"),
    ],
)
@responses.activate
def test_token_endpoint_errors_are_mapped(status: int, body: object, needle: str) -> None:
    if body is None:
        responses.post(TOKEN_URL, body="<html>proxy error</html>", status=status)
    else:
        responses.post(TOKEN_URL, json=body, status=status)
    text = raised(
        GmailProvider()._oauth_get_credentials,
        REDIRECT,
        SYSTEM,
        callback(code=CODE, state=fresh_state()),
    )
    assert needle in text
    assert "Traceback" not in text and "{" not in text


@responses.activate
def test_network_error_during_exchange() -> None:
    responses.post(TOKEN_URL, body=requests.ConnectionError("boom"))
    text = raised(
        GmailProvider()._oauth_get_credentials,
        REDIRECT,
        SYSTEM,
        callback(code=CODE, state=fresh_state()),
    )
    assert "Could not reach Google" in text


@responses.activate
def test_token_endpoint_overridable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_OAUTH_TOKEN_URL", "http://127.0.0.1:9/token")
    responses.post("http://127.0.0.1:9/token", json=token_ok())
    GmailProvider()._oauth_get_credentials(
        REDIRECT, SYSTEM, callback(code=CODE, state=fresh_state())
    )
    assert len(responses.calls) == 1


# -- refresh ------------------------------------------------------------------------
STORED = {"access_token": "ya29.old", "refresh_token": REFRESH, "scope": scopes.MODIFY}


@responses.activate
def test_refresh_keeps_old_refresh_token_and_scope() -> None:
    responses.post(TOKEN_URL, json={"access_token": ACCESS, "expires_in": 3599})
    creds = GmailProvider()._oauth_refresh_credentials(REDIRECT, SYSTEM, STORED)
    assert creds.credentials == {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "scope": scopes.MODIFY,
        "access_level": "full",
    }
    assert creds.expires_at > time.time() + 3500
    form = parse_qs(responses.calls[0].request.body)
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == [REFRESH]


@responses.activate
def test_refresh_takes_a_rotated_refresh_token() -> None:
    responses.post(TOKEN_URL, json=token_ok(refresh_token="1//rotated"))
    creds = GmailProvider()._oauth_refresh_credentials(REDIRECT, SYSTEM, STORED)
    assert creds.credentials["refresh_token"] == "1//rotated"


@responses.activate
def test_refresh_invalid_grant_explains_causes() -> None:
    responses.post(
        TOKEN_URL,
        json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        status=400,
    )
    text = raised(GmailProvider()._oauth_refresh_credentials, REDIRECT, SYSTEM, STORED)
    for cause in ("revoked", "password", "6 months", "Testing", "7 days", "Reconnect"):
        assert cause in text
    assert len(responses.calls) == 1  # not retried: it cannot succeed


@responses.activate
def test_refresh_retries_transient_failures() -> None:
    responses.post(TOKEN_URL, status=503, json={"error": "unavailable"})
    responses.post(TOKEN_URL, body=requests.ConnectionError("reset"))
    responses.post(TOKEN_URL, json={"access_token": ACCESS, "expires_in": 3599})
    creds = GmailProvider()._oauth_refresh_credentials(REDIRECT, SYSTEM, STORED)
    assert creds.credentials["access_token"] == ACCESS
    assert len(responses.calls) == 3


@responses.activate
def test_refresh_gives_up_after_a_few_transient_failures() -> None:
    responses.post(TOKEN_URL, status=500, json={"error": "internal"})
    text = raised(GmailProvider()._oauth_refresh_credentials, REDIRECT, SYSTEM, STORED)
    assert "temporarily unavailable" in text
    assert len(responses.calls) == oauth.REFRESH_ATTEMPTS


def test_refresh_without_refresh_token() -> None:
    text = raised(
        GmailProvider()._oauth_refresh_credentials, REDIRECT, SYSTEM, {"access_token": "x"}
    )
    assert "no refresh token" in text


# -- validate -----------------------------------------------------------------------
@responses.activate
def test_validate_calls_profile_once() -> None:
    responses.get(PROFILE_URL, json={"emailAddress": "me@example.com"})
    GmailProvider()._validate_credentials({"access_token": ACCESS})
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {ACCESS}"


@pytest.mark.parametrize(
    ("status", "body", "needle"),
    [
        (401, {"error": {"code": 401, "message": "Invalid Credentials", "errors": [{"reason": "authError"}]}}, "expired or was revoked"),
        (403, {"error": {"code": 403, "message": "Request had insufficient authentication scopes.", "status": "PERMISSION_DENIED", "details": [{"reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}]}}, "not granted"),
        (403, {"error": {"code": 403, "message": "Gmail API has not been used in project 1 before or it is disabled.", "status": "PERMISSION_DENIED", "details": [{"reason": "SERVICE_DISABLED"}]}}, "not enabled"),
    ],
)  # fmt: skip
@responses.activate
def test_validate_errors(status: int, body: dict[str, object], needle: str) -> None:
    responses.get(PROFILE_URL, json=body, status=status)
    with pytest.raises(ToolProviderCredentialValidationError) as info:
        GmailProvider()._validate_credentials({"access_token": ACCESS})
    assert needle in str(info.value)
    assert ACCESS not in str(info.value)


@responses.activate
def test_validate_network_error() -> None:
    responses.get(PROFILE_URL, body=requests.ConnectionError("down"))
    with pytest.raises(ToolProviderCredentialValidationError, match="Could not reach Gmail"):
        GmailProvider()._validate_credentials({"access_token": ACCESS})


def test_validate_without_token() -> None:
    with pytest.raises(ToolProviderCredentialValidationError, match="not connected"):
        GmailProvider()._validate_credentials({})


def test_oauth_errors_are_the_sdk_type() -> None:
    with pytest.raises(ToolProviderOAuthError):
        GmailProvider()._oauth_get_credentials(REDIRECT, SYSTEM, callback(error="access_denied"))


# -- access levels: the table a new level is added to -------------------------------------
def test_every_level_is_an_option_of_the_setting_and_back() -> None:
    provider = yaml.safe_load(Path("provider/gmail.yaml").read_text(encoding="utf-8"))
    setting = next(
        f for f in provider["oauth_schema"]["client_schema"] if f["name"] == "access_level"
    )
    assert {o["value"] for o in setting["options"]} == set(scopes.ACCESS_LEVELS)
    assert setting["default"] == scopes.DEFAULT_ACCESS_LEVEL
    credentials = {f["name"] for f in provider["oauth_schema"]["credentials_schema"]}
    assert "access_level" in credentials  # recorded with the tokens


@pytest.mark.parametrize("level", list(scopes.ACCESS_LEVELS.values()), ids=lambda lv: lv.name)
def test_every_level_asks_for_scopes_that_cover_what_it_allows(level: scopes.AccessLevel) -> None:
    assert level.capabilities <= set(scopes.CAPABILITIES)
    granted = frozenset(level.scopes)
    for capability in level.capabilities:
        assert scopes.allows(granted, capability), (level.name, capability)
    # Only a level that may do everything folds earlier grants into its token.
    assert level.include_granted_scopes == (level.capabilities == set(scopes.CAPABILITIES))
