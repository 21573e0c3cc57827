"""Performance scripts against the local fake Google (127.0.0.1 only); they print figures.

Shared here: a realistic, seeded mailbox generator, the credentials the plugin is invoked
with, and small helpers for timing and tables. Run everything with ``make bench``
(``python -m bench.run_all``).
"""

from __future__ import annotations

import contextlib
import random
import re
import statistics
import subprocess
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from devkit.fakegoogle import GMAIL_MODIFY, FakeGoogle, Mailbox
from devkit.fakegoogle.mime import gmail_escape, html_to_text
from devkit.plugin_process import PluginProcess

TOKEN = "tok-bench"  # a token for the local fake only
CREDENTIALS = {"access_token": TOKEN, "scope": GMAIL_MODIFY}
ME = ("Sam Taylor", "sam.taylor@example.com")
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

# (display name, address, kind). Kinds pick the subject, body style and labels.
SENDERS: list[tuple[str, str, str]] = [
    ("Alice Chen", "alice.chen@acme-corp.com", "work"),
    ("Priya Natarajan", "priya.n@partnerco.io", "work"),
    ("Zoë Müller", "zoe.mueller@beispiel.de", "work"),
    ("王伟", "wang.wei@example.cn", "work"),
    ("HR Team", "hr@acme-corp.com", "work"),
    ("Bob Martin", "bob@martin.family", "personal"),
    ("José García", "jose.garcia@ejemplo.es", "personal"),
    ("Marco Rossi", "marco.rossi@esempio.it", "personal"),
    ("GitHub", "notifications@github.com", "notification"),
    ("Jira", "jira@acme.atlassian.net", "notification"),
    ("Google Calendar", "calendar-notification@google.com", "notification"),
    ("Dropbox", "no-reply@dropbox.com", "notification"),
    ("Amazon.com", "auto-confirm@amazon.com", "receipt"),
    ("Stripe", "receipts@stripe.com", "receipt"),
    ("Uber Receipts", "noreply@uber.com", "receipt"),
    ("Morning Brew", "crew@morningbrew.com", "newsletter"),
    ("The Pragmatic Engineer", "pragmaticengineer@substack.com", "newsletter"),
    ("Product Hunt Daily", "hello@producthunt.com", "newsletter"),
    ("Delta Air Lines", "deltaairlines@t.delta.com", "travel"),
    ("Booking.com", "noreply@booking.com", "travel"),
    ("LinkedIn", "messages-noreply@linkedin.com", "social"),
]

SENTENCES = [
    "Thanks for sending this over so quickly.",
    "I had a look at the numbers and they mostly line up with what we discussed on Tuesday.",
    "Could you double-check the figures in the second tab before we share it with the client?",
    "The vendor confirmed that the shipment will arrive on Thursday morning.",
    "Let's move the weekly sync to 3pm so that the Berlin team can join.",
    "I've attached the latest draft; comments are welcome until Friday.",
    "We still need sign-off from legal on the revised terms.",
    "The new onboarding flow cut the drop-off rate by almost a third.",
    "Please remember to submit your expense reports by the end of the month.",
    "Happy to jump on a quick call if that's easier.",
    "The staging deploy failed again because of the missing environment variable.",
    "I'm out of office next week, so Priya will cover for me.",
    "Do you know whether the budget for Q1 has been approved yet?",
    "The customer asked for a discount on the annual plan; I said we'd get back to them.",
    "Great work on the launch, the feedback so far has been very positive.",
    "Can we push the review to next Monday? I'm still waiting on two inputs.",
    "Here is the summary of yesterday's workshop, with the action items at the bottom.",
    "The hotel is booked; the confirmation number is in the attached PDF.",
    "Let me know if anything looks off and I'll fix it before the board meeting.",
    "We agreed to pilot the new process with two teams before rolling it out.",
]

