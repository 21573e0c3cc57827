"""Google OAuth 2.0 (web-server flow) for the provider: pure builders/parsers + two POSTs.

State and PKCE are self-verifying: the daemon may run several plugin instances and keeps
no memory between the authorization URL and the callback, so the state carries its own
HMAC (keyed by the client secret) and the PKCE verifier is re-derived from it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from gmail_core import config, json_answers, scopes, transport
from gmail_core.errors import OAuthError

log = logging.getLogger(__name__)

STATE_VERSION = "g1"
STATE_LIFETIME = 600  # seconds: the user has 10 minutes to finish Google's consent screen
STATE_CLOCK_SKEW = 60
REFRESH_ATTEMPTS = 3

THIRD_PARTY_ACCESS_URL = "https://myaccount.google.com/connections"
CREDENTIALS_PAGE_URL = "https://console.cloud.google.com/apis/credentials"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _mac(key: str, *parts: str) -> bytes:
    return hmac.new(
        key.encode("utf-8"), "\x1f".join(parts).encode("utf-8"), hashlib.sha256
    ).digest()


@dataclass(frozen=True, slots=True)
class ClientConfig:
    client_id: str
    client_secret: str
    access_level: str = scopes.DEFAULT_ACCESS_LEVEL

    @classmethod
    def from_system_credentials(cls, creds: Mapping[str, Any]) -> ClientConfig:
        client_id = str(creds.get("client_id") or "").strip()
        client_secret = str(creds.get("client_secret") or "").strip()
        if not client_id:
            raise OAuthError(
                "The Google OAuth client ID is missing. Enter the Client ID of your Google Cloud "
                f"'Web application' OAuth client ({CREDENTIALS_PAGE_URL}) in the Gmail plugin's "
                "OAuth client settings."
            )
        if not client_secret:
            raise OAuthError(
                "The Google OAuth client secret is missing. Enter the Client secret of your "
                f"Google Cloud OAuth client ({CREDENTIALS_PAGE_URL}) in the Gmail plugin's OAuth "
                "client settings."
            )
        level = scopes.access_level(str(creds.get("access_level") or "")).name
        return cls(client_id, client_secret, level)


# -- state and PKCE (pure) -----------------------------------------------------------
_STATE_SHAPE = re.compile(rf"{STATE_VERSION}\.[0-9]{{1,12}}(\.[A-Za-z0-9_-]{{1,64}}){{2}}")


def make_state(client: ClientConfig, redirect_uri: str, *, now: float | None = None) -> str:
    issued = str(int(time.time() if now is None else now))
    nonce = secrets.token_urlsafe(16)
    sig = _b64(
        _mac(client.client_secret, STATE_VERSION, issued, nonce, client.client_id, redirect_uri)
    )
    return f"{STATE_VERSION}.{issued}.{nonce}.{sig}"


def verify_state(
    state: str, client: ClientConfig, redirect_uri: str, *, now: float | None = None
) -> None:
    """Raise OAuthError unless make_state made ``state`` for this client and URI, recently."""
    restart = "Close this window and press Connect again in Dify."
    # make_state only ever writes base64url and ASCII digits: anything else is not ours, and
    # must be refused before hmac.compare_digest (which raises TypeError on non-ASCII str).
    if not _STATE_SHAPE.fullmatch(state or ""):
        raise OAuthError(f"The sign-in response is not one this plugin started. {restart}")
    version, issued, nonce, sig = state.split(".")
    expected = _b64(
        _mac(client.client_secret, version, issued, nonce, client.client_id, redirect_uri)
    )
    if not hmac.compare_digest(sig, expected):
        raise OAuthError(
            "The sign-in response does not match this OAuth client (it was started elsewhere or "
            f"the client settings changed). {restart}"
        )
    age = (time.time() if now is None else now) - int(issued)
    if age > STATE_LIFETIME or age < -STATE_CLOCK_SKEW:
        raise OAuthError(
            f"The sign-in took longer than {STATE_LIFETIME // 60} minutes and expired. {restart}"
        )


def code_verifier(client: ClientConfig, state: str) -> str:
    """PKCE verifier derived from the state: 43 chars, re-derivable only with the secret."""
    return _b64(_mac(client.client_secret, "pkce", state))


def code_challenge(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


def authorization_url(client: ClientConfig, redirect_uri: str, *, now: float | None = None) -> str:
    state = make_state(client, redirect_uri, now=now)
    level = scopes.access_level(client.access_level)
    params = {
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(level.scopes),
        "access_type": "offline",
        "prompt": "consent",
    }
    if level.include_granted_scopes:
        params["include_granted_scopes"] = "true"
    params |= {
        "state": state,
        "code_challenge": code_challenge(code_verifier(client, state)),
        "code_challenge_method": "S256",
    }
    return f"{config.url(config.GOOGLE_OAUTH_AUTH_URL)}?{urlencode(params)}"


# -- callback and token responses (pure) ------------------------------------------
_CALLBACK_ERRORS = {
    "access_denied": "Access was not granted: the Google consent screen was cancelled or "
    "declined. Press Connect again and choose Allow.",
    "admin_policy_enforced": "Your Google Workspace administrator does not allow this app. Ask "
    "the administrator to trust the OAuth client, then press Connect again.",
    "org_internal": "This OAuth client is limited to users of its own Google Workspace "
    "organisation. Use an account of that organisation or make the consent screen External.",
    "disallowed_useragent": "Google refused the sign-in from this browser. Open Dify in a regular "
    "browser and press Connect again.",
}


def callback_error_message(error: str) -> str:
    known = _CALLBACK_ERRORS.get(error)
    if known:
        return known
    safe = "".join(c for c in error if c.isalnum() or c in "_-")[:60] or "unknown"
    return f"Google did not authorize the connection (error '{safe}'). Press Connect again."


def token_error_message(
    status: int, body: Mapping[str, Any] | None, *, redirect_uri: str, refreshing: bool
) -> str:
    """A short message that names the fix for an error from Google's token endpoint."""
    error = str((body or {}).get("error") or "")
    description = str((body or {}).get("error_description") or "")
    reconnect = "Reconnect Gmail in Dify (press Connect again)."
    if error == "invalid_grant":
        if refreshing:
            return (
                "Google no longer accepts this Gmail connection (the refresh token was revoked or "
                "expired). Usual causes: access was removed in the Google account, the password "
                "changed, it was unused for 6 months, or the OAuth consent screen is in "
                f"'Testing' status, where tokens expire after 7 days. {reconnect}"
            )
        return (
            "Google refused the authorization code (it expired, was already used, or the "
            f"sign-in was started with other settings). {reconnect}"
        )
    if error in {"invalid_client", "unauthorized_client"}:
        return (
            "Google rejected the OAuth client ID or secret. Copy both again from "
            f"{CREDENTIALS_PAGE_URL} (a 'Web application' client) into the Gmail plugin's OAuth "
            "client settings."
        )
    if error == "redirect_uri_mismatch" or "redirect_uri" in description:
        return (
            "The redirect URI is not registered for this OAuth client. In Google Cloud "
            f"({CREDENTIALS_PAGE_URL}), add exactly this Authorized redirect URI: {redirect_uri}"
        )
    if error == "invalid_request":
        return (
            "Google rejected the sign-in request as incomplete or malformed. Check that the "
            f"OAuth client is a 'Web application' client, then {reconnect[0].lower()}"
            f"{reconnect[1:]}"
        )
    if status >= 500:
        return "Google's sign-in service is temporarily unavailable. Try again in a minute."
    if error:
        safe = "".join(c for c in error if c.isalnum() or c in "_-")[:60]
        return f"Google refused the request (error '{safe}'). {reconnect}"
    return f"Google's sign-in service answered unexpectedly (HTTP {status}). Try again later."


