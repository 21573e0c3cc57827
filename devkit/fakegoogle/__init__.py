"""A faithful local fake of Google's Gmail API v1 and OAuth token endpoint (127.0.0.1 only).

Usage::

    with FakeGoogle(rtt_ms=0, new_connection_ms=0, seed=0) as fake:
        box = fake.add_mailbox("tok-1", "me@example.com", {GMAIL_MODIFY})
        msg_id = box.add_message(raw_rfc822, label_ids=("INBOX", "UNREAD"))
        env = fake.env()  # GMAIL_API_BASE_URL, GOOGLE_OAUTH_{AUTH,TOKEN,REVOKE}_URL

Served under :attr:`FakeGoogle.base_url`: ``/gmail/v1/users/{me|email}/...`` (profile,
labels, messages incl. attachments/send/insert/import/modify/batchModify/batchDelete/trash,
threads, drafts), ``/upload/gmail/v1/...`` (``uploadType`` media, multipart, resumable),
``/batch/gmail/v1``, the consent page ``/o/oauth2/v2/auth`` (approves at once as
``fake.oauth.consent_mailbox``), ``/token`` and ``/revoke``.

Knobs for tests: ``fake.faults = FaultPlan(...)`` (see :mod:`.faults`),
``fake.send_accept_then_drop = N``, ``fake.late_sends = [seconds, ...]`` (a send is accepted,
left unanswered, lands in Sent that many seconds later, then the connection drops),
``fake.expire_token(tok)``, ``fake.max_json_body_bytes``, ``fake.oauth``
(:class:`FakeOAuth`), per-mailbox flags ``reencode_text_to_utf8``, ``shuffle_lists``,
``stable_attachment_ids``, ``strict_threading``, and ``search_index_lag_s`` (new messages
reach ``q=`` search that much later; ``labelIds`` listings and ``messages.get`` see them at
once — Google documents no such split; third-party reports describe seconds of lag after
fresh writes, for search and listings alike), ``decode_header_words`` (header values with
their RFC 2047 words decoded, as Gmail may send them), ``detach_body_parts_above`` (body
parts of more bytes come as an ``attachmentId`` without ``data``, fetched with
``attachments.get``, as Gmail sends large ones), ``cache_answers`` (answers to GETs
of messages, threads, drafts and labels, and to messages.list, built once and kept until the
mailbox changes, as are the answers to the parts of batch requests, so a benchmark measures
the client: attachment IDs then stay the same between fetches, a listing keeps the order of
its one shuffle, and direct edits of stored objects are not seen). Accounting in
``fake.stats`` (:class:`Stats`: requests, connections, and requests in flight at once — overall,
per token and distinct tokens); bugs inside the fake land in ``fake.server_errors``.

Deliberate realism: JSON is indented unless a request says ``prettyPrint=false`` (Google's
default); list and batch answers are shuffled (seeded); ``labels.list`` has no
counts (``labels.get`` does); attachment IDs are 380-720 characters (real ones are reported
at 300-600+) and change per fetch; a requested ``threadId`` is only honoured when
References/In-Reply-To and Subject match (else a new thread, as Gmail does); 502 comes as
an HTML page; search dates are midnight America/Los_Angeles. Strict where Google is (rules
from Gmail's discovery document, :mod:`.discovery`): a ``fields`` mask is applied, and a name
the response schema lacks is a 400; ``uploadType=multipart`` must be ``multipart/related``;
label colours must come from ``LabelColor``'s palette.
"""

from .faults import ALL_KINDS, FaultPlan
from .mailbox import Draft, Label, Mailbox, StoredMessage
from .oauth import FakeOAuth
from .server import FakeGoogle
from .stats import Call, Stats

GMAIL_MODIFY = "https://www.googleapis.com/auth/gmail.modify"
GMAIL_READONLY = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
GMAIL_COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
GMAIL_FULL = "https://mail.google.com/"

__all__ = [
    "ALL_KINDS",
    "GMAIL_COMPOSE",
    "GMAIL_FULL",
    "GMAIL_MODIFY",
    "GMAIL_READONLY",
    "GMAIL_SEND",
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
