"""A small, realistic sample mailbox for ``make try`` (deterministic: same bytes every run).

Sam Taylor's mailbox, with what real mail looks like:

- a thread whose replies come from four clients: Gmail on the web ("On … wrote:" and
  ``gmail_quote``), Apple Mail on an iPhone (quoted-printable, "Sent from my iPhone", a
  screenshot), and Outlook ("-----Original Message-----" with a From/Sent/To/Subject block,
  ``RE:``, a CSV of figures);
- mail in German (ISO-8859-1, a Thunderbird "Am … schrieb …:" reply with ``AW:``),
  Japanese (ISO-2022-JP, subject in encoded words) and Chinese (GB2312, base64);
- a receipt with a PDF invoice, a calendar invitation (text/calendar and invite.ics), an
  HTML-only newsletter with layout tables and tracking links, a GitHub notification;
- user labels, nested (``Work/Clients``), a starred message and an archived one;
- Sam's display name and Gmail signature, which the replies ``make try`` drafts carry.

Messages are built with the ``email`` package, each the way its client writes it.
``populate(box)`` adds labels and messages to an empty fake mailbox and returns the
message IDs by name.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from email import message_from_bytes
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.text import MIMEText
from email.utils import formataddr, parsedate_to_datetime

from devkit.fakegoogle import Mailbox

ME = ("Sam Taylor", "sam.taylor@example.com")
SAM = formataddr(ME)
ALICE = "Alice Chen <alice.chen@acme-corp.example>"
PRIYA = "Priya Natarajan <priya.natarajan@acme-corp.example>"
JONAS = "Jonas Weber <jonas.weber@northwind-traders.example>"
ZOE = formataddr(("Zoë Müller", "zoe.mueller@beispiel-akademie.example"))
USER_LABELS = ("Work", "Work/Clients", "Receipts", "Travel", "Family", "Newsletters")
RENEWAL = "Northwind renewal: pricing and timeline"


@dataclass(frozen=True)
class SampleMessage:
    name: str
    raw: bytes
    labels: tuple[str, ...]


# --- attachment bytes: small but valid files ----------------------------------------------


def pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing ``lines`` (no PDF library needed for a few text lines)."""
    text = "\n".join(
        f"BT /F1 {14 if i == 0 else 11} Tf 56 {770 - 22 * i} Td ({line}) Tj ET"
        for i, line in enumerate(lines)
    ).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png(width: int, height: int, bands: list[tuple[int, int, int]]) -> bytes:
    """A valid RGB PNG of horizontal colour bands (zlib and CRC from the stdlib)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + bytes(bands[y * len(bands) // height]) * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


VOLUMES_CSV = (
    "Quarter,Site,Seats,Orders (projected),Notes\r\n"
    "Q1 2027,Hamburg,120,4800,\r\n"
    "Q1 2027,Berlin,45,1650,new team from February\r\n"
    "Q2 2027,Hamburg,125,5100,\r\n"
    "Q2 2027,Berlin,60,2300,\r\n"
    "Q3 2027,Hamburg,130,5300,summer peak\r\n"
    "Q3 2027,Berlin,60,2400,\r\n"
    "Q4 2027,Hamburg,130,5600,\r\n"
    "Q4 2027,Berlin,65,2700,\r\n"
)

INVITE_ICS = (
    "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
    "CALSCALE:GREGORIAN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "DTSTART:20261124T130000Z\r\nDTEND:20261124T140000Z\r\n"
    "ORGANIZER;CN=Alice Chen:mailto:alice.chen@acme-corp.example\r\n"
    "ATTENDEE;CN=Sam Taylor;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:"
    "mailto:sam.taylor@example.com\r\n"
    "UID:3k9v2m1q8r7t6s5p4o3n2m1l0k@google.com\r\n"
    "SUMMARY:Design review: checkout v2\r\n"
    "LOCATION:Room Elbe / Google Meet\r\n"
    "DESCRIPTION:Walk through the new checkout flow before the code freeze.\r\n"
    "STATUS:CONFIRMED\r\nSEQUENCE:0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


# --- how each client writes ---------------------------------------------------------------


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.rstrip("\n").splitlines())


def _paragraphs_html(text: str) -> str:
    return "".join(
        "<div>" + (line.replace("&", "&amp;").replace("<", "&lt;") or "<br>") + "</div>"
        for line in text.rstrip("\n").splitlines()
    )


def _message(**fields: str) -> EmailMessage:
    """Headers in the given order (``Message_ID`` -> ``Message-ID``); empty ones left out."""
    m = EmailMessage()
    for name, value in fields.items():
        if value:
            m[name.replace("_", "-")] = value
    return m


def _boundaries(m: Message, prefix: str) -> Message:
    """Fixed multipart boundaries in the client's style (the email package picks random ones)."""
    for number, part in enumerate(m.walk()):
        if part.is_multipart():
            part.set_boundary(f"{prefix}{number:02d}")
    return m


