"""Gmail OAuth scopes: what each access level asks for and what each action needs."""

from __future__ import annotations

PREFIX = "https://www.googleapis.com/auth/"
MODIFY = PREFIX + "gmail.modify"
READONLY = PREFIX + "gmail.readonly"
COMPOSE = PREFIX + "gmail.compose"
SEND = PREFIX + "gmail.send"
LABELS = PREFIX + "gmail.labels"
FULL_MAIL = "https://mail.google.com/"

# Access level (provider client setting) -> scopes requested at Connect.
ACCESS_LEVELS: dict[str, tuple[str, ...]] = {
    "full": (MODIFY,),
    "read_only": (READONLY,),
}
DEFAULT_ACCESS_LEVEL = "full"

# Capability -> any one of these scopes is enough (gmail.modify covers all of them).
CAPABILITIES: dict[str, frozenset[str]] = {
    "read": frozenset({READONLY, MODIFY, FULL_MAIL}),
    "modify": frozenset({MODIFY, FULL_MAIL}),
    "send": frozenset({SEND, COMPOSE, MODIFY, FULL_MAIL}),
    "compose": frozenset({COMPOSE, MODIFY, FULL_MAIL}),
    "labels": frozenset({LABELS, MODIFY, FULL_MAIL}),
}

_DESCRIPTIONS = {
    "read": "read your email (gmail.readonly or gmail.modify)",
    "modify": "change labels and move mail to the trash (gmail.modify)",
    "send": "send email (gmail.send or gmail.modify)",
    "compose": "manage drafts (gmail.compose or gmail.modify)",
    "labels": "manage labels (gmail.labels or gmail.modify)",
}


def for_access_level(level: str | None) -> tuple[str, ...]:
    return ACCESS_LEVELS.get((level or DEFAULT_ACCESS_LEVEL).strip(), ACCESS_LEVELS["full"])


def parse(granted: str | None) -> frozenset[str] | None:
    """Granted scopes from a token response's space-separated ``scope``; None when unknown."""
    if granted is None or not str(granted).strip():
        return None
    return frozenset(str(granted).split())


def allows(granted: frozenset[str], capability: str) -> bool:
    return bool(granted & CAPABILITIES[capability])


def missing_message(capability: str) -> str:
    return (
        f"This action needs permission to {_DESCRIPTIONS[capability]}, which this Gmail "
        "connection was not granted. Reconnect Gmail in Dify with access level 'full' and tick "
        "every Gmail permission on Google's consent screen."
    )
