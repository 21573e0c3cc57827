"""Gmail OAuth scopes, access levels, and what each action needs.

Two checks guard every tool before its first request: the connection's **access level**
(what the admin allowed, recorded in the credentials at connect and refresh) and the
**granted scopes** (what Google says the token can do). An action runs only when both
allow it. The level matters because a token may carry more than the level asked for:
Google adds earlier grants to it (``include_granted_scopes``), so a connection switched
from full to read-only could otherwise still send.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "https://www.googleapis.com/auth/"
MODIFY = PREFIX + "gmail.modify"
READONLY = PREFIX + "gmail.readonly"
COMPOSE = PREFIX + "gmail.compose"
SEND = PREFIX + "gmail.send"
LABELS = PREFIX + "gmail.labels"
FULL_MAIL = "https://mail.google.com/"

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


@dataclass(frozen=True, slots=True)
class AccessLevel:
    """One choice of the provider's "Access level" setting."""

    name: str  # the stored value (provider/gmail.yaml option)
    label: str  # how messages name it
    scopes: tuple[str, ...]  # asked for at Connect
    capabilities: frozenset[str]  # what tools may do, whatever else the token was granted

    @property
    def include_granted_scopes(self) -> bool:
        """Ask Google to fold earlier grants into the token only when the level may use
        everything anyway: for a narrower level they would reach past it."""
        return self.capabilities >= set(CAPABILITIES)


# A new level is one entry here plus one option in provider/gmail.yaml.
ACCESS_LEVELS: dict[str, AccessLevel] = {
    level.name: level
    for level in (
        AccessLevel("full", "full", (MODIFY,), frozenset(CAPABILITIES)),
        AccessLevel("read_only", "read-only", (READONLY,), frozenset({"read"})),
    )
}
DEFAULT_ACCESS_LEVEL = "full"
# A level name this version does not know (e.g. written by a newer one) allows least.
LEAST_ACCESS_LEVEL = "read_only"


def access_level(name: str | None) -> AccessLevel:
    """The level for a setting or recorded value: empty = the default; unknown = the least."""
    key = (name or "").strip() or DEFAULT_ACCESS_LEVEL
    return ACCESS_LEVELS.get(key) or ACCESS_LEVELS[LEAST_ACCESS_LEVEL]


def for_access_level(level: str | None) -> tuple[str, ...]:
    return access_level(level).scopes


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


def level_forbids_message(level: AccessLevel, capability: str) -> str:
    wanted = _DESCRIPTIONS[capability].split(" (", 1)[0]
    return (
        f"This Gmail connection uses the {level.label} access level, which does not allow this "
        f"action (it needs permission to {wanted}). To allow it, set 'Access level' in the Gmail "
        "plugin's OAuth client settings to one that includes it, then reconnect Gmail."
    )