@dataclass(frozen=True, slots=True)
class TokenSet:
    credentials: dict[str, Any]  # access_token, refresh_token, scope, access_level
    expires_at: int  # absolute Unix seconds, as Dify expects


def parse_token_response(
    token: Mapping[str, Any],
    *,
    access_level: str,
    previous_refresh_token: str = "",
    now: float | None = None,
) -> TokenSet:
    """Turn a successful token response into the full credential set Dify stores.

    ``access_level`` is the level configured now: the tools enforce it (with the granted
    scopes) because Dify hands them only these credentials, never the client settings.
    """
    now = time.time() if now is None else now
    if not token.get("access_token"):
        raise OAuthError("Google's answer held no access token. Press Connect again.")
    refresh_token = str(token.get("refresh_token") or previous_refresh_token or "")
    if not refresh_token:
        raise OAuthError(
            "Google did not send a refresh token, so the connection would stop working within an "
            f"hour. Remove this app's access at {THIRD_PARTY_ACCESS_URL}, then press Connect "
            "again (Google sends a refresh token only on the first consent)."
        )
    try:
        lifetime = int(token.get("expires_in") or 3600)
    except (TypeError, ValueError):
        lifetime = 3600
    creds = {
        "access_token": str(token["access_token"]),
        "refresh_token": refresh_token,
        "scope": str(token.get("scope") or ""),
        "access_level": scopes.access_level(access_level).name,
    }
    return TokenSet(credentials=creds, expires_at=int(now) + lifetime)


