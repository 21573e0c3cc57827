"""One small exception hierarchy for the whole plugin.

``str(error)`` is always a short, user-facing sentence that names the fix. It never
contains a token, authorization code, client secret or raw Google JSON.
"""

from __future__ import annotations


class GmailError(Exception):
    """Base class of every error the core raises on purpose."""


class InvalidInputError(GmailError, ValueError):
    """The caller's input is wrong (bad ID, bad address, header injection, too large).

    Raised before anything is sent or changed.
    """


class OAuthError(GmailError):
    """Google's OAuth endpoints refused or failed (connect, refresh)."""


class GmailApiError(GmailError):
    """Gmail API answered with an error. ``status`` and ``reason`` are Google's."""

    def __init__(
        self, message: str, *, status: int = 0, reason: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        # Seconds the server asked us to wait before retrying (Retry-After or message text).
        self.retry_after = retry_after


class AuthError(GmailApiError):
    """401: the access token is expired or revoked — reconnect."""


class ScopeError(GmailApiError):
    """403: the connection lacks a scope this tool needs — reconnect and grant it."""


class NotFoundError(GmailApiError):
    """404: the message, thread, draft, label or attachment does not exist."""


class TransientError(GmailApiError):
    """Temporary: rate limits, 5xx, network failures. Retrying later may work."""


class RateLimitError(TransientError):
    """429 or 403 usageLimits."""


class SendOutcomeUnknownError(TransientError):
    """A send may or may not have gone out and could not be checked; do not blindly retry."""
