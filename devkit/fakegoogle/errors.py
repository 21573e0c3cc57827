"""Google-shaped HTTP responses and errors.

Every handler returns a :class:`Response`; failures raise :class:`GoogleError`, which
renders the JSON error envelope Google APIs use::

    {"error": {"code": 404, "message": "...", "errors": [{"message", "domain", "reason"}],
               "status": "NOT_FOUND"}}
"""

from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass, field
from typing import Any

JSON_CT = "application/json; charset=UTF-8"

# Whether the request being answered asked for ``prettyPrint=false`` (a standard parameter of
# every Google API): JSON is then compact, else indented as Google's default is. Set per
# request (and per inner call of a batch) by ``GmailApi.handle``.
compact_json: contextvars.ContextVar[bool] = contextvars.ContextVar("compact_json", default=False)

STATUS_TEXT = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

GFE_502_HTML = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
    "  <title>Error 502 (Server Error)!!1</title>\n"
    "  <p><b>502.</b> <ins>That’s an error.</ins>\n"
    "  <p>The server encountered a temporary error and could not complete your request."
    "<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n"
)


@dataclass
class Response:
    """A complete HTTP answer (status, headers, body)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: list[tuple[str, str]] | None = None):
        if compact_json.get():
            body = json.dumps(obj, separators=(",", ":")).encode()
        else:
            body = json.dumps(obj, indent=2).encode()
        return cls(status, body, [("Content-Type", JSON_CT), *(headers or [])])

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status, b"", [])

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class GoogleError(Exception):
    """An API error rendered in Google's JSON envelope."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str,
        *,
        domain: str = "global",
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        extra: dict[str, str] | None = None,
        headers: list[tuple[str, str]] | None = None,
        item_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.item_message = item_message or message
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.status = status or STATUS_TEXT.get(code, "UNKNOWN")
        self.details = details
        self.extra = extra or {}
        self.headers = headers or []

    def body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message": self.item_message, "domain": self.domain}
        item["reason"] = self.reason
        item.update(self.extra)
        err: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "errors": [item],
            "status": self.status,
        }
        if self.details:
            err["details"] = self.details
        return {"error": err}

    def response(self) -> Response:
        return Response.json(self.body(), self.code, list(self.headers))


def error_info(reason: str, method: str = "") -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": "gmail.googleapis.com", "method": method},
    }


def not_found() -> GoogleError:
    return GoogleError(404, "Requested entity was not found.", "notFound")


def invalid(message: str) -> GoogleError:
    return GoogleError(400, message, "invalidArgument")


def bad_request(message: str) -> GoogleError:
    return GoogleError(400, message, "badRequest")


def failed_precondition(message: str) -> GoogleError:
    return GoogleError(400, message, "failedPrecondition", status="FAILED_PRECONDITION")


_AUTH_HELP = (
    "Expected OAuth 2 access token, login cookie or other valid authentication "
    "credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_WWW_AUTH = [("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')]


def missing_credentials() -> GoogleError:
    """What Google answers when no Authorization header is sent."""
    return GoogleError(
        401,
        "Request is missing required authentication credential. " + _AUTH_HELP,
        "required",
        item_message="Login Required.",
        extra={"location": "Authorization", "locationType": "header"},
        details=[error_info("CREDENTIALS_MISSING")],
        headers=_WWW_AUTH,
    )


def invalid_credentials() -> GoogleError:
    """Unknown, expired or revoked Bearer token."""
    return GoogleError(
        401,
        "Request had invalid authentication credentials. " + _AUTH_HELP,
        "authError",
        item_message="Invalid Credentials",
        extra={"location": "Authorization", "locationType": "header"},
        details=[error_info("ACCESS_TOKEN_EXPIRED")],
        headers=[
            (
                "WWW-Authenticate",
                'Bearer realm="https://accounts.google.com/", error="invalid_token"',
            )
        ],
    )


def insufficient_scope(method: str) -> GoogleError:
    return GoogleError(
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
        item_message="Insufficient Permission",
        status="PERMISSION_DENIED",
        details=[error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", method)],
        headers=[
            (
                "WWW-Authenticate",
                'Bearer realm="https://accounts.google.com/", error="insufficient_scope", '
                'scope="https://mail.google.com/"',
            )
        ],
    )


def too_many_concurrent(retry_after: str | None = None) -> GoogleError:
    headers = [("Retry-After", retry_after)] if retry_after else []
    return GoogleError(
        429,
        "Too many concurrent requests for user.",
        "rateLimitExceeded",
        status="RESOURCE_EXHAUSTED",
        headers=headers,
    )


def user_rate_limited(retry_at_iso: str) -> GoogleError:
    msg = f"User-rate limit exceeded.  Retry after {retry_at_iso}"
    return GoogleError(403, msg, "rateLimitExceeded", domain="usageLimits")


def backend_error() -> GoogleError:
    return GoogleError(500, "Internal error encountered.", "backendError", status="INTERNAL")


def unavailable() -> GoogleError:
    return GoogleError(
        503, "The service is currently unavailable.", "backendError", status="UNAVAILABLE"
    )


def bad_gateway() -> Response:
    """Google's front end answers 502 with an HTML page, not JSON."""
    return Response(502, GFE_502_HTML.encode(), [("Content-Type", "text/html; charset=UTF-8")])