SUBJECTS = {
    "work": [
        "Q{q} planning: draft numbers",
        "Re: Contract renewal for {client}",
        "Action items from today's sync",
        "{client} onboarding – next steps",
        "Updated roadmap (v{n})",
        "Quick question about the {client} invoice",
        "Offsite agenda and travel details",
    ],
    "personal": [
        "Dinner on Saturday?",
        "Photos from the weekend",
        "Re: Birthday plans for Mum",
        "Flat viewing next week",
        "¿Quedamos el viernes?",
    ],
    "notification": [
        "[acme/webapp] Fix flaky checkout test (#{n})",
        "[JIRA] (WEB-{n}) Checkout button misaligned on Safari",
        "Invitation: Design review @ Tue {d} 14:00 - 15:00 (CET)",
        "Someone shared \u201cQ{q} board deck\u201d with you",
        "[acme/api] Release v2.{n}.0 published",
    ],
    "receipt": [
        "Your Amazon.com order #112-{n}-4471 has shipped",
        "Your receipt from Acme Cloud #{n}",
        "Your Tuesday evening trip with Uber",
        "Payment confirmation – invoice INV-{n}",
    ],
    "newsletter": [
        "☕ Morning Brew: markets rally as inflation cools",
        "The Pulse #{n}: how big tech runs on-call",
        "Today's top 5 products: AI notes, a calmer inbox, and more",
        "Weekly digest: {n} stories you might have missed",
    ],
    "travel": [
        "Your flight to Lisbon is confirmed – DL {n}",
        "Check in now for your trip to Berlin",
        "Booking confirmation: Hotel Riverside, {d} Dec",
    ],
    "social": [
        "You appeared in {n} searches this week",
        "Priya Natarajan wants to connect",
        "New message from a recruiter",
    ],
}

_WS = re.compile(r"\s+")
CLIENTS = ["Northwind", "Globex", "Initech", "Umbrella Health", "Stark Logistics"]
USER_LABELS = ["Work", "Work/Clients", "Receipts", "Travel", "Newsletters", "Family"]
KIND_LABELS = {
    "work": (["Work"], ["Work/Clients"], ["IMPORTANT"]),
    "personal": (["Family"], ["CATEGORY_PERSONAL"]),
    "notification": (["CATEGORY_UPDATES"],),
    "receipt": (["Receipts"], ["CATEGORY_UPDATES"]),
    "newsletter": (["Newsletters"], ["CATEGORY_PROMOTIONS"]),
    "travel": (["Travel"], ["IMPORTANT"]),
    "social": (["CATEGORY_SOCIAL"],),
}


def _sender_address(name: str, addr: str) -> Address:
    user, domain = addr.split("@")
    return Address(name, user, domain)


def _msgid(rng: random.Random, domain: str) -> str:
    return f"<{rng.getrandbits(64):016x}.{rng.getrandbits(32):08x}@{domain}>"


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(rng.sample(SENTENCES, rng.randint(2, 4))) for _ in range(count)]


def _plain_body(rng: random.Random, sender: str) -> str:
    first = ME[0].split()[0]
    paras = _paragraphs(rng, rng.randint(1, 4))
    sign = sender.split()[0] if sender else "Cheers"
    return f"Hi {first},\n\n" + "\n\n".join(paras) + f"\n\nBest,\n{sign}\n"


def _html_from_text(text: str) -> str:
    paras = "".join(
        f'<p style="margin:0 0 12px">{p.replace(chr(10), "<br>")}</p>'
        for p in text.strip().split("\n\n")
    )
    return f'<div dir="ltr" style="font-family:Arial,sans-serif;font-size:14px">{paras}</div>'


