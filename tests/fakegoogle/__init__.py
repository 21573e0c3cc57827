"""A faithful local fake of Google's Gmail API v1 and OAuth token endpoint.

Usage::

    with FakeGoogle(rtt_ms=0, seed=0) as fake:
        box = fake.add_mailbox("tok-1", "me@example.com")
        box.add_message(raw_rfc822)
        os.environ.update(fake.env())

Serves on 127.0.0.1 only: ``/gmail/v1/...``, ``/upload/gmail/v1/...``, ``/batch/gmail/v1``,
``/token`` and ``/revoke`` under :attr:`FakeGoogle.base_url`.
"""

from .faults import ALL_KINDS, FaultPlan
from .mailbox import Draft, Label, Mailbox, StoredMessage
from .oauth import FakeOAuth
from .server import FakeGoogle
from .stats import Call, Stats

__all__ = [
    "ALL_KINDS",
    "Call",
    "Draft",
    "FakeGoogle",
    "FakeOAuth",
    "FaultPlan",
    "Label",
    "Mailbox",
    "Stats",
    "StoredMessage",
]
