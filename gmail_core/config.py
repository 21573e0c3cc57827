"""Google endpoint locations, overridable by environment variables (tests, proxies).

Read at call time, not import time, so a test can point one process at a fake server.
"""

from __future__ import annotations

import os

GMAIL_API_BASE_URL = "GMAIL_API_BASE_URL"
GOOGLE_OAUTH_AUTH_URL = "GOOGLE_OAUTH_AUTH_URL"
GOOGLE_OAUTH_TOKEN_URL = "GOOGLE_OAUTH_TOKEN_URL"
GMAIL_TIME_BUDGET_SECONDS = "GMAIL_TIME_BUDGET_SECONDS"
GMAIL_DIFY_FILE_HOSTS = "GMAIL_DIFY_FILE_HOSTS"

_DEFAULTS = {
    GMAIL_API_BASE_URL: "https://gmail.googleapis.com",
    GOOGLE_OAUTH_AUTH_URL: "https://accounts.google.com/o/oauth2/v2/auth",
    GOOGLE_OAUTH_TOKEN_URL: "https://oauth2.googleapis.com/token",
}

# Dify's daemon gives one invocation 300 s by default (MAX_REQUEST_TIMEOUT); retries must
# finish well before that so the user gets our message rather than the daemon's timeout.
DEFAULT_TIME_BUDGET_SECONDS = 240.0


def url(name: str) -> str:
    return (os.environ.get(name) or _DEFAULTS[name]).rstrip("/")


def gmail_api_base() -> str:
    return url(GMAIL_API_BASE_URL)


def time_budget_seconds() -> float:
    raw = os.environ.get(GMAIL_TIME_BUDGET_SECONDS, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_TIME_BUDGET_SECONDS
    return value if value > 0 else DEFAULT_TIME_BUDGET_SECONDS


def dify_file_hosts() -> frozenset[str]:
    """Hosts (``host`` or ``host:port``, lower case, IPv6 without brackets) whose file links
    may point at non-public addresses; empty = only Dify-signed links on private networks."""
    raw = os.environ.get(GMAIL_DIFY_FILE_HOSTS, "")
    entries = (
        e.strip().lower().replace("[", "").replace("]", "")
        for e in raw.replace(";", ",").split(",")
    )
    return frozenset(e for e in entries if e)