# -- the two POSTs ---------------------------------------------------------------
def _post_token(form: dict[str, str], *, redirect_uri: str, refreshing: bool) -> Mapping[str, Any]:
    url = config.url(config.GOOGLE_OAUTH_TOKEN_URL)
    try:
        resp = transport.session().post(url, data=form, timeout=(transport.CONNECT_TIMEOUT, 30.0))
    except requests.RequestException as exc:
        raise TransientOAuthError(
            "Could not reach Google's sign-in service (network error). Check the plugin's "
            "network access and try again."
        ) from exc
    try:
        parsed = json_answers.parse(resp.content)
    except ValueError:
        parsed = None
    body: dict[str, Any] | None = parsed if isinstance(parsed, dict) else None
    if resp.status_code >= 400 or body is None:
        message = token_error_message(
            resp.status_code, body, redirect_uri=redirect_uri, refreshing=refreshing
        )
        # Only the status and Google's error code are logged: the body may echo form fields.
        log.warning(
            "Google token endpoint refused: HTTP %s %s",
            resp.status_code,
            (body or {}).get("error", ""),
        )
        if resp.status_code >= 500 or body is None:
            raise TransientOAuthError(message)
        raise OAuthError(message)
    return body


class TransientOAuthError(OAuthError):
    """5xx, network failure or an unreadable body: retrying may work."""


def exchange_code(client: ClientConfig, code: str, state: str, redirect_uri: str) -> TokenSet:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier(client, state),
    }
    body = _post_token(form, redirect_uri=redirect_uri, refreshing=False)
    return parse_token_response(body, access_level=client.access_level)


def refresh(
    client: ClientConfig,
    refresh_token: str,
    *,
    attempts: int = REFRESH_ATTEMPTS,
    redirect_uri: str = "",
) -> TokenSet:
    if not refresh_token:
        raise OAuthError("This Gmail connection has no refresh token. Reconnect Gmail in Dify.")
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
    }
    for attempt in range(attempts):
        try:
            body = _post_token(form, redirect_uri=redirect_uri, refreshing=True)
        except TransientOAuthError:
            if attempt + 1 >= attempts:
                raise
            time.sleep(transport.backoff_delay(attempt))
            continue
        return parse_token_response(
            body, access_level=client.access_level, previous_refresh_token=refresh_token
        )
    raise AssertionError("unreachable")  # the loop returns or raises


def callback_params(query: Mapping[str, str]) -> tuple[str, str]:
    """(code, state) from the callback query, after handling Google's ``error``."""
    error = str(query.get("error") or "").strip()
    if error:
        raise OAuthError(callback_error_message(error))
    code = str(query.get("code") or "").strip()
    if not code:
        raise OAuthError(
            "Google's answer held no authorization code. Press Connect again and finish the "
            "Google consent screen."
        )
    return code, str(query.get("state") or "")