def _alternatives(m: EmailMessage, text: str, markup: str | None = None) -> EmailMessage:
    """Text and HTML, as most clients send; the HTML is the text's lines unless given."""
    m.set_content(text)
    m.add_alternative((markup or f"<div>{_paragraphs_html(text)}</div>") + "\n", subtype="html")
    return m


def _wire(m: Message) -> bytes:
    """The message as it travels: CRLF line ends."""
    return m.as_bytes(policy=m.policy.clone(linesep="\r\n"))


def _attach(m: EmailMessage, data: bytes, mime_type: str, filename: str) -> None:
    maintype, subtype = mime_type.split("/")
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)


def gmail(
    frm: str,
    to: str,
    subject: str,
    date: str,
    message_id: str,
    text: str,
    *,
    cc: str = "",
    quoted: tuple[str, str] | None = None,
    in_reply_to: str = "",
) -> EmailMessage:
    """Gmail on the web: text and HTML alternatives; a reply quotes below "On … wrote:"."""
    plain, markup = text, f'<div dir="ltr">{_paragraphs_html(text)}</div>'
    if quoted is not None:
        attribution, history = quoted
        plain = f"{text}\n{attribution}\n\n{_quote(history)}\n"
        markup += (
            f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{attribution}'
            f'</div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
            f'border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            f"{_paragraphs_html(history)}</blockquote></div>"
        )
    m = _message(MIME_Version="1.0", Date=date, References=in_reply_to, In_Reply_To=in_reply_to,
                 Message_ID=message_id, Subject=subject, From=frm, To=to, Cc=cc)  # fmt: skip
    _alternatives(m, plain, markup)
    _boundaries(m, "0000000000004b2e9a05f1c3d7")
    return m


