"""Google's OAuth 2.0 endpoints: consent (``GET /o/oauth2/v2/auth``), token (``POST /token``)
and revoke (``POST /revoke``)."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from .errors import Response
from .mailbox import Mailbox
from .secrets import announce as announce_secret

DEFAULT_SCOPE = "https://www.googleapis.com/auth/gmail.modify"


@dataclass
class Grant:
    """What an authorization code or refresh token stands for."""

    access_token: str
    scope: str
    expires_in: int
    email: str
    refresh_token: str | None = None
    code_verifier: str | None = None
    code_challenge: str | None = None
    omit_refresh_token: bool = False
    revoked: bool = False
    issued: list[str] = field(default_factory=list)
    #: the mailbox the tokens reach (consent page); None = the access token's own mailbox
    mailbox: Mailbox | None = None


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return Response.json({"error": error, "error_description": description}, status)


def _error_page(status: int, error: str, description: str) -> Response:
    """Google's consent-page error ("Error 400: redirect_uri_mismatch"), shown to the user."""
    body = f"<!DOCTYPE html><title>Error {status}: {error}</title><p>{html.escape(description)}"
    return Response(status, body.encode(), [("Content-Type", "text/html; charset=utf-8")])


class FakeOAuth:
    """Configurable token endpoint.

    Set :attr:`client_id` / :attr:`client_secret` to enforce client authentication and
    :attr:`redirect_uri` to enforce an exact redirect match. Codes are one-use. A refresh
    issues a new access token that shares the mailbox of the code's access token.

    The consent page answers at once, as if the user signed in as :attr:`consent_mailbox`
    and pressed Allow (or :attr:`consent_error`, e.g. ``access_denied``): it redirects to the
    request's ``redirect_uri`` with a one-use code for the requested scopes, bound to the
    request's PKCE challenge. Its tokens are Google-shaped (``4/0A…``, ``ya29.…``, ``1//…``)
    so that leak checks recognise them.
    """

    def __init__(
        self,
        mailbox_of: Callable[[str], Mailbox | None],
        register: Callable[[str, Mailbox | None, str, set[str]], Mailbox],
    ) -> None:
        self.client_id: str | None = None
        self._client_secret: str | None = None
        self.redirect_uri: str | None = None
        self.next_error: tuple[str, str, int] | None = None
        self.consent_mailbox: Mailbox | None = None
        self.consent_error: str | None = None
        self.rotate_refresh_tokens = False
        self.requests: list[dict[str, str]] = []
        self.revoked: set[str] = set()
        self._codes: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._lock = threading.Lock()
        self._seq = 0
        self._mailbox_of = mailbox_of
        self._register = register

    @property
    def client_secret(self) -> str | None:
        return self._client_secret

    @client_secret.setter
    def client_secret(self, value: str | None) -> None:
        announce_secret(value)
        self._client_secret = value

    def add_code(
        self,
        code: str,
        *,
        refresh_token: str = "rt-1",  # noqa: S107
        access_token: str = "tok-1",  # noqa: S107
        scope: str = DEFAULT_SCOPE,
        expires_in: int = 3599,
        code_verifier: str | None = None,
        code_challenge: str | None = None,
        omit_refresh_token: bool = False,
        email: str = "me@example.com",
    ) -> None:
        """Make ``code`` exchangeable once. ``code_verifier`` demands that exact PKCE verifier;
        ``code_challenge`` demands a verifier whose S256 hash matches it."""
        announce_secret(code, refresh_token, access_token, code_verifier)
        with self._lock:
            self._codes[code] = Grant(
                access_token, scope, expires_in, email, refresh_token,
                code_verifier, code_challenge, omit_refresh_token,
            )  # fmt: skip

    def add_refresh_token(
        self,
        refresh_token: str,
        *,
        access_token: str = "tok-1",  # noqa: S107
        scope: str = DEFAULT_SCOPE,
        expires_in: int = 3599,
        email: str = "me@example.com",
    ) -> None:
        """Register a refresh token directly (as if a code had been exchanged earlier)."""
        announce_secret(refresh_token, access_token)
        with self._lock:
            grant = Grant(access_token, scope, expires_in, email, refresh_token)
            self._ensure_mailbox(grant)
            self._refresh[refresh_token] = grant

    # --- endpoints ----------------------------------------------------------------------
    def handle_authorize(self, query: dict[str, list[str]]) -> Response:
        """The consent page. Like Google, a bad client or redirect URI gets an error page (no
        redirect); everything else is answered on the redirect URI."""
        q = {k: v[0] for k, v in query.items()}
        redirect_uri = q.get("redirect_uri", "")
        if not q.get("client_id") or (
            self.client_id is not None and q["client_id"] != self.client_id
        ):
            return _error_page(401, "invalid_client", "The OAuth client was not found.")
        if not redirect_uri or (
            self.redirect_uri is not None and redirect_uri != self.redirect_uri
        ):
            return _error_page(400, "redirect_uri_mismatch", "redirect_uri is not registered")
        answer: dict[str, str] = {}
        if q.get("response_type") != "code" or not q.get("scope"):
            answer["error"] = "invalid_request"
        elif self.consent_error or self.consent_mailbox is None:
            answer["error"] = self.consent_error or "access_denied"
        else:
            code = "4/0A" + secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = Grant(
                    "ya29.a0" + secrets.token_urlsafe(32), q["scope"], 3599,
                    self.consent_mailbox.email, "1//0" + secrets.token_urlsafe(32),
                    code_challenge=q.get("code_challenge"), mailbox=self.consent_mailbox,
                )  # fmt: skip
            answer = {"code": code, "scope": q["scope"]}
        if "state" in q:
            answer = {"state": q["state"], **answer}
        separator = "&" if "?" in redirect_uri else "?"
        return Response(302, b"", [("Location", redirect_uri + separator + urlencode(answer))])

    def handle_token(self, body: bytes, headers: dict[str, str]) -> Response:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        self._client_from_basic(form, headers.get("authorization", ""))
        with self._lock:
            self.requests.append(dict(form))
            if self.next_error is not None:
                error, description, status = self.next_error
                self.next_error = None
                return _oauth_error(error, description, status)
            grant_type = form.get("grant_type")
            if not grant_type:
                return _oauth_error("invalid_request", "Missing required parameter: grant_type")
            if grant_type not in ("authorization_code", "refresh_token"):
                return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
            client_error = self._check_client(form)
            if client_error is not None:
                return client_error
            if grant_type == "authorization_code":
                return self._exchange_code(form)
            return self._refresh_grant(form)

    def handle_revoke(self, body: bytes, query: dict[str, list[str]]) -> Response:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        token = form.get("token") or (query.get("token") or [""])[0]
        with self._lock:
            self.requests.append({"revoke": token})
            grant = self._refresh.get(token)
            if grant is None:
                grant = next((g for g in self._refresh.values() if token in g.issued), None)
            if grant is None:
                if token in self.revoked or self._mailbox_of(token) is None:
                    return _oauth_error("invalid_token", "Token expired or revoked")
                self.revoked.add(token)
                return Response.json({}, 200)
            if grant.revoked:
                return _oauth_error("invalid_token", "Token expired or revoked")
            grant.revoked = True
            self.revoked.update(grant.issued)
            return Response.json({}, 200)

    # --- helpers ------------------------------------------------------------------------
    @staticmethod
    def _client_from_basic(form: dict[str, str], authorization: str) -> None:
        if authorization.lower().startswith("basic ") and "client_id" not in form:
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except ValueError:
                return
            cid, _, secret = decoded.partition(":")
            form.setdefault("client_id", cid)
            form.setdefault("client_secret", secret)

    def _check_client(self, form: dict[str, str]) -> Response | None:
        if not form.get("client_id"):
            return _oauth_error("invalid_request", "Could not determine client ID from request.")
        if self.client_id is not None and form["client_id"] != self.client_id:
            return _oauth_error("invalid_client", "The OAuth client was not found.", 401)
        if self.client_secret is not None and form.get("client_secret") != self.client_secret:
            return _oauth_error("invalid_client", "Unauthorized", 401)
        return None

    def _ensure_mailbox(self, grant: Grant) -> None:
        self._register(
            grant.access_token,
            grant.mailbox or self._mailbox_of(grant.access_token),
            grant.email,
            set(grant.scope.split()),
        )

    def _token_response(self, grant: Grant, access_token: str, refresh: str | None) -> Response:
        out: dict[str, Any] = {"access_token": access_token, "expires_in": grant.expires_in}
        if refresh:
            out["refresh_token"] = refresh
        out["scope"] = grant.scope
        out["token_type"] = "Bearer"
        return Response.json(out, 200, [("Cache-Control", "no-cache, no-store, max-age=0")])

    def _exchange_code(self, form: dict[str, str]) -> Response:
        code = form.get("code")
        if not code:
            return _oauth_error("invalid_request", "Missing required parameter: code")
        if not form.get("redirect_uri"):
            return _oauth_error("invalid_request", "Missing required parameter: redirect_uri")
        grant = self._codes.pop(code, None)
        if grant is None:
            return _oauth_error("invalid_grant", "Bad Request")
        if self.redirect_uri is not None and form["redirect_uri"] != self.redirect_uri:
            return _oauth_error("redirect_uri_mismatch", "Bad Request")
        verifier = form.get("code_verifier")
        if grant.code_verifier is not None or grant.code_challenge is not None:
            if not verifier:
                return _oauth_error("invalid_grant", "Missing code verifier.")
            if grant.code_verifier is not None and verifier != grant.code_verifier:
                return _oauth_error("invalid_grant", "Invalid code verifier.")
            if grant.code_challenge is not None:
                digest = hashlib.sha256(verifier.encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
                    return _oauth_error("invalid_grant", "Invalid code verifier.")
        self._ensure_mailbox(grant)
        grant.issued.append(grant.access_token)
        refresh = None if grant.omit_refresh_token else grant.refresh_token
        if refresh:
            self._refresh[refresh] = grant
        return self._token_response(grant, grant.access_token, refresh)

    def _refresh_grant(self, form: dict[str, str]) -> Response:
        token = form.get("refresh_token")
        if not token:
            return _oauth_error("invalid_request", "Missing required parameter: refresh_token")
        grant = self._refresh.get(token)
        if grant is None or grant.revoked:
            return _oauth_error("invalid_grant", "Token has been expired or revoked.")
        self._seq += 1
        access = f"{grant.access_token}-r{self._seq}"
        mailbox = self._mailbox_of(grant.access_token)
        self._register(access, mailbox, grant.email, set(grant.scope.split()))
        grant.issued.append(access)
        new_refresh = None
        if self.rotate_refresh_tokens:
            new_refresh = f"{token}-r{self._seq}"
            announce_secret(new_refresh)
            self._refresh[new_refresh] = grant
        return self._token_response(grant, access, new_refresh)
