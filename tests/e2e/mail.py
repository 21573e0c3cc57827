"""Realistic messages for end-to-end tests, built with the real ``email`` package."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def plain(i: int, *, subject: str = "", body: str = "", sender: str = "") -> bytes:
    m = EmailMessage()
    m["From"] = sender or f"Sender {i} <sender{i}@example.com>"
    m["To"] = "Me <me@example.com>"
    m["Subject"] = subject or f"Plain message {i}"
    m["Date"] = format_datetime(BASE + timedelta(minutes=i))
    m["Message-ID"] = f"<plain-{i}@example.com>"
    m.set_content(body or f"Hello, this is plain message number {i}.\nRegards")
    return m.as_bytes()


def newsletter() -> bytes:
    m = EmailMessage()
    m["From"] = "News <news@example.org>"
    m["To"] = "me@example.com"
    m["Subject"] = "Weekly digest"
    m["Date"] = format_datetime(BASE)
    m["Message-ID"] = "<digest@example.org>"
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
    m = EmailMessage()
    m["From"] = "Billing <billing@example.com>"
    m["To"] = "me@example.com"
    m["Subject"] = "Invoice November"
    m["Date"] = format_datetime(BASE)
    m["Message-ID"] = "<invoice@example.com>"
    m.set_content("Please find the invoice attached.")
    m.add_attachment(
        b"%PDF-1.4 invoice bytes", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    m.add_attachment(
        "Résumé data".encode(), maintype="text", subtype="plain", filename="résumé.txt"
    )
    return m.as_bytes()


def japanese() -> bytes:
    m = EmailMessage()
    m["From"] = "山田太郎 <taro@example.jp>"
    m["To"] = "me@example.com"
    m["Subject"] = "会議の件"
    m["Date"] = format_datetime(BASE)
    m["Message-ID"] = "<jp@example.jp>"
    m.set_content("明日の会議は十時からです。", charset="iso-2022-jp")
    return m.as_bytes()


def thread() -> list[bytes]:
    first = EmailMessage()
    first["From"] = "Alice <alice@example.com>"
    first["To"] = "me@example.com"
    first["Subject"] = "Project plan"
    first["Date"] = format_datetime(BASE)
    first["Message-ID"] = "<t1@example.com>"
    first.set_content("Here is the plan: ship on Friday.")
    second = EmailMessage()
    second["From"] = "Me <me@example.com>"
    second["To"] = "Alice <alice@example.com>"
    second["Cc"] = "Bob <bob@example.com>"
    second["Subject"] = "Re: Project plan"
    second["Date"] = format_datetime(BASE + timedelta(hours=1))
    second["Message-ID"] = "<t2@example.com>"
    second["In-Reply-To"] = "<t1@example.com>"
    second["References"] = "<t1@example.com>"
    second.set_content(
        "Friday works for me.\n\nOn Fri, 20 Nov 2026 at 09:00, Alice <alice@example.com> wrote:\n"
        "> Here is the plan: ship on Friday.\n"
    )
    return [first.as_bytes(), second.as_bytes()]