def northwind_thread() -> list[SampleMessage]:
    """Sam (Gmail) → Alice (Gmail) → Priya (Apple Mail on an iPhone) → Jonas (Outlook)."""
    sam_text = (
        "Hi Jonas,\n\n"
        "Ahead of the renewal, here is what we can offer for 2027:\n\n"
        "- a 3-year term from 1 January at 5% below the current list price\n"
        "- the same support hours (08:00-18:00 CET)\n\n"
        "Could you send me your projected volumes per site, so we can size the plan?\n\n"
        "Best,\nSam\n"
    )
    sam_id = "<CAKp9Qv3xW1d@mail.gmail.com>"
    sam = gmail(SAM, JONAS, RENEWAL, "Tue, 17 Nov 2026 10:02:11 +0000", sam_id, sam_text,
                cc=ALICE)  # fmt: skip

    alice_text = (
        "Adding one thing: we can include onboarding for the new Berlin team at no cost "
        "if the 3-year term is signed before 4 December.\n\nAlice\n"
    )
    alice_id = "<CAF7eR2nQ0mB@mail.gmail.com>"
    alice = gmail(ALICE, f"{SAM}, {JONAS}", "Re: " + RENEWAL, "Tue, 17 Nov 2026 17:20:45 +0100",
                  alice_id, alice_text,
                  quoted=(f"On Tue, 17 Nov 2026 at 10:02, {SAM} wrote:", sam_text),
                  in_reply_to=sam_id)  # fmt: skip
    alice.replace_header("References", sam_id)

    # Apple Mail on an iPhone: quoted-printable text, then the screenshot.
    priya_text = (
        "Legal is fine with the 3-year term. The only change is the notice period in 9.2 (see "
        "screenshot): 90 days instead of 30.\n\n"
        f"Sent from my iPhone\n\n> On 17 Nov 2026, at 16:20, {ALICE} wrote:\n>\n"
        f"{_quote(alice_text)}\n"
    )
    priya = _message(From=PRIYA, Mime_Version="1.0 (1.0)", Date="Thu, 19 Nov 2026 08:14:02 +0000",
                     Subject="Re: " + RENEWAL,
                     Message_Id="<8C1D5E0F-2B7A-4C33-9E61-5A0F7D2C9B14@acme-corp.example>",
                     References=f"{sam_id} {alice_id}", In_Reply_To=alice_id,
                     Cc=f"{ALICE}, {JONAS}", To=SAM, X_Mailer="iPhone Mail (22B83)")  # fmt: skip
    priya.set_content(priya_text, cte="quoted-printable")
    screenshot = png(240, 120, [(246, 246, 246), (26, 115, 232), (255, 255, 255), (95, 99, 104)])
    _attach(priya, screenshot, "image/png", "Screenshot 2026-11-19 at 08.10.png")
    _boundaries(priya, "Apple-Mail-5E3B7F2A-91C4-4D0B-8A6E-1F2D3C4B5A")

    # Outlook: "RE:", the original below a "-----Original Message-----" block, a CSV.
    reply = (
        "Hi Sam,\n\nthanks, the terms work for us. Our projected volumes for 2027 are in the "
        "attached CSV; Berlin grows from February.\n\nCan we sign by 4 December, as Alice "
        "suggested?\n\nBest regards\nJonas Weber\nHead of Procurement | Northwind Traders "
        "GmbH\n\n"
    )
    original = (
        f"From: {ALICE}\nSent: Tuesday, November 17, 2026 5:20 PM\nTo: {SAM}; {JONAS}\n"
        f"Subject: Re: {RENEWAL}\n\n{alice_text}"
    )
    jonas = _message(From=JONAS, To=SAM, CC=f"{ALICE}, {PRIYA}", Subject="RE: " + RENEWAL,
                     Thread_Topic=RENEWAL, Thread_Index="AQHbOa1cX2V0k4r7TUmJ0k3vQ2N1sQ==",
                     Date="Fri, 20 Nov 2026 07:42:19 +0000",
                     Message_ID="<AM0PR04MB61304D2E8F1A9C3B7E5D0A4C9F2E1@AM0PR04MB6130"
                                ".eurprd04.prod.outlook.com>",
                     References=f"{sam_id} {alice_id}", In_Reply_To=alice_id,
                     Content_Language="de-DE", X_MS_Has_Attach="yes",
                     X_Mailer="Microsoft Outlook 16.0", MIME_Version="1.0")  # fmt: skip
    _alternatives(
        jonas,
        f"{reply}-----Original Message-----\n{original}",
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        '<body lang="DE"><div class="WordSection1">' + _paragraphs_html(reply)
        + '<div id="divRplyFwdMsg" style="border:none;border-top:solid #E1E1E1 1.0pt;'
        'padding:3.0pt 0cm 0cm 0cm">' + _paragraphs_html(original) + "</div></div></body></html>",
    )  # fmt: skip
    _attach(jonas, VOLUMES_CSV.encode(), "text/csv", "Northwind_volumes_2027.csv")
    _boundaries(jonas, "_00_AM0PR04MB6130eurprd04prodoutlookcom_")

    return [
        SampleMessage("renewal_sent", _wire(sam), ("SENT",)),
        SampleMessage("renewal_alice", _wire(alice), ("INBOX", "Work/Clients")),
        SampleMessage("renewal_priya", _wire(priya), ("INBOX", "Work/Clients")),
        SampleMessage("renewal_jonas", _wire(jonas), ("INBOX", "UNREAD", "Work/Clients")),
    ]


