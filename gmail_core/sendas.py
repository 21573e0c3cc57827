"""Send-as addresses (Gmail's ``settings.sendAs``): which address a message goes out from.

Pure: the one ``sendAs.list`` call per invocation is compose's. Gmail sends a message whose
From is not one of the account's verified send-as addresses from the default address
instead, without an error (widely reported), so the choice is checked here, before anything
is sent, and a wrong one is refused with the addresses that would work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gmail_core.addresses import (
    address_key,
    addresses_only,
    format_address_list,
    parse_address_list,
)
from gmail_core.errors import InvalidInputError
from gmail_core.message import Message

# Everything the plugin reads of a send-as address (a partial response: no SMTP settings).
FIELDS = "sendAs(sendAsEmail,displayName,replyToAddress,isPrimary,isDefault,verificationStatus{})"
# Gmail's verificationStatus values that allow sending. The primary address has none, and
# Google Workspace's own aliases are reported to come without one too (only "pending" is a
# refusal Gmail states); the enum's zero value means the same as no value.
_SENDABLE = frozenset({"", "accepted", "verificationStatusUnspecified"})


def fields(*, with_signature: bool) -> str:
    return FIELDS.format(",signature" if with_signature else "")


@dataclass(frozen=True, slots=True)
class SendAs:
    """One send-as address as ``settings.sendAs`` lists it."""

    email: str
    display_name: str = ""
    reply_to: str = ""
    signature: str = ""  # HTML as Gmail stores it (sanitised before use: see signatures)
    is_primary: bool = False
    is_default: bool = False
    verification: str = ""  # verificationStatus; "" when Gmail gives none

    @property
    def verified(self) -> bool:
        return self.is_primary or self.verification in _SENDABLE

    @property
    def key(self) -> str:
        return address_key(self.email)


@dataclass(frozen=True, slots=True)
class Identities:
    """The account's send-as addresses; chooses the one a message goes out from."""

    addresses: tuple[SendAs, ...]
    #: False when the connection may not read them: Gmail then picks the From (its default
    #: address) and no signature is added
    readable: bool = True

    @classmethod
    def from_response(cls, found: object) -> Identities:
        entries = found.get("sendAs") if isinstance(found, Mapping) else None
        parsed = (_entry(e) for e in entries or [] if isinstance(e, Mapping))
        return cls(tuple(a for a in parsed if a.key))

    @property
    def emails(self) -> list[str]:
        """Every address of the user (unverified ones too): left out of a reply-all."""
        return [a.email for a in self.addresses]

    def default(self) -> SendAs | None:
        """Gmail's default From (``isDefault``), else the primary; None if Gmail listed none."""
        usable = [a for a in self.addresses if a.verified]
        for wanted in (lambda a: a.is_default, lambda a: a.is_primary, lambda a: True):
            found = next((a for a in usable if wanted(a)), None)
            if found is not None:
                return found
        return None

    def pick(self, wanted: str) -> SendAs:
        """The verified address ``wanted`` names: an address (``Name <addr>`` too) or a
        display name, case-insensitively. Raises InvalidInputError listing the choices."""
        text = " ".join(wanted.split())
        if "@" in text:
            pairs = parse_address_list(text, field="send_as", max_count=1)
            key = address_key(pairs[0][1]) if pairs else ""
            matches = [a for a in self.addresses if a.key == key]
        else:
            # An address's own name first: one without a name shows the primary's, and
            # would make the primary's name ambiguous.
            name = text.casefold()
            matches = [a for a in self.addresses if _folded(a.display_name) == name]
            matches = matches or [a for a in self.addresses if _folded(self.name_of(a)) == name]
        usable = [a for a in matches if a.verified]
        if len(usable) == 1:
            return usable[0]
        if len(usable) > 1:
            raise InvalidInputError(
                f"send_as '{_short(text)}' matches several send-as addresses: "
                f"{self._listed(usable)}. Give the email address instead."
            )
        if matches:
            raise InvalidInputError(
                f"{matches[0].email} is not verified for sending yet (Gmail says "
                f"'{matches[0].verification}'): finish its verification in Gmail's settings "
                f"(Accounts → Send mail as), or use one of: {self._listed(self._usable())}. "
                "Nothing was sent or saved."
            )
        raise InvalidInputError(
            f"send_as '{_short(text)}' is not one of this Gmail account's send-as addresses. "
            f"Use one of: {self._listed(self._usable())} (address or name), or leave send_as "
            "empty for the default. Addresses are added in Gmail's settings (Accounts → Send "
            "mail as). Nothing was sent or saved."
        )

    def for_reply(self, original: Message) -> SendAs | None:
        """The address Gmail replies from by default ("reply from the same address the
        message was sent to"): for a message the user sent, its From; otherwise the first
        of the user's verified addresses in its To, then its Cc. None: the default."""
        sent_by_me = self._own_in(original.from_)
        if sent_by_me is not None:
            return sent_by_me
        return self._own_in(original.to) or self._own_in(original.cc)

    def matching(self, header: str) -> SendAs | None:
        """The user's verified address that a From header value names, if any."""
        return self._own_in(header)

    def name_of(self, alias: SendAs) -> str:
        """The name in the From header: the address's own, else the primary's (what Gmail
        puts there for a custom address without a name)."""
        if alias.display_name.strip():
            return alias.display_name.strip()
        primary = next((a for a in self.addresses if a.is_primary), None)
        return primary.display_name.strip() if primary else ""

    def from_header(self, alias: SendAs) -> str:
        return format_address_list([(self.name_of(alias), alias.email)])

    def _own_in(self, header: str) -> SendAs | None:
        by_key = {a.key: a for a in self.addresses if a.verified}
        # Someone else's header, read leniently: one that cannot be read names no address.
        for key in addresses_only(header):
            if key in by_key:
                return by_key[key]
        return None

    def _usable(self) -> list[SendAs]:
        return [a for a in self.addresses if a.verified]

    def _listed(self, aliases: Sequence[SendAs]) -> str:
        return "; ".join(self.from_header(a) for a in aliases) or "(none)"


#: the addresses of a connection that may not read them (see ``Identities.readable``)
UNREADABLE = Identities((), readable=False)


def _entry(entry: Mapping[str, Any]) -> SendAs:
    return SendAs(
        email=str(entry.get("sendAsEmail") or "").strip(),
        display_name=str(entry.get("displayName") or ""),
        reply_to=str(entry.get("replyToAddress") or "").strip(),
        signature=str(entry.get("signature") or ""),
        is_primary=entry.get("isPrimary") is True,
        is_default=entry.get("isDefault") is True,
        verification=str(entry.get("verificationStatus") or ""),
    )


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"
