"""Gmail OAuth scopes, access levels, and what each action needs.

Two checks guard every tool before its first request: the connection's **access level**
(what the admin allowed, recorded in the credentials at connect and refresh) and the
**granted scopes** (what Google says the token can do). An action runs only when both
allow it. The level matters because a token may carry more than the level asked for:
Google adds earlier grants to it (``include_granted_scopes``), so a connection switched
from full to read-only could otherwise still send.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

PREFIX = "https://www.googleapis.com/auth/"
MODIFY = PREFIX + "gmail.modify"
READONLY = PREFIX + "gmail.readonly"
COMPOSE = PREFIX + "gmail.compose"
SEND = PREFIX + "gmail.send"
LABELS = PREFIX + "gmail.labels"
SETTINGS_BASIC = PREFIX + "gmail.settings.basic"
FULL_MAIL = "https://mail.google.com/"

# Capability -> any one of these scopes is enough (gmail.modify covers all of them).
CAPABILITIES: dict[str, frozenset[str]] = {
    "read": frozenset({READONLY, MODIFY, FULL_MAIL}),
    # drafts.list and drafts.get: every scope that writes drafts reads them too
    "read_drafts": frozenset({READONLY, COMPOSE, MODIFY, FULL_MAIL}),
    # settings.sendAs.list: the send-as addresses and their signatures
    "read_settings": frozenset({READONLY, SETTINGS_BASIC, MODIFY, FULL_MAIL}),
    "modify": frozenset({MODIFY, FULL_MAIL}),
    "send": frozenset({SEND, COMPOSE, MODIFY, FULL_MAIL}),
    "compose": frozenset({COMPOSE, MODIFY, FULL_MAIL}),
    "labels": frozenset({LABELS, MODIFY, FULL_MAIL}),
}

_DESCRIPTIONS = {
    "read": "read your email (gmail.readonly or gmail.modify)",
    "read_drafts": "read your drafts (gmail.readonly, gmail.compose or gmail.modify)",
    "read_settings": "read your send-as addresses and signatures (gmail.readonly or gmail.modify)",
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
    # What a refusal says for a capability the level withholds on purpose (else the generic
    # text of level_forbids_message)
    refusals: Mapping[str, str] = field(default_factory=dict)

    @property
    def include_granted_scopes(self) -> bool:
        """Ask Google to fold earlier grants into the token only when the level may use
        everything anyway: for a narrower level they would reach past it."""
        return self.capabilities >= set(CAPABILITIES)


# Read and draft: gmail.compose is the narrowest scope that writes drafts, and every scope
# that writes drafts (compose, modify, mail.google.com) can send too, so the plugin itself
# refuses to send. gmail.readonly reads mail, labels and the send-as addresses (compose
# reads none of them). gmail.modify is not asked for: it would add relabelling and trash.
NEVER_SENDS = (
    "This Gmail connection uses the 'Read and draft (never sends)' access level: the plugin "
    "never sends mail on it, and nothing was sent. It saves drafts, and a person reviews and "
    "sends them in Gmail."
)

# A new level is one entry here plus one option in provider/gmail.yaml.
ACCESS_LEVELS: dict[str, AccessLevel] = {
    level.name: level
    for level in (
        AccessLevel("full", "full", (MODIFY,), frozenset(CAPABILITIES)),
        AccessLevel(
            "read_and_draft",
            "read-and-draft (never sends)",
            (READONLY, COMPOSE),
            frozenset({"read", "read_drafts", "read_settings", "compose"}),
            refusals={"send": NEVER_SENDS},
        ),
        AccessLevel("read_only", "read-only", (READONLY,), frozenset({"read", "read_drafts"})),
    )
}
DEFAULT_ACCESS_LEVEL = "full"
# A level name this version does not know (e.g. written by a newer one) allows least.
LEAST_ACCESS_LEVEL = "read_only"


def access_level(name: str | None) -> AccessLevel:
    """The level for a setting or recorded value: empty = the default; unknown = the least."""
    key = (name or "").strip() or DEFAULT_ACCESS_LEVEL
    return ACCESS_LEVELS.get(key) or ACCESS_LEVELS[LEAST_ACCESS_LEVEL]


# What a request needs, by method and path under users/me (first match wins): a refused
# request is then worded after its own permission, not the calling tool's (a reply saved as
# a draft reads the original first, which "manage drafts" does not cover).
_NEEDS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), capability)
    for method, pattern, capability in (
        ("GET", r"/settings/sendAs\b.*", "read_settings"),
        ("GET", r"/drafts\b.*", "read_drafts"),
        ("POST", r"/messages/send", "send"),  # drafts.send: gmail.send is not enough
        ("*", r"/drafts\b.*", "compose"),
        ("POST", r"/labels", "labels"),
        ("POST", r"/messages/(?:batchModify|[^/]+/(?:modify|trash|untrash))", "modify"),
        ("GET", r".*", "read"),
    )
)


def needed_for(method: str, path: str) -> str | None:
    """The capability a Gmail API request needs (``path`` as sent: ``/gmail/v1/users/me/…``
    or its ``/upload/…`` form); None when this table does not know it."""
    _, found, rest = path.partition("/users/me")
    if not found:
        return None
    for wanted, pattern, capability in _NEEDS:
        if wanted in (method.upper(), "*") and pattern.fullmatch(rest):
            return capability
    return None


def parse(granted: str | None) -> frozenset[str] | None:
    """Granted scopes from a token response's space-separated ``scope``; None when unknown."""
    if granted is None or not str(granted).strip():
        return None
    return frozenset(str(granted).split())


def allows(granted: frozenset[str], capability: str) -> bool:
    return bool(granted & CAPABILITIES[capability])


def description(capability: str) -> str:
    """What ``capability`` allows and the scopes that grant it, e.g. "read your drafts
    (gmail.readonly, gmail.compose or gmail.modify)"."""
    return _DESCRIPTIONS[capability]


def missing_message(capability: str, level: AccessLevel | None = None) -> str:
    """Google did not grant what ``capability`` needs; ``level`` is the connection's."""
    fix = (
        "Reconnect Gmail in Dify"
        if level is not None and capability in level.capabilities
        else "Reconnect Gmail in Dify with access level 'full'"
    )
    return (
        f"This action needs permission to {_DESCRIPTIONS[capability]}, which this Gmail "
        f"connection was not granted. {fix} and tick every Gmail permission on Google's "
        "consent screen."
    )


def level_forbids_message(level: AccessLevel, capability: str, instead: str = "") -> str:
    """Why the level refuses ``capability``; ``instead`` (the calling tool's) names what the
    caller can do at this level."""
    special = level.refusals.get(capability)
    if special:
        return f"{special} {instead}".strip()
    wanted = _DESCRIPTIONS[capability].split(" (", 1)[0]
    return (
        f"This Gmail connection uses the {level.label} access level, which does not allow this "
        f"action (it needs permission to {wanted}). To allow it, set 'Access level' in the Gmail "
        "plugin's OAuth client settings to one that includes it, then reconnect Gmail."
    )