def german_thread() -> list[SampleMessage]:
    """Sam's request (Gmail) and the answer from Thunderbird in German: ISO-8859-1, 8bit,
    format=flowed, "AW:" and "Am … schrieb …:"."""
    sam_text = (
        "Hello Ms Müller,\n\nwe would like to book the two-day data protection training for "
        "about 12 people in January. Could you send us an offer?\n\nKind regards,\nSam Taylor\n"
    )
    sam_id = "<CAKp9Qv7hT2c@mail.gmail.com>"
    sam = gmail(SAM, ZOE, "Training in January", "Mon, 16 Nov 2026 15:05:37 +0100", sam_id,
                sam_text)  # fmt: skip
    zoe_text = (
        "Guten Tag Herr Taylor,\n\nvielen Dank für Ihre Anfrage. Gern bieten wir Ihnen die "
        "zweitägige Datenschutz-Schulung für 12 Teilnehmende an:\n\n"
        "  Termin: 19./20. Januar 2027, jeweils 9:00-16:30 Uhr\n"
        "  Preis: 4.980 EUR zzgl. MwSt., inkl. Unterlagen und Zertifikat\n\n"
        "Bitte bestätigen Sie uns den Termin bis zum 4. Dezember.\n\n"
        "Mit freundlichen Grüßen\nZoë Müller\nBeispiel-Akademie GmbH · Friedrichstraße 12 · "
        "10117 Berlin\n\n"
        f"Am 16.11.2026 um 15:05 schrieb Sam Taylor:\n{_quote(sam_text)}\n"
    )
    zoe = _message(Message_ID="<7b1e4c2a-93f0-4d1e-b2a8-1c5d6e7f8a90@beispiel-akademie.example>",
                   Date="Wed, 18 Nov 2026 16:20:03 +0100", MIME_Version="1.0",
                   User_Agent="Mozilla Thunderbird", Subject="AW: Training in January",
                   Content_Language="de-DE", To=SAM, References=sam_id, From=ZOE,
                   In_Reply_To=sam_id)  # fmt: skip
    zoe.set_content(zoe_text, charset="iso-8859-1", cte="8bit", params={"format": "flowed"})
    return [
        SampleMessage("training_sent", _wire(sam), ("SENT",)),
        SampleMessage("german", _wire(zoe), ("INBOX", "Work")),
    ]


def _legacy(text: str, charset: str, **fields: str | Header) -> bytes:
    """Japanese and Chinese mailers: body and headers in the legacy charset (compat32)."""
    m = MIMEText(text, "plain", charset)
    for name, value in fields.items():
        m[name.replace("_", "-")] = value
    return _wire(m)


def japanese() -> SampleMessage:
    text = (
        "テイラー様\n\nいつもお世話になっております。山田です。\n"
        "来週の打ち合わせですが、11月26日（木）14時からでいかがでしょうか。\n"
        "資料は前日までにお送りします。\n\nよろしくお願いいたします。\n山田太郎\n"
    )
    raw = _legacy(text, "iso-2022-jp",
                  From=formataddr((Header("山田太郎", "iso-2022-jp").encode(),
                                   "taro.yamada@example.co.jp")),
                  To=SAM, Subject=Header("来週の打ち合わせについて", "iso-2022-jp"),
                  Date="Thu, 19 Nov 2026 18:05:41 +0900",
                  Message_ID="<20261119180541.4F2A.TARO@example.co.jp>",
                  X_Mailer="Becky! ver. 2.81.04")  # fmt: skip
    return SampleMessage("japanese", raw, ("INBOX", "Work/Clients"))


def chinese() -> SampleMessage:
    text = (
        "Sam 您好：\n\n关于明年的合同续签，我们希望把付款周期从30天改为45天，"
        "其他条款保持不变。\n请问下周二之前能否给我们答复？\n\n谢谢！\n王伟\n"
    )
    raw = _legacy(text, "gb2312",
                  From=formataddr((Header("王伟", "gb2312").encode(), "wang.wei@example.cn")),
                  To=SAM, Subject=Header("关于合同续签的问题", "gb2312"),
                  Date="Thu, 19 Nov 2026 10:30:12 +0800",
                  Message_ID="<202611191030120311872@example.cn>",
                  X_Mailer="Foxmail 7.2.25.254")  # fmt: skip
    return SampleMessage("chinese", raw, ("INBOX", "Work/Clients"))


def receipt() -> SampleMessage:
    text = (
        "Receipt from Acme Cloud\n\nAmount paid: €1,428.00\nDate paid: 20 November 2026\n"
        "Payment method: Visa •••• 4242\n\nYour invoice is attached as a PDF.\n"
        "Questions? Contact Acme Cloud at billing@acme-cloud.example.\n"
    )
    m = _message(From="Acme Cloud <receipts+acct_1Nx@stripe.com>", To=ME[1],
                 Subject="Your receipt from Acme Cloud #2291-4471",
                 Date="Fri, 20 Nov 2026 06:10:55 +0000",
                 Message_ID="<0100018f2a3b4c5d-receipt-2291-4471@email.stripe.com>")  # fmt: skip
    _alternatives(m, text, f"<html><body>{_paragraphs_html(text)}</body></html>")
    invoice = pdf(["Invoice 2291-4471", "Acme Cloud - Team plan, 12 seats", "Period: Dec 2026",
                   "Total: EUR 1,428.00 (paid)"])  # fmt: skip
    _attach(m, invoice, "application/pdf", "Invoice-2291-4471.pdf")
    _boundaries(m, "----=_Part_2291447_1905.1795673455")
    return SampleMessage("receipt", _wire(m), ("INBOX", "Receipts", "CATEGORY_UPDATES"))