def newsletter_html(rng: random.Random, title: str, items: int = 6) -> str:
    """A typical marketing newsletter: layout tables, inline styles, images, tracking links."""
    stories = []
    for i in range(items):
        text = " ".join(rng.sample(SENTENCES, 3))
        stories.append(
            f'<tr><td style="padding:16px 24px;border-bottom:1px solid #eee">'
            f'<img src="https://cdn.example-news.com/img/{rng.randrange(10**6)}.jpg" width="552" '
            f'alt="" style="display:block;border:0;max-width:100%">'
            f'<h2 style="font:bold 20px Georgia,serif;color:#111;margin:12px 0 6px">'
            f'<a href="https://click.example-news.com/ls/click?upn=u001.{rng.randrange(10**12)}'
            f'&amp;pos={i}" style="color:#111;text-decoration:none">Story {i + 1}: '
            f"{rng.choice(SENTENCES)[:48]}</a></h2>"
            f'<p style="font:16px/24px Helvetica,Arial,sans-serif;color:#333;margin:0">{text} '
            f'<a href="https://click.example-news.com/ls/click?upn=u001.{rng.randrange(10**12)}" '
            f'style="color:#0a66c2">Read more →</a></p></td></tr>'
        )
    table = (
        '<tr><td style="padding:16px 24px"><table width="100%" cellpadding="6" '
        'style="border-collapse:collapse;font:14px Arial"><tr><th align="left">Index</th>'
        '<th align="right">Close</th><th align="right">Change</th></tr>'
        '<tr><td>S&amp;P 500</td><td align="right">5,870.62</td><td align="right">+0.8%</td></tr>'
        '<tr><td>Nasdaq</td><td align="right">18,680.12</td><td align="right">+1.2%</td></tr>'
        '<tr><td>10-yr yield</td><td align="right">4.41%</td><td align="right">-3 bps</td></tr>'
        "</table></td></tr>"
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width"><title>' + title + "</title><style>"
        "@media only screen and (max-width:600px){.container{width:100%!important}}"
        "a{color:#0a66c2}.preheader{display:none!important;visibility:hidden;opacity:0}"
        '</style></head><body style="margin:0;background:#f4f4f4">'
        '<span class="preheader">Plus: the numbers behind the rally, and a chart you will '
        "want to share.</span>"
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">'
        '<tr><td align="center"><table class="container" role="presentation" width="600" '
        'cellpadding="0" cellspacing="0" style="background:#fff">'
        '<tr><td style="padding:24px"><img src="https://cdn.example-news.com/logo.png" '
        f'width="180" alt="{title}"></td></tr>' + table + "".join(stories) + '<tr><td style="'
        'padding:24px;font:12px Arial;color:#888">You are receiving this because you signed '
        'up at example-news.com. <a href="https://click.example-news.com/unsub?u=8f3a">'
        'Unsubscribe</a> · <a href="https://example-news.com/prefs">Preferences</a><br>'
        "Example News Inc., 123 Market St, San Francisco, CA 94105</td></tr></table>"
        '<img src="https://click.example-news.com/open.gif?u=8f3a" width="1" height="1" '
        'alt=""></td></tr></table></body></html>'
    )


def _attachments(rng: random.Random, kind: str) -> list[tuple[str, str, bytes]]:
    if kind == "receipt" and rng.random() < 0.6:
        return [(f"invoice-{rng.randrange(10**5)}.pdf", "application/pdf", _blob(rng, 40))]
    if kind == "work" and rng.random() < 0.3:
        office = "application/vnd.openxmlformats-officedocument."
        choices = [
            ("Q4-forecast.xlsx", office + "spreadsheetml.sheet"),
            ("proposal-v3.docx", office + "wordprocessingml.document"),
            ("architecture.png", "image/png"),
            ("notes.pdf", "application/pdf"),
        ]
        return [(n, t, _blob(rng, 60)) for n, t in rng.sample(choices, rng.randint(1, 2))]
    if kind == "travel" and rng.random() < 0.5:
        return [("boarding-pass.pdf", "application/pdf", _blob(rng, 30))]
    if kind == "personal" and rng.random() < 0.25:
        return [(f"IMG_{rng.randrange(1000, 9999)}.jpg", "image/jpeg", _blob(rng, 80))]
    return []


def _blob(rng: random.Random, max_kb: int) -> bytes:
    return rng.randbytes(rng.randint(2, max_kb) * 1024)


