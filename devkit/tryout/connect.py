"""Connect Gmail the way Dify's Connect button does, through the plugin's own OAuth methods.

``get_authorization_url`` -> the browser signs in and consents -> Google redirects to a
loopback listener -> ``get_credentials`` with the whole callback request, hex encoded, as
Dify forwards it. Before every tool call the credentials are refreshed by
``refresh_credentials`` when Dify would refresh them (``expires_at - 60 < now``). The
credentials are whatever the plugin returns: they are kept and passed back unread, so a
change in what the provider stores needs no change here.

Against the user's Gmail the connection is saved in a file only the user can read (0600),
never printed: the client ID and secret, the access level and the plugin's credentials.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devkit.loopback import LoopbackListener
from devkit.plugin_process import PluginProcess, SessionResult, oauth_request
from devkit.tryout.show import Console

#: what Dify's OAuth client settings hold: provider/gmail.yaml, oauth_schema.client_schema
ACCESS_FULL = "full"
ACCESS_READ_ONLY = "read_only"
#: the plugin's signed state is valid this long: the consent must finish within it
SIGN_IN_TIMEOUT = 600.0
REFRESH_MARGIN = 60  # Dify refreshes when expires_at - 60 < now


class TryError(Exception):
    """A step that cannot go on: ``str()`` says what happened, ``fix`` what to do;
    ``reason`` is the plugin's own message when the plugin refused."""

    def __init__(self, message: str, fix: str = "", *, reason: str = "") -> None:
        super().__init__(message)
        self.fix = fix
        self.reason = reason


@dataclass
class Client:
    """The OAuth client settings a Dify admin enters (``system_credentials``)."""

    client_id: str
    client_secret: str
    access_level: str

    def system_credentials(self) -> dict[str, str]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "access_level": self.access_level,
        }