def newsletter() -> SampleMessage:
    """HTML only, as many newsletter tools send it: layout tables, images, tracking links."""
    stories = [
        ("How big tech runs on-call", "Rotations, paging budgets and the one metric that "
         "predicts burnout better than pages per week."),
        ("The state of platform teams in 2026", "We surveyed 400 engineers: most platform "
         "teams now own the developer portal, few own the bill."),
        ("Ask me anything: staff engineer interviews", "What the system design round really "
         "tests, and why the behavioural round decides more offers."),
    ]  # fmt: skip
    rows = "".join(
        f'<tr><td style="padding:16px 24px;border-bottom:1px solid #eee">'
        f'<img src="https://cdn.pragmatic.example/img/{i}.jpg" width="552" alt="" '
        f'style="display:block"><h2 style="font:bold 20px Georgia,serif;margin:12px 0 6px">'
        f'<a href="https://click.pragmatic.example/ls/click?upn=u001.{4711 + i}" '
        f'style="color:#111;text-decoration:none">{title}</a></h2>'
        f'<p style="font:16px/24px Helvetica,Arial,sans-serif;color:#333;margin:0">{blurb} '
        f'<a href="https://click.pragmatic.example/ls/click?upn=u002.{4711 + i}">Read more →'
        "</a></p></td></tr>"
        for i, (title, blurb) in enumerate(stories)
    )
    markup = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>The Pulse #118</title>'
        "<style>@media only screen and (max-width:600px){.c{width:100%!important}}</style>"
        '</head><body style="margin:0;background:#f4f4f4"><span style="display:none">This '
        "week: on-call, platform teams, and interview loops.</span>"
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>'
        '<td align="center"><table class="c" width="600" style="background:#fff">'
        '<tr><td style="padding:24px"><img src="https://cdn.pragmatic.example/logo.png" '
        'width="180" alt="The Pragmatic Engineer"></td></tr>'
        '<tr><td style="padding:0 24px"><table width="100%" cellpadding="6" '
        'style="border-collapse:collapse;font:14px Arial"><tr><th align="left">Topic</th>'
        '<th align="right">Readers</th></tr><tr><td>On-call</td><td align="right">41,200</td>'
        '</tr><tr><td>Platform teams</td><td align="right">38,950</td></tr></table></td></tr>'
        + rows
        + '<tr><td style="padding:24px;font:12px Arial;color:#888">You are receiving this '
        'because you subscribed. <a href="https://pragmatic.example/unsubscribe?u=8f3a">'
        "Unsubscribe</a></td></tr></table>"
        '<img src="https://click.pragmatic.example/open.gif?u=8f3a" width="1" height="1" '
        'alt=""></td></tr></table></body></html>'
    )
    m = _message(From="The Pragmatic Engineer <pragmaticengineer@substack.example>", To=ME[1],
                 Subject="The Pulse #118: how big tech runs on-call",
                 Date="Wed, 18 Nov 2026 07:00:00 +0000",
                 Message_ID="<20261118070000.3.9a8b7c6d5e4f@mg1.substack.example>",
                 List_Unsubscribe="<https://pragmatic.example/unsubscribe?u=8f3a>")  # fmt: skip
    m.set_content(markup + "\n", subtype="html")
    labels = ("INBOX", "UNREAD", "Newsletters", "CATEGORY_PROMOTIONS")
    return SampleMessage("newsletter", _wire(m), labels)


def github() -> SampleMessage:
    text = (
        "@sam-taylor requested your review on: acme/webapp#4312 Fix flaky checkout test.\n\n"
        "The retry in checkout.spec.ts hid a race between the cart update and the payment "
        "form; this waits for the cart request instead.\n\n"
        "-- \nReply to this email directly, view it on GitHub:\n"
        "https://github.com/acme/webapp/pull/4312\n"
    )
    m = _message(From="Mona Lisa <notifications@github.com>",
                 To="acme/webapp <webapp@noreply.github.com>",
                 Cc="Review requested <review_requested@noreply.github.com>",
                 Subject="[acme/webapp] Fix flaky checkout test (PR #4312)",
                 Date="Tue, 17 Nov 2026 12:00:31 +0000",
                 Message_ID="<acme/webapp/pull/4312@github.com>",
                 List_ID="acme/webapp <webapp.acme.github.com>",
                 List_Unsubscribe="<https://github.com/notifications/unsubscribe/AB3X>")  # fmt: skip
    _alternatives(m, text, f"<p>{_paragraphs_html(text)}</p>")
    _boundaries(m, "--==_mimepart_6a3f1c2b9e8d7_4312")
    return SampleMessage("github", _wire(m), ("INBOX", "CATEGORY_UPDATES"))