def make_message(
    rng: random.Random,
    sender: tuple[str, str, str],
    when: datetime,
    *,
    subject: str | None = None,
) -> EmailMessage:
    name, addr, kind = sender
    n = rng.randrange(100, 9999)
    subject = subject or rng.choice(SUBJECTS[kind]).format(
        q=rng.randint(1, 4), client=rng.choice(CLIENTS), n=n, d=rng.randint(1, 28)
    )
    msg = EmailMessage()
    msg["From"] = _sender_address(name, addr)
    msg["To"] = _sender_address(*ME)
    if kind == "work" and rng.random() < 0.4:
        msg["Cc"] = "alice.chen@acme-corp.com, Priya Natarajan <priya.n@partnerco.io>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = _msgid(rng, addr.split("@")[1])
    if kind in ("newsletter", "notification", "social"):
        msg["List-Unsubscribe"] = f"<https://{addr.split('@')[1]}/unsubscribe?id={n}>"
    if kind == "newsletter":
        html = newsletter_html(rng, subject, rng.randint(3, 6))
        msg.set_content(_WS.sub(" ", html_to_text(html)).strip() + "\n")
        msg.add_alternative(html, subtype="html")
    elif kind in ("notification", "receipt", "social", "travel"):
        text = _plain_body(rng, "")
        msg.set_content(text)
        msg.add_alternative(_html_from_text(text), subtype="html")
    else:
        text = _plain_body(rng, name)
        msg.set_content(text)
        if rng.random() < 0.7:  # Gmail, Outlook and Apple Mail send both
            msg.add_alternative(_html_from_text(text), subtype="html")
    for filename, mime, data in _attachments(rng, kind):
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def _labels_for(rng: random.Random, kind: str, label_ids: dict[str, str]) -> list[str]:
    out = ["INBOX"] if rng.random() < 0.9 else []
    if rng.random() < 0.35:
        out.append("UNREAD")
    if rng.random() < 0.08:
        out.append("STARRED")
    for group in KIND_LABELS[kind]:
        if rng.random() < 0.6:
            out.extend(label_ids.get(x, x) for x in group)
    return out


def add_labels(box: Mailbox) -> dict[str, str]:
    return {name: box.add_label(name) for name in USER_LABELS}


