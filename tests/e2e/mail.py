"""Realistic messages for end-to-end tests, built with the real ``email`` package."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _headed(
    sender: str, to: str, subject: str, message_id: str, *, when: datetime = BASE, **extra: str
) -> EmailMessage:
    """A message with the usual headers set; ``extra`` adds headers after To (e.g. Cc)."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    for name, value in extra.items():
        m[name] = value
    m["Subject"] = subject
    m["Date"] = format_datetime(when)
    m["Message-ID"] = message_id
    return m


def plain(i: int, *, subject: str = "", body: str = "", sender: str = "") -> bytes:
    m = _headed(
        sender or f"Sender {i} <sender{i}@example.com>",
        "Me <me@example.com>",
        subject or f"Plain message {i}",
        f"<plain-{i}@example.com>",
        when=BASE + timedelta(minutes=i),
    )
    m.set_content(body or f"Hello, this is plain message number {i}.\nRegards")
    return m.as_bytes()


def newsletter() -> bytes:
    m = _headed(
        "News <news@example.org>", "me@example.com", "Weekly digest", "<digest@example.org>"
    )
    m.set_content("View this email in your browser: https://example.org/view")
    m.add_alternative(
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<h1>Top stories</h1><p>Read <a href='https://example.org/a'>the article</a>.</p>"
        "<table><tr><th>Item</th><th>Price</th></tr><tr><td>Tea</td><td>3</td></tr></table>"
        "<img src='https://track.example.org/p.gif' width='1' height='1'></body></html>",
        subtype="html",
    )
    return m.as_bytes()


def with_attachment() -> bytes:
    m = _headed(
        "Billing <billing@example.com>",
        "me@example.com",
        "Invoice November",
        "<invoice@example.com>",
    )
    m.set_content("Please find the invoice attached.")
    m.add_attachment(
        b"%PDF-1.4 invoice bytes", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    m.add_attachment(
        "Résumé data".encode(), maintype="text", subtype="plain", filename="résumé.txt"
    )
    return m.as_bytes()


def japanese() -> bytes:
    m = _headed("山田太郎 <taro@example.jp>", "me@example.com", "会議の件", "<jp@example.jp>")
    m.set_content("明日の会議は十時からです。", charset="iso-2022-jp")
    return m.as_bytes()


def thread() -> list[bytes]:
    first = _headed(
        "Alice <alice@example.com>", "me@example.com", "Project plan", "<t1@example.com>"
    )
    first.set_content("Here is the plan: ship on Friday.")
    second = _headed(
        "Me <me@example.com>",
        "Alice <alice@example.com>",
        "Re: Project plan",
        "<t2@example.com>",
        when=BASE + timedelta(hours=1),
        Cc="Bob <bob@example.com>",
    )
    second["In-Reply-To"] = "<t1@example.com>"
    second["References"] = "<t1@example.com>"
    second.set_content(
        "Friday works for me.\n\nOn Fri, 20 Nov 2026 at 09:00, Alice <alice@example.com> wrote:\n"
        "> Here is the plan: ship on Friday.\n"
    )
    return [first.as_bytes(), second.as_bytes()]


# Message-IDs as Exchange Online and Amazon SES write them (~80-90 characters): longer than
# a header line, which is what broke threading when they were RFC 2047-encoded.
EXCHANGE_ID = (
    "<SN6PR02MB4112C6D0E5B1A7F3E2D9B8C4A1F0E9D8C7B6@SN6PR02MB4112.namprd02.prod.outlook.com>"
)
SES_ID = "<0100018c2f3a4b5d-6e7f8a9b-0c1d-2e3f-4a5b-6c7d8e9f0a1b-000000@email.amazonses.com>"


def exchange_thread() -> list[bytes]:
    """An Outlook message and a reply sent through SES, with their real-length Message-IDs.

    Written as raw bytes: the email package would itself encode the long References value.
    """
    first = (
        "From: Dana Whitfield <dana@contoso.com>\r\nTo: me@example.com\r\n"
        "Subject: Contract renewal\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n"
        f"Message-ID: {EXCHANGE_ID}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nCan you confirm the renewal date?\r\n"
    )
    second = (
        "From: Contoso Billing <billing@contoso.com>\r\nTo: me@example.com\r\n"
        "Subject: RE: Contract renewal\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: {SES_ID}\r\nIn-Reply-To: {EXCHANGE_ID}\r\n"
        f"References: {EXCHANGE_ID}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nThe renewal is due on 1 December.\r\n"
    )
    return [first.encode(), second.encode()]