def invitation() -> SampleMessage:
    """Google Calendar: text, HTML and text/calendar alternatives, plus invite.ics."""
    text = (
        "Design review: checkout v2\nTuesday 24 Nov 2026 · 14:00 – 15:00 (Central European "
        "Time - Berlin)\nRoom Elbe / Google Meet\n\nOrganizer: Alice Chen\n\n"
        "Invitation from Google Calendar\n"
    )
    m = _message(From="Alice Chen <calendar-notification@google.com>", To=ME[1], Reply_To=ALICE,
                 Subject="Invitation: Design review: checkout v2 @ Tue 24 Nov 2026 14:00 - 15:00 "
                         "(CET)",
                 Date="Mon, 16 Nov 2026 09:00:12 +0000",
                 Message_ID="<calendar-3f1a9c2e-77b0-4d5e-9a61-0c2b8e4f6d1a@google.com>")  # fmt: skip
    _alternatives(m, text)
    m.add_alternative(INVITE_ICS, subtype="calendar", params={"method": "REQUEST"})
    _attach(m, INVITE_ICS.encode(), "application/ics", "invite.ics")
    _boundaries(m, "0000000000009f3c1a05f0e2b4")
    return SampleMessage("invitation", _wire(m), ("INBOX", "IMPORTANT"))


def family() -> SampleMessage:
    m = gmail("Bob Martin <bob@martin-family.example>", SAM, "Dinner on Saturday?",
              "Sun, 15 Nov 2026 19:42:08 +0000", "<CAB0bM4rT1n@mail.gmail.com>",
              "Hi Sam,\n\nMum turns 70 next week. Dinner at ours on Saturday, 7pm? "
              "Bring the photos from Lisbon if you can.\n\nBob\n")  # fmt: skip
    return SampleMessage("family", _wire(m), ("INBOX", "STARRED", "Family"))


def booking() -> SampleMessage:
    text = (
        "Your booking is confirmed.\n\nHotel Riverside, Lisbon\nCheck-in: Tue 22 Dec 2026 "
        "(from 15:00)\nCheck-out: Sun 27 Dec 2026 (until 11:00)\nConfirmation number: "
        "4127.388.921\nTotal price: € 845\n"
    )
    m = _message(From='"Booking.com" <noreply@booking.example>', To=ME[1],
                 Subject="Booking confirmation: Hotel Riverside, 22 Dec",
                 Date="Tue, 10 Nov 2026 21:15:40 +0000",
                 Message_ID="<4127388921.confirmation@booking.example>")  # fmt: skip
    _alternatives(m, text)
    _boundaries(m, "----=_Part_4127388921_")
    return SampleMessage("booking", _wire(m), ("Travel",))  # archived: not in the inbox


def messages() -> list[SampleMessage]:
    """Every sample message, oldest first (so replies find what they reply to)."""
    out = [
        booking(),
        family(),
        invitation(),
        *german_thread(),
        *northwind_thread(),
        github(),
        newsletter(),
        chinese(),
        japanese(),
        receipt(),
    ]
    return sorted(out, key=lambda s: parsedate_to_datetime(str(message_from_bytes(s.raw)["Date"])))


# Sam's Gmail signature (settings.sendAs), as Gmail's signature editor stores it.
SIGNATURE = (
    '<div dir="ltr"><div><b>Sam Taylor</b></div><div>Account Manager · Example Ltd</div>'
    '<div><a href="https://example.com">example.com</a> · +44 20 7946 0000</div></div>'
)


def populate(box: Mailbox) -> dict[str, str]:
    """Add the sample's owner (name and signature), labels and messages to an empty
    mailbox; message IDs by name."""
    box.primary.display_name, box.primary.signature = ME[0], SIGNATURE
    for name in USER_LABELS:
        box.add_label(name)
    return {s.name: box.add_message(s.raw, label_ids=s.labels) for s in messages()}
