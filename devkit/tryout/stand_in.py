"""The Gmail of ``make try`` (sample mode): the project's fake Google on 127.0.0.1, holding the
sample mailbox, with a consent page that signs in as its owner and approves at once.

``snapshot()`` and ``changes()`` show what the run wrote, read straight from the fake's
mailbox (not through the plugin): new labels, drafts and sent mail, and label changes
(archived = INBOX removed).
"""

from __future__ import annotations

from dataclasses import dataclass

from devkit import sample_mailbox
from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle
from devkit.tryout.connect import ACCESS_FULL, Client
from devkit.tryout.show import short

SEED = 14
#: the OAuth client a Dify admin would enter, here for the stand-in's token endpoint only
CLIENT_ID = "make-try.apps.googleusercontent.com"
CLIENT_SECRET = "make-try-client-secret"  # the local stand-in's, not a Google secret


@dataclass(frozen=True)
class Snapshot:
    labels: dict[str, str]  # id -> name
    messages: dict[str, tuple[str, ...]]  # id -> label IDs
    drafts: frozenset[str]


class StandIn:
    def __init__(self) -> None:
        self.fake = FakeGoogle(seed=SEED).start()
        self.box = self.fake.add_mailbox("sample-owner", sample_mailbox.ME[1], {GMAIL_MODIFY})
        self.ids = sample_mailbox.populate(self.box)
        oauth = self.fake.oauth
        oauth.client_id, oauth.client_secret = CLIENT_ID, CLIENT_SECRET
        oauth.consent_mailbox = self.box

    def client(self) -> Client:
        return Client(CLIENT_ID, CLIENT_SECRET, ACCESS_FULL)

    def env(self) -> dict[str, str]:
        return self.fake.env()

    def describe(self) -> str:
        inbox = sum("INBOX" in m.label_ids for m in self.box.messages.values())
        return (
            f"the project's stand-in (devkit/fakegoogle) on {self.fake.base_url}: "
            f"{len(self.box.messages)} messages ({inbox} in the inbox) for {self.box.email}"
        )

    def snapshot(self) -> Snapshot:
        with self.box.lock:
            return Snapshot(
                {lid: label.name for lid, label in self.box.labels.items()},
                {mid: tuple(m.label_ids) for mid, m in self.box.messages.items()},
                frozenset(self.box.drafts),
            )

    def changes(self, before: Snapshot) -> list[str]:
        """What changed since ``before``, one line per fact (``[]``: nothing)."""
        after = self.snapshot()
        box = self.box
        lines: list[str] = []

        def inbox(s: Snapshot) -> int:
            return sum("INBOX" in labels for labels in s.messages.values())

        if inbox(before) != inbox(after):
            lines.append(f"inbox     {inbox(before)} → {inbox(after)} messages")
        for lid in after.labels.keys() - before.labels.keys():
            count = sum(lid in labels for labels in after.messages.values())
            lines.append(f"new label {after.labels[lid]} ({count} messages)")
        for draft_id in sorted(after.drafts - before.drafts):
            stored = box.messages[box.drafts[draft_id].message_id]
            parsed = stored.parsed
            lines.append(
                f"new draft {draft_id} in thread {stored.thread_id}: "
                f"{short(parsed.decoded('Subject'), 50)} to {parsed.decoded('To')}"
            )
            body = parsed.text_bodies()[0].splitlines()[:4]
            lines.extend(f"          │ {line}".rstrip() for line in body)
        for mid, labels in after.messages.items():
            if mid in before.messages or "DRAFT" in labels:
                continue
            parsed = box.messages[mid].parsed
            files = ", ".join(parsed.attachment_names())
            lines.append(
                f"new       {mid} {short(parsed.decoded('Subject'), 50)} ({', '.join(labels)})"
                + (f", attached: {files}" if files else "")
            )
        for mid, labels in before.messages.items():
            if mid not in after.messages:
                lines.append(f"deleted   {mid}")
                continue
            now = after.messages[mid]
            removed = [after.labels.get(x, x) for x in labels if x not in now]
            added = [after.labels.get(x, x) for x in now if x not in labels]
            if removed or added:
                subject = short(box.messages[mid].parsed.decoded("Subject"), 46)
                change = " ".join([*(f"−{x}" for x in removed), *(f"+{x}" for x in added)])
                lines.append(f"changed   {mid} {subject}  {change}")
        return lines

    def close(self) -> None:
        self.fake.stop()
