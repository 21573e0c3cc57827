"""The Gmail tool provider: Dify's four OAuth hooks, delegating to ``gmail_core.oauth``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dify_plugin import ToolProvider
from dify_plugin.entities.oauth import ToolOAuthCredentials
from dify_plugin.errors.tool import (
    ToolProviderCredentialValidationError,
    ToolProviderOAuthError,
)
from werkzeug import Request

from gmail_core import oauth
from gmail_core.client import USER_PATH, GmailClient
from gmail_core.errors import GmailError, OAuthError


class GmailProvider(ToolProvider):
    def _oauth_get_authorization_url(
        self, redirect_uri: str, system_credentials: Mapping[str, Any]
    ) -> str:
        try:
            client = oauth.ClientConfig.from_system_credentials(system_credentials)
            return oauth.authorization_url(client, redirect_uri)
        except OAuthError as exc:
            raise ToolProviderOAuthError(str(exc)) from None

    def _oauth_get_credentials(
        self, redirect_uri: str, system_credentials: Mapping[str, Any], request: Request
    ) -> ToolOAuthCredentials:
        # The request carries Dify's cookies and headers: read only the query, never log it.
        try:
            code, state = oauth.callback_params(request.args)
            client = oauth.ClientConfig.from_system_credentials(system_credentials)
            oauth.verify_state(state, client, redirect_uri)
            tokens = oauth.exchange_code(client, code, state, redirect_uri)
        except OAuthError as exc:
            raise ToolProviderOAuthError(str(exc)) from None
        return ToolOAuthCredentials(credentials=tokens.credentials, expires_at=tokens.expires_at)

    def _oauth_refresh_credentials(
        self,
        redirect_uri: str,
        system_credentials: Mapping[str, Any],
        credentials: Mapping[str, Any],
    ) -> ToolOAuthCredentials:
        try:
            client = oauth.ClientConfig.from_system_credentials(system_credentials)
            tokens = oauth.refresh(
                client, str(credentials.get("refresh_token") or ""), redirect_uri=redirect_uri
            )
        except OAuthError as exc:
            raise ToolProviderOAuthError(str(exc)) from None
        # Dify replaces the stored set: keep what Google did not resend (granted scopes). The
        # access level is the one configured now, so a switch to a narrower level reaches
        # existing connections at their next refresh (within the hour).
        merged = dict(tokens.credentials)
        if not merged.get("scope") and credentials.get("scope"):
            merged["scope"] = credentials["scope"]
        return ToolOAuthCredentials(credentials=merged, expires_at=tokens.expires_at)

    def _validate_credentials(self, credentials: dict[str, Any]) -> None:
        try:
            client = GmailClient(str(credentials.get("access_token") or ""))
            client.request("GET", USER_PATH + "/profile", retry=False, what="profile")
        except GmailError as exc:
            raise ToolProviderCredentialValidationError(str(exc)) from None