class TokenStore:
    """One JSON file, created 0600 and re-restricted if its mode was widened."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any] | None:
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except FileNotFoundError:
            return None
        if mode & 0o077:
            os.chmod(self.path, 0o600)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def save(self, data: dict[str, Any]) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.replace(temporary, self.path)


def plugin_message(result: SessionResult) -> str:
    error = result.error or {}
    return str(error.get("message") or error.get("error_type") or "unknown error")


class Connection:
    """Credentials for tool calls: obtained, refreshed and (optionally) saved."""

    def __init__(
        self,
        plugin: PluginProcess,
        client: Client,
        console: Console,
        *,
        store: TokenStore | None = None,
        timeout: float = 60,
    ) -> None:
        self.plugin = plugin
        self.client = client
        self.console = console
        self.store = store
        self.timeout = timeout
        self.redirect_uri = ""
        self._credentials: dict[str, Any] | None = None
        self._expires_at = -1

    # --- saved connection ---------------------------------------------------------------
    def resume(self) -> bool:
        """Use the saved connection if it was made for this client and access level."""
        saved = self.store.load() if self.store else None
        if not saved or not isinstance(saved.get("credentials"), dict):
            return False
        same_client = saved.get("client_id") == self.client.client_id
        enough = saved.get("access_level") == self.client.access_level or (
            saved.get("access_level") == ACCESS_FULL
        )
        if not same_client or not enough:
            return False
        self.client.access_level = str(saved["access_level"])
        self.redirect_uri = str(saved.get("redirect_uri") or "")
        self._credentials = dict(saved["credentials"])
        self._expires_at = int(saved.get("expires_at", -1))
        return True

    def _save(self) -> None:
        if self.store is None or self._credentials is None:
            return
        self.store.save(
            {
                **self.client.system_credentials(),
                "redirect_uri": self.redirect_uri,
                "credentials": self._credentials,
                "expires_at": self._expires_at,
                "saved_at": int(time.time()),
            }
        )

    # --- Dify's Connect -----------------------------------------------------------------
    def connect(self, open_browser: Callable[[str], None], *, port: int = 0) -> None:
        try:
            listener = LoopbackListener(port)
        except OSError as exc:
            raise TryError(
                f"Cannot listen on 127.0.0.1:{port} for Google's redirect ({exc.strerror}).",
                "Free the port or pick another: TRY_OAUTH_PORT=8766 (with a Web application "
                "client, register http://127.0.0.1:<port>/ as its redirect URI).",
            ) from None
        with contextlib.closing(listener):
            self.redirect_uri = listener.redirect_uri
            url = self._call("get_authorization_url", "authorization_url")
            self.console.field("get_authorization_url", summarize_url(url))
            open_browser(url)
            raw = listener.wait(SIGN_IN_TIMEOUT)
            if raw is None:
                raise TryError(
                    f"No answer from Google on {self.redirect_uri} within "
                    f"{SIGN_IN_TIMEOUT / 60:.0f} minutes.",
                    "Run the command again and finish the consent screen in the browser.",
                )
        self.console.field("redirect", f"{self.redirect_uri}?state=…&code=… received")
        data = self._call("get_credentials", None, raw_http_request=raw)
        self._accept(data)
        self.console.field("get_credentials", self.describe())

    def _call(self, action: str, key: str | None, **extra: object) -> Any:
        result = self.plugin.call(
            oauth_request(
                action,
                redirect_uri=self.redirect_uri,
                system_credentials=self.client.system_credentials(),
                **extra,
            ),
            self.timeout,
        )
        if result.error is not None:
            reason = plugin_message(result)
            raise TryError(f"{action} failed.", f"{reason} {_oauth_hint(result)}", reason=reason)
        return result.data[key] if key else result.data

    def _accept(self, data: dict[str, Any]) -> None:
        self._credentials = dict(data["credentials"])
        self._expires_at = int(data.get("expires_at", -1))
        self._save()

    # --- tool calls -----------------------------------------------------------------
    def credentials(self) -> dict[str, Any]:
        """The credentials for the next tool call, refreshed first when Dify would."""
        assert self._credentials is not None, "connect() or resume() first"
        if self._expires_at != -1 and self._expires_at - REFRESH_MARGIN < time.time():
            data = self._call("refresh_credentials", None, credentials=self._credentials)
            self._accept(data)
            self.console.field("refresh_credentials", "new access token; " + self._lifetime())
        return self._credentials

    def describe(self) -> str:
        """The credentials with secrets hidden: which keys, the granted scope, the lifetime."""
        assert self._credentials is not None
        parts = []
        for key, value in self._credentials.items():
            if key == "scope":
                parts.append(f"scope {' '.join(_short_scope(s) for s in str(value).split())}")
            else:
                parts.append(f"{key} (hidden)")
        return ", ".join(parts) + "; " + self._lifetime()

    def _lifetime(self) -> str:
        if self._expires_at == -1:
            return "never expires"
        minutes = max(0, round((self._expires_at - time.time()) / 60))
        return f"access token valid {minutes} more minutes"


def summarize_url(url: str) -> str:
    """The authorization URL's parts that matter to a reader; state and PKCE abbreviated."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    shown = [f"{parts.scheme}://{parts.netloc}{parts.path}"]
    for key in ("redirect_uri", "scope", "access_type", "prompt"):
        if key in query:
            value = query[key]
            shown.append(f"{key}={' '.join(_short_scope(s) for s in value.split())}")
    if "state" in query:
        shown.append(f"state={query['state'][:3]}…(signed)")
    if "code_challenge" in query:
        shown.append(f"code_challenge=…({query.get('code_challenge_method', 'plain')})")
    return "\n".join([shown[0], "  ".join(shown[1:])])


def _short_scope(scope: str) -> str:
    return scope.removeprefix("https://www.googleapis.com/auth/")


def _oauth_hint(result: SessionResult) -> str:
    """What the plugin's message (written for Dify's Connect button) means for make try."""
    message = plugin_message(result).lower()
    if "redirect uri" in message:
        return (
            "For make try, use a 'Desktop app' OAuth client (Google accepts loopback redirects "
            "from it on any port), or register http://127.0.0.1:8765/ on your Web application "
            "client. See README, 'Try it with your own Gmail'."
        )
    if "client id or secret" in message or "client id is missing" in message:
        return (
            "Check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (or what you typed at the prompt): "
            "both come from the same OAuth client in Google Cloud → APIs & Services → "
            "Credentials."
        )
    return "(Here: run the command again to start a new sign-in.)"