def populate(box: Mailbox, count: int, seed: int = 7) -> list[str]:
    """Add ``count`` realistic messages over the last ~90 days; returns their IDs."""
    rng = random.Random(seed)
    label_ids = add_labels(box)
    ids = []
    for i in range(count):
        when = NOW - timedelta(minutes=i * rng.randint(60, 300) // 2 + rng.randint(0, 59))
        sender = rng.choice(SENDERS)
        msg = make_message(rng, sender, when)
        ids.append(
            box.add_message(
                msg.as_bytes(),
                label_ids=_labels_for(rng, sender[2], label_ids),
                internal_date_ms=int(when.timestamp() * 1000),
            )
        )
    return ids


def gmail_like_snippets(box: Mailbox, ids: Iterable[str], seed: int = 11) -> None:
    """Give messages snippets of 100-200 characters, cut at a word, as Gmail's are.

    (The fake's own snippets stop at 100 characters; agents see Gmail's longer ones.)
    """
    rng = random.Random(seed)
    for msg_id in ids:
        stored = box.messages[msg_id]
        plain, markup = stored.parsed.text_bodies()
        text = _WS.sub(" ", plain if plain.strip() else html_to_text(markup)).strip()
        limit = rng.randint(100, 200)
        cut = text[:limit]
        if len(text) > limit and " " in cut:
            cut = cut[: cut.rindex(" ")]
        stored.__dict__["snippet"] = gmail_escape(cut.rstrip())


def reply_thread(box: Mailbox, replies: int = 4, seed: int = 5) -> tuple[str, list[str]]:
    """A work conversation: an opening message then ``replies - 1`` replies, each quoting all
    the history below it as mail clients do. Returns (thread ID, message IDs)."""
    rng = random.Random(seed)
    people = [SENDERS[0], (*ME, "work"), SENDERS[1], (*ME, "work")]
    subject = "Northwind renewal: pricing and timeline"
    when = NOW - timedelta(days=2)
    history = ""
    refs: list[str] = []
    ids: list[str] = []
    thread_id = ""
    for i in range(replies):
        name, addr, _ = people[i % len(people)]
        other = people[(i + 1) % len(people)]
        body = f"Hi {other[0].split()[0]},\n\n" + "\n\n".join(_paragraphs(rng, 2))
        body += f"\n\nThanks,\n{name.split()[0]}\n"
        msg = EmailMessage()
        msg["From"] = _sender_address(name, addr)
        msg["To"] = _sender_address(other[0], other[1])
        msg["Subject"] = subject if i == 0 else "Re: " + subject
        msg["Date"] = format_datetime(when)
        mid = _msgid(rng, addr.split("@")[1])
        msg["Message-ID"] = mid
        if refs:
            msg["In-Reply-To"] = refs[-1]
            msg["References"] = " ".join(refs)
        text = body
        if history:
            quoted = "\n".join("> " + line if line else ">" for line in history.splitlines())
            writer = people[(i - 1) % len(people)][0]
            text += f"\nOn {format_datetime(when - timedelta(hours=3))} {writer} wrote:\n"
            text += quoted + "\n"
        msg.set_content(text)
        msg.add_alternative(_html_from_text(text), subtype="html")
        label = ["SENT"] if addr == ME[1] else ["INBOX"]
        msg_id = box.add_message(
            msg.as_bytes(),
            label_ids=label,
            internal_date_ms=int(when.timestamp() * 1000),
            thread_id=thread_id or None,
        )
        thread_id = thread_id or box.messages[msg_id].thread_id
        ids.append(msg_id)
        refs.append(mid)
        history = text
        when += timedelta(hours=3)
    return thread_id, ids


def add_newsletter(box: Mailbox, seed: int = 3) -> str:
    """A typical HTML newsletter (6 stories, a table, images, tracking links)."""
    rng = random.Random(seed)
    sender = ("Morning Brew", "crew@morningbrew.com", "newsletter")
    msg = EmailMessage()
    msg["From"] = _sender_address(sender[0], sender[1])
    msg["To"] = _sender_address(*ME)
    msg["Subject"] = "☕ Morning Brew: markets rally as inflation cools"
    msg["Date"] = format_datetime(NOW - timedelta(hours=5))
    msg["Message-ID"] = _msgid(rng, "morningbrew.com")
    msg["List-Unsubscribe"] = "<https://morningbrew.com/unsubscribe?id=8f3a>"
    # HTML only (no text/plain alternative), as many marketing tools send: the plugin
    # converts the HTML itself.
    msg.set_content(newsletter_html(rng, "Morning Brew", 6), subtype="html")
    return box.add_message(msg.as_bytes(), label_ids=["INBOX", "UNREAD", "CATEGORY_PROMOTIONS"])


# --- running ---------------------------------------------------------------------------


def start_plugin(fake: FakeGoogle, **env: str) -> PluginProcess:
    return PluginProcess(env={**fake.env(), **env})


def stop_plugin(plugin: PluginProcess) -> None:
    """Stop the plugin process quickly: ``python -m main`` does not exit when its stdin
    closes, and PluginProcess.close() would wait 5 s before killing it."""
    proc = plugin.proc
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.stdin.close()  # type: ignore[union-attr]
        try:
            proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
    plugin.close()


def check(result: Any, what: str) -> Any:
    if result.error is not None:
        raise RuntimeError(f"{what} failed: {result.error}")
    return result


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    left = [i == 0 and bool(rows) and isinstance(rows[0][0], str) for i in range(len(headers))]
    lines = [
        " | ".join(
            c.ljust(w) if lf else c.rjust(w) for c, w, lf in zip(r, widths, left, strict=True)
        )
        for r in cells
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
