"""Replies and forwards written the way real mail clients write them, in nine languages.

Each client quotes the message it answers in its own way, in the text part and in the HTML
part (modelled on messages those clients sent; the markup is theirs, the people and words
are made up):

- ``gmail``: Gmail on the web and its apps: "On … wrote:" + "> " lines; ``gmail_quote``
  container, ``gmail_attr`` attribution, ``blockquote.gmail_quote``.
- ``apple_mail``: Apple Mail on a Mac: the attribution quoted too ("> On … wrote:");
  ``<blockquote type="cite">`` with the attribution as its first ``<div>``.
- ``iphone``: Mail on an iPhone: "Sent from my iPhone" above the history; the attribution
  in a ``<blockquote type="cite">`` of its own, the message in a second one.
- ``outlook``: Outlook for Windows (Word HTML): a bold From/Sent/To/Subject block in a
  ``<div>`` with a top border, the original below it unquoted; the text part the same
  without the border.
- ``outlook_web``: Outlook on the web and new Outlook: ``<div id="appendonsend">``, an
  ``<hr>``, ``<div id="divRplyFwdMsg">`` with the bold header block; "____…" in text.
- ``outlook_mobile``: Outlook for iOS: "Get Outlook for iOS" then the same as on the web.
- ``outlook_plain``: Outlook composing in plain text: "-----Original Message-----".
- ``yahoo``: Yahoo Mail: ``<div class="yahoo_quoted">`` around the attribution and the
  original; the text part quotes without "> ".
- ``thunderbird``: Thunderbird (reply above the quote): ``<div class="moz-cite-prefix">`` and
  ``<blockquote type="cite">``; "> " lines in text (format=flowed).
- ``android``: Samsung Email: "Sent from my Galaxy", "-------- Original message --------"
  and an unquoted header block, no structural marker in the HTML.

Localised where the client localises: Outlook's labels and "Original Message" line, the
attribution lines, the phone's sign-off. ``reply`` builds one message, ``conversation`` a
thread in which each reply quotes the whole previous message, as clients do;
``forward``/``inline_reply`` the shapes that must stay whole. Used by the tests of
``gmail_core/quotes.py`` and by ``bench/thread_trim.py``.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "zh", "ja")
CLIENTS = (
    "gmail",
    "apple_mail",
    "iphone",
    "outlook",
    "outlook_web",
    "outlook_mobile",
    "outlook_plain",
    "yahoo",
    "thunderbird",
    "android",
)
# Clients that send only a text part (the rest send text and HTML).
TEXT_ONLY = frozenset({"outlook_plain"})
# Languages each client is modelled in (its localised markers are known).
CLIENT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "gmail": LANGUAGES,
    "apple_mail": LANGUAGES,
    "iphone": LANGUAGES,
    "outlook": LANGUAGES,
    "outlook_web": LANGUAGES,
    "outlook_mobile": ("en",),
    "outlook_plain": LANGUAGES,
    "yahoo": ("en", "de", "fr"),
    "thunderbird": LANGUAGES,
    "android": ("en",),
}

CET = timezone(timedelta(hours=1))


@dataclass(frozen=True)
class Person:
    name: str
    address: str

    @property
    def mailbox(self) -> str:
        return formataddr((self.name, self.address))


@dataclass(frozen=True)
class Mail:
    """One message as its client wrote it."""

    client: str
    language: str
    sender: Person
    to: tuple[Person, ...]
    when: datetime
    subject: str
    own: str  # what the sender wrote (no history)
    text: str  # the text part, history included
    html: str  # the HTML part's body content ("" for a text-only client)
    message_id: str
    references: tuple[str, ...] = field(default_factory=tuple)

    def raw(self) -> bytes:
        """The message as it travels (CRLF line ends)."""
        message = EmailMessage()
        message["From"] = self.sender.mailbox
        message["To"] = ", ".join(person.mailbox for person in self.to)
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.when)
        message["Message-ID"] = self.message_id
        if self.references:
            message["In-Reply-To"] = self.references[-1]
            message["References"] = " ".join(self.references)
        message["MIME-Version"] = "1.0"
        message["X-Mailer"] = _MAILERS[self.client]
        message.set_content(self.text)
        if self.html:
            message.add_alternative(_document(self.client, self.html), subtype="html")
        return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


_MAILERS = {
    "gmail": "Gmail",
    "apple_mail": "Apple Mail (2.3826.400.131.1.6)",
    "iphone": "iPhone Mail (22B83)",
    "outlook": "Microsoft Outlook 16.0",
    "outlook_web": "Microsoft Outlook Web App",
    "outlook_mobile": "Outlook for iOS",
    "outlook_plain": "Microsoft Outlook 16.0",
    "yahoo": "WebService/1.1.24425 YMailNorrin",
    "thunderbird": "Mozilla Thunderbird",
    "android": "Samsung Email",
}

# -- dates and words, per language ------------------------------------------------------------

_WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
    "zh": "一 二 三 四 五 六 日",
    "ja": "月 火 水 木 金 土 日",
}
_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}


def _weekday(when: datetime, language: str) -> str:
    return _WEEKDAYS[language].split()[when.weekday()]


def _month(when: datetime, language: str) -> str:
    return _MONTHS[language].split()[when.month - 1]


def _ampm(when: datetime) -> str:
    return f"{(when.hour - 1) % 12 + 1}:{when:%M} {'AM' if when.hour < 12 else 'PM'}"


def _outlook_date(when: datetime, language: str) -> str:
    """The Sent line of Outlook's header block."""
    hm = f"{when:%H:%M}"
    if language == "en":
        return f"{_weekday(when, 'en')}, {_month(when, 'en')} {when.day}, {when.year} {_ampm(when)}"
    if language in ("zh", "ja"):
        return f"{when.year}年{when.month}月{when.day}日 {hm}"
    wd, mon = _weekday(when, language), _month(when, language)
    return {
        "de": f"{wd}, {when.day}. {mon} {when.year} {hm}",
        "fr": f"{wd} {when.day} {mon} {when.year} {hm}",
        "es": f"{wd}, {when.day} de {mon} de {when.year} {hm}",
        "it": f"{wd} {when.day} {mon} {when.year} {hm}",
        "pt": f"{wd}, {when.day} de {mon} de {when.year} {hm}",
        "nl": f"{wd} {when.day} {mon} {when.year} {hm}",
    }[language]


# Outlook's header labels: From, Sent, To, Subject (desktop; the web's Sent differs in a few).
_OUTLOOK_LABELS = {
    "en": ("From", "Sent", "To", "Subject"),
    "de": ("Von", "Gesendet", "An", "Betreff"),
    "fr": ("De", "Envoyé", "À", "Objet"),
    "es": ("De", "Enviado el", "Para", "Asunto"),
    "it": ("Da", "Inviato", "A", "Oggetto"),
    "pt": ("De", "Enviada em", "Para", "Assunto"),
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp"),
    "zh": ("发件人", "发送时间", "收件人", "主题"),
    "ja": ("差出人", "送信日時", "宛先", "件名"),
}
_OUTLOOK_WEB_SENT = {"es": "Enviado", "pt": "Enviada"}
_ORIGINAL_MESSAGE = {
    "en": "-----Original Message-----",
    "de": "-----Ursprüngliche Nachricht-----",
    "fr": "-----Message d'origine-----",
    "es": "-----Mensaje original-----",
    "it": "-----Messaggio originale-----",
    "pt": "-----Mensagem original-----",
    "nl": "-----Oorspronkelijk bericht-----",
    "zh": "-----原始邮件-----",
    "ja": "-----Original Message-----",
}
# Reply subject prefixes as each client writes them.
_OUTLOOK_RE = {"en": "RE: ", "de": "AW: ", "fr": "RE : ", "es": "RE: ", "it": "R: ",
               "pt": "RES: ", "nl": "RE: ", "zh": "回复: ", "ja": "RE: "}  # fmt: skip
_OUTLOOK_FW = {"en": "FW: ", "de": "WG: ", "fr": "TR : ", "es": "RV: ", "it": "I: ",
               "pt": "ENC: ", "nl": "FW: ", "zh": "转发: ", "ja": "FW: "}  # fmt: skip
_PHONE_SIGNOFF = {
    "en": "Sent from my iPhone",
    "de": "Von meinem iPhone gesendet",
    "fr": "Envoyé de mon iPhone",
    "es": "Enviado desde mi iPhone",
    "it": "Inviato da iPhone",
    "pt": "Enviado do meu iPhone",
    "nl": "Verstuurd vanaf mijn iPhone",
    "zh": "发自我的iPhone",
    "ja": "iPhoneから送信",
}


def _gmail_attribution(original: Mail, language: str) -> str:
    w, n, a = original.when, original.sender.name, original.sender.address
    hm = f"{w:%H:%M}"
    if language in ("zh", "ja"):
        wd = _weekday(w, language)
        if language == "zh":
            return f"{n} <{a}> 于{w.year}年{w.month}月{w.day}日周{wd} {hm}写道："
        return f"{w.year}年{w.month}月{w.day}日({wd}) {hm} {n} <{a}>:"
    wd, mon = _weekday(w, language), _month(w, language)
    return {
        "en": f"On {wd[:3]}, {w.day} {mon[:3]} {w.year} at {hm}, {n} <{a}> wrote:",
        "de": f"Am {wd[:2]}., {w.day}. {mon[:3]}. {w.year} um {hm} Uhr schrieb {n} <{a}>:",
        "fr": f"Le {wd[:3]}. {w.day} {mon[:3]}. {w.year} à {hm}, {n} <{a}> a écrit :",
        "es": f"El {wd[:3]}, {w.day} {mon[:3]} {w.year} a las {hm}, {n} (<{a}>) escribió:",
        "it": f"Il giorno {wd[:3]} {w.day} {mon[:3]} {w.year} alle ore {hm} {n} <{a}> ha scritto:",
        "pt": f"Em {wd[:3]}., {w.day} de {mon[:3]}. de {w.year} às {hm}, {n} <{a}> escreveu:",
        "nl": f"Op {wd[:2]} {w.day} {mon[:3]} {w.year} om {hm} schreef {n} <{a}>:",
    }[language]


def _apple_attribution(original: Mail, language: str) -> str:
    w, n, a = original.when, original.sender.name, original.sender.address
    hm = f"{w:%H:%M}"
    if language == "zh":
        return f"{w.year}年{w.month}月{w.day}日 {hm}，{n} <{a}> 写道："
    if language == "ja":
        return f"{w.year}/{w.month}/{w.day} {hm}、{n} <{a}>のメール:"
    mon = _month(w, language)[:3]
    return {
        "en": f"On {w.day} {mon} {w.year}, at {hm}, {n} <{a}> wrote:",
        "de": f"Am {w:%d.%m.%Y} um {hm} schrieb {n} <{a}>:",
        "fr": f"Le {w.day} {mon}. {w.year} à {hm}, {n} <{a}> a écrit :",
        "es": f"El {w.day} {mon} {w.year}, a las {hm}, {n} <{a}> escribió:",
        "it": f"Il giorno {w.day} {mon} {w.year}, alle ore {hm}, {n} <{a}> ha scritto:",
        "pt": f"Em {w.day} de {mon}. de {w.year}, à(s) {hm}, {n} <{a}> escreveu:",
        "nl": f"Op {w.day} {mon}. {w.year} om {hm} heeft {n} <{a}> het volgende geschreven:",
    }[language]


def _thunderbird_attribution(original: Mail, language: str) -> str:
    w, n = original.when, original.sender.name
    hm = f"{w:%H:%M}"
    return {
        "en": f"On {w:%d/%m/%Y} {hm}, {n} wrote:",
        "de": f"Am {w:%d.%m.%y} um {hm} schrieb {n}:",
        "fr": f"Le {w:%d/%m/%Y} à {hm}, {n} a écrit :",
        "es": f"El {w:%d/%m/%y} a las {hm}, {n} escribió:",
        "it": f"Il {w:%d/%m/%y} {hm}, {n} ha scritto:",
        "pt": f"Em {w:%d/%m/%Y} {hm}, {n} escreveu:",
        "nl": f"Op {w:%d-%m-%Y} om {hm} schreef {n}:",
        "zh": f"在 {w:%Y/%m/%d} {hm}, {n} 写道:",
        "ja": f"On {w:%Y/%m/%d} {hm}, {n} wrote:",
    }[language]


def _yahoo_attribution(original: Mail, language: str) -> str:
    w, n, a = original.when, original.sender.name, original.sender.address
    hms = f"{w:%H:%M:%S}"
    wd, mon = _weekday(w, language), _month(w, language)
    return {
        "en": f"On {wd}, {mon} {w.day}, {w.year} at {_ampm(w)} GMT+1, {n} <{a}> wrote:",
        "de": f"Am {wd}, {w.day}. {mon} {w.year} um {hms} MEZ hat {n} <{a}> Folgendes geschrieben:",
        "fr": f"Le {wd} {w.day} {mon} {w.year} à {hms} UTC+1, {n} <{a}> a écrit :",
    }[language]


# -- how each client writes the sender's own text -----------------------------------------------


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.strip().split("\n\n") if p.strip()]


def _lines_html(paragraph: str) -> str:
    return "<br>".join(html.escape(line) for line in paragraph.split("\n"))


def _own_html(client: str, own: str) -> str:
    paragraphs = _paragraphs(own)
    if client in ("outlook",):
        return "".join(
            f'<p class="MsoNormal"><span lang="EN-US">{_lines_html(p)}<o:p></o:p></span></p>'
            '<p class="MsoNormal"><span lang="EN-US"><o:p>&nbsp;</o:p></span></p>'
            for p in paragraphs
        )
    if client in ("outlook_web", "outlook_mobile"):
        style = "font-family: Aptos, Aptos_EmbeddedFont, Calibri, Helvetica, sans-serif; "
        style += "font-size: 12pt; color: rgb(0, 0, 0);"
        return "".join(
            f'<div class="elementToProof" style="{style}">{_lines_html(p)}</div>'
            f'<div class="elementToProof" style="{style}"><br></div>'
            for p in paragraphs
        )
    if client == "thunderbird":
        return "".join(f"<p>{_lines_html(p)}</p>" for p in paragraphs)
    if client == "yahoo":
        return (
            '<div class="ydp5e1c3a9byahoo-style-wrap" style="font-family:Helvetica Neue, '
            'Helvetica, Arial, sans-serif;font-size:13px;">'
            + "<div><br></div>".join(
                f'<div dir="ltr" data-setdir="false">{_lines_html(p)}</div>' for p in paragraphs
            )
            + "</div>"
        )
    if client == "gmail":
        return (
            '<div dir="ltr">'
            + "<div><br></div>".join(
                "".join(f"<div>{html.escape(line)}</div>" for line in p.split("\n"))
                for p in paragraphs
            )
            + "</div>"
        )
    # Apple Mail, the iPhone, Samsung Email: a div per line, an empty one between paragraphs.
    tag = (
        '<div dir="ltr">'
        if client == "iphone"
        else '<div dir="auto">'
        if client == "android"
        else "<div>"
    )
    return "<div><br></div>".join(
        "".join(f"{tag}{html.escape(line)}</div>" for line in p.split("\n")) for p in paragraphs
    )


def _quote_lines(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.rstrip("\n").split("\n"))


def _mailbox_html(person: Person) -> str:
    return (
        f'{html.escape(person.name)} &lt;<a href="mailto:{person.address}">{person.address}</a>&gt;'
    )


def _recipients(original: Mail) -> str:
    return "; ".join(person.mailbox for person in original.to)


def _header_lines(original: Mail, language: str, *, web: bool = False) -> list[tuple[str, str]]:
    sender, sent, to, subject = _OUTLOOK_LABELS[language]
    if web:
        sent = _OUTLOOK_WEB_SENT.get(language, sent)
    return [
        (sender, original.sender.mailbox),
        (sent, _outlook_date(original.when, language)),
        (to, _recipients(original)),
        (subject, original.subject),
    ]


def _header_text(original: Mail, language: str, *, web: bool = False) -> str:
    return "\n".join(
        f"{label}: {value}" for label, value in _header_lines(original, language, web=web)
    )


def _header_html(original: Mail, language: str, *, web: bool = False) -> str:
    return "<br>".join(
        f"<b>{html.escape(label)}:</b> {html.escape(value)}"
        for label, value in _header_lines(original, language, web=web)
    )


# -- the quoting styles ----------------------------------------------------------------------


def _quoting(client: str, own: str, original: Mail, language: str) -> tuple[str, str]:
    """(text part, HTML body content) of a reply to ``original`` whose own text is ``own``."""
    own = own.strip("\n")
    own_html = _own_html(client, own)
    past_html = original.html or f"<div>{_lines_html(original.text)}</div>"
    if client == "gmail":
        attribution = _gmail_attribution(original, language)
        wrapped = "\n".join(textwrap.wrap(attribution, 76, break_on_hyphens=False))
        text = f"{own}\n\n{wrapped}\n\n{_quote_lines(original.text)}\n"
        markup = (
            f'{own_html}<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" '
            f'class="gmail_attr">{_escape_attribution(attribution, original)}<br></div>'
            '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px '
            f'solid rgb(204,204,204);padding-left:1ex">{past_html}</blockquote></div>'
        )
        return text, markup
    if client in ("apple_mail", "iphone"):
        attribution = _apple_attribution(original, language)
        quoted = _quote_lines(f"{attribution}\n\n{original.text}")
        if client == "apple_mail":
            text = f"{own}\n\n{quoted}\n"
            markup = (
                f'{own_html}<div><br><blockquote type="cite"><div>'
                f"{_escape_attribution(attribution, original)}</div>"
                f'<br class="Apple-interchange-newline"><div>{past_html}</div></blockquote>'
                "</div><br>"
            )
            return text, markup
        signoff = _PHONE_SIGNOFF[language]
        text = f"{own}\n\n{signoff}\n\n{quoted}\n"
        markup = (
            f'{own_html}<div dir="ltr"><br></div><div dir="ltr">{html.escape(signoff)}</div>'
            f'<div dir="ltr"><br><blockquote type="cite">'
            f"{_escape_attribution(attribution, original)}<br><br></blockquote></div>"
            f'<blockquote type="cite"><div dir="ltr">{past_html}</div></blockquote>'
        )
        return text, markup
    if client == "outlook":
        text = f"{own}\n\n{_header_text(original, language)}\n\n{original.text}"
        markup = (
            f'<div class="WordSection1">{own_html}<div><div style="border:none;border-top:solid '
            '#E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><span '
            f'lang="EN-US">{_header_html(original, language)}<o:p></o:p></span></p></div>'
            '</div><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
            f"{past_html}</div>"
        )
        return text, markup
    if client in ("outlook_web", "outlook_mobile"):
        header = _header_text(original, language, web=True)
        separator = f"{'_' * 32}\n{header}"
        signature, signature_html = "", ""
        if client == "outlook_mobile":
            signature = "Get Outlook for iOS<https://aka.ms/o0ukef>\n"
            signature_html = (
                '<div id="ms-outlook-mobile-signature" dir="ltr">Get <a '
                'href="https://aka.ms/o0ukef">Outlook for iOS</a></div>'
            )
        text = f"{own}\n\n{signature}{separator}\n\n{original.text}"
        markup = (
            f'{own_html}{signature_html}<div id="appendonsend"></div><hr '
            'style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" '
            'dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" '
            f'color="#000000">{_header_html(original, language, web=True)}</font>'
            f'<div>&nbsp;</div></div><div dir="ltr">{past_html}</div>'
        )
        return text, markup
    if client == "outlook_plain":
        separator = _ORIGINAL_MESSAGE[language]
        return f"{own}\n\n{separator}\n{_header_text(original, language)}\n\n{original.text}", ""
    if client == "yahoo":
        attribution = _yahoo_attribution(original, language)
        indented = "\n".join(f" {line}" for line in original.text.rstrip("\n").split("\n"))
        text = f"{own}\n\n    {attribution}  \n \n \n{indented}\n"
        markup = (
            f'{own_html}<div id="yahoo_quoted_4183621197" class="yahoo_quoted">'
            "<div style=\"font-family:'Helvetica Neue', Helvetica, Arial, sans-serif;"
            'font-size:13px;color:#26282a;"><div>'
            f"{_escape_attribution(attribution, original)}</div><div><br></div><div><br></div>"
            f'<div><div id="yiv4183621197">{past_html}</div></div></div></div>'
        )
        return text, markup
    if client == "thunderbird":
        attribution = _thunderbird_attribution(original, language)
        text = f"{own}\n\n{attribution}\n{_quote_lines(original.text)}\n"
        markup = (
            f'{own_html}<div class="moz-cite-prefix">{html.escape(attribution)}<br></div>'
            f'<blockquote type="cite" cite="mid:{original.message_id.strip("<>")}">'
            f"{past_html}</blockquote>"
        )
        return text, markup
    if client == "android":
        header = (
            f"From: {original.sender.mailbox} \nDate: {original.when:%d/%m/%Y %H:%M} (GMT+01:00) "
            f"\nTo: {_recipients(original)} \nSubject: {original.subject} "
        )
        text = (
            f"{own}\n\n\n\nSent from my Galaxy\n\n\n-------- Original message --------\n"
            f"{header}\n\n{original.text}"
        )
        header_html = "".join(f"<div>{html.escape(line)}</div>" for line in header.split("\n"))
        markup = (
            f'{own_html}<div dir="auto"><br></div><div id="composer_signature" dir="auto">'
            '<div style="font-size:85%;color:#575757" dir="auto">Sent from my Galaxy</div></div>'
            '<div dir="auto"><br></div><div><br></div><div align="left" dir="auto" '
            'style="font-size:100%;color:#000000"><div>-------- Original message --------</div>'
            f"{header_html}<div><br></div></div>{past_html}"
        )
        return text, markup
    raise ValueError(f"unknown client {client!r}")


def _escape_attribution(attribution: str, original: Mail) -> str:
    """The attribution as HTML, its address a mailto link as clients write it."""
    escaped = html.escape(attribution)
    address = original.sender.address
    return escaped.replace(
        f"&lt;{address}&gt;", f'&lt;<a href="mailto:{address}">{address}</a>&gt;'
    )


def _document(client: str, body: str) -> str:
    """A client's HTML part around body content."""
    head = '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
    if client == "outlook":
        return (
            '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta '
            'http-equiv="Content-Type" content="text/html; charset=utf-8"><meta name="Generator" '
            'content="Microsoft Word 15 (filtered medium)"><style><!-- p.MsoNormal '
            '{margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif;} --></style></head>'
            f'<body lang="EN-US" link="#0563C1" vlink="#954F72">{body}</body></html>'
        )
    if client in ("apple_mail", "iphone"):
        style = (
            "overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;"
        )
        attrs = ' dir="auto"' if client == "iphone" else f' style="{style}"'
        return f"<html>{head}<body{attrs}>{body}</body></html>"
    if client == "gmail":
        return body
    return f"<html>{head}<body>{body}</body></html>"


# -- messages and threads ---------------------------------------------------------------------


def _reply_subject(client: str, language: str, subject: str) -> str:
    base = subject
    for prefix in ("Re: ", "RE: ", "AW: ", "RE : ", "R: ", "RES: ", "回复: ", "Aw: "):
        if base.startswith(prefix):
            base = base[len(prefix) :]
            break
    if client in ("outlook", "outlook_web", "outlook_mobile", "outlook_plain"):
        return _OUTLOOK_RE[language] + base
    if client == "thunderbird" and language == "de":
        return "AW: " + base
    return "Re: " + base


def first_message(
    client: str, sender: Person, to: Sequence[Person], when: datetime, subject: str, own: str,
    *, language: str = "en", message_id: str = "",
) -> Mail:  # fmt: skip
    """A message that starts a conversation (nothing quoted)."""
    own = own.strip("\n")
    markup = "" if client in TEXT_ONLY else _own_html(client, own)
    return Mail(
        client=client,
        language=language,
        sender=sender,
        to=tuple(to),
        when=when,
        subject=subject,
        own=own,
        text=own + "\n",
        html=markup,
        message_id=message_id or _message_id(client, sender, when),
    )


def reply(
    client: str, sender: Person, original: Mail, own: str, *, language: str = "en",
    when: datetime | None = None, to: Sequence[Person] | None = None,
) -> Mail:  # fmt: skip
    """``sender``'s reply to ``original`` from ``client``, quoting all of it."""
    when = when or original.when + timedelta(hours=3)
    text, markup = _quoting(client, own, original, language)
    return Mail(
        client=client,
        language=language,
        sender=sender,
        to=tuple(to) if to is not None else (original.sender,),
        when=when,
        subject=_reply_subject(client, language, original.subject),
        own=own.strip("\n"),
        text=text,
        html=markup,
        message_id=_message_id(client, sender, when),
        references=(*original.references, original.message_id),
    )


def conversation(
    start: Mail,
    replies: Sequence[tuple[str, Person, str, str]],
    *,
    gap: timedelta = timedelta(hours=5),
) -> list[Mail]:
    """``start`` and then each (client, sender, language, own text) answering the message
    before it, quoting it whole."""
    thread = [start]
    for client, sender, language, own in replies:
        previous = thread[-1]
        thread.append(
            reply(client, sender, previous, own, language=language, when=previous.when + gap)
        )
    return thread


def _message_id(client: str, sender: Person, when: datetime) -> str:
    domain = sender.address.split("@")[1]
    stamp = f"{when:%Y%m%d%H%M%S}"
    if client == "gmail":
        return f"<CAJ{stamp}x9Qv{len(sender.name)}@mail.gmail.com>"
    if client.startswith("outlook"):
        return f"<AM0PR04MB{stamp}{len(sender.name):02d}@AM0PR04MB6130.eurprd04.prod.outlook.com>"
    return f"<{stamp}.{len(sender.name)}@{domain}>"


# -- shapes that must stay whole -------------------------------------------------------------


def forward(
    client: str, sender: Person, original: Mail, note: str, *, language: str = "en"
) -> Mail:
    """``sender`` forwarding ``original`` with ``note`` on top, as ``client`` does."""
    note = note.strip("\n")
    when = original.when + timedelta(hours=2)
    note_html = _own_html(client, note)
    past_html = original.html or f"<div>{_lines_html(original.text)}</div>"
    o = original
    if client == "gmail":
        header = (
            f"---------- Forwarded message ---------\nFrom: {o.sender.mailbox}\n"
            f"Date: {format_datetime(o.when)}\nSubject: {o.subject}\nTo: {_recipients(o)}\n"
        )
        text = f"{note}\n\n{header}\n\n{o.text}"
        markup = (
            f'{note_html}<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" '
            f'class="gmail_attr">{"<br>".join(html.escape(line) for line in header.splitlines())}'
            f"<br></div><br><br>{past_html}</div>"
        )
        subject = "Fwd: " + o.subject
    elif client == "apple_mail":
        text = (
            f"{note}\n\n> Begin forwarded message:\n> \n> From: {o.sender.mailbox}\n"
            f"> Subject: {o.subject}\n> Date: {format_datetime(o.when)}\n"
            f"> To: {_recipients(o)}\n> \n{_quote_lines(o.text)}\n"
        )
        markup = (
            f'{note_html}<div><br><blockquote type="cite"><div>Begin forwarded message:</div>'
            '<br class="Apple-interchange-newline"><div style="margin: 0px;"><span><b>From: '
            f"</b></span><span>{html.escape(o.sender.mailbox)}<br></span></div><div "
            f'style="margin: 0px;"><span><b>Subject: </b></span><span><b>{html.escape(o.subject)}'
            f"</b><br></span></div><br><div>{past_html}</div></blockquote></div>"
        )
        subject = "Fwd: " + o.subject
    elif client == "outlook_web":
        header = _header_text(o, language, web=True)
        text = f"{note}\n\n{'_' * 32}\n{header}\n\n{o.text}"
        markup = (
            f'{note_html}<div id="appendonsend"></div><hr style="display:inline-block;width:98%" '
            'tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
            f'style="font-size:11pt" color="#000000">{_header_html(o, language, web=True)}'
            f'</font><div>&nbsp;</div></div><div dir="ltr">{past_html}</div>'
        )
        subject = _OUTLOOK_FW[language] + o.subject
    elif client == "thunderbird":
        header = (
            f"-------- Forwarded Message --------\nSubject: \t{o.subject}\n"
            f"Date: \t{format_datetime(o.when)}\nFrom: \t{o.sender.mailbox}\nTo: \t{_recipients(o)}\n"
        )
        text = f"{note}\n\n\n{header}\n\n{o.text}"
        markup = (
            f'{note_html}<div class="moz-forward-container"><br><br>-------- Forwarded Message '
            '--------<table class="moz-email-headers-table"><tbody><tr><th>Subject: </th><td>'
            f"{html.escape(o.subject)}</td></tr><tr><th>From: </th><td>"
            f"{html.escape(o.sender.mailbox)}</td></tr></tbody></table><br>{past_html}</div>"
        )
        subject = "Fwd: " + o.subject
    else:
        raise ValueError(f"no forward modelled for {client!r}")
    return Mail(
        client=client,
        language=language,
        sender=sender,
        to=(Person("Kim Lee", "kim.lee@example.org"),),
        when=when,
        subject=subject,
        own=note,
        text=text,
        html=markup,
        message_id=_message_id(client, sender, when),
    )


def inline_reply(client: str, sender: Person, original: Mail, answers: Sequence[str]) -> Mail:
    """``sender`` answering ``original`` between its lines: each answer after the line it
    answers (``answers`` line up with the original's own lines)."""
    lines = [line for line in original.own.split("\n") if line.strip()]
    when = original.when + timedelta(hours=1)
    pairs = list(zip(lines, answers, strict=False))
    if client == "gmail":
        attribution = _gmail_attribution(original, "en")
        text = f"{attribution}\n\n" + "\n\n".join(f"> {q}\n\n{a}" for q, a in pairs) + "\n"
        markup = (
            f'<div dir="ltr"><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            f"{_escape_attribution(attribution, original)}<br></div>"
            + "".join(
                '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px '
                f'solid rgb(204,204,204);padding-left:1ex">{html.escape(q)}</blockquote>'
                f"<div>{html.escape(a)}</div>"
                for q, a in pairs
            )
            + "</div></div>"
        )
    elif client == "apple_mail":
        attribution = _apple_attribution(original, "en")
        text = f"> {attribution}\n\n" + "\n\n".join(f"> {q}\n\n{a}" for q, a in pairs) + "\n"
        markup = (
            f'<div><blockquote type="cite"><div>{_escape_attribution(attribution, original)}'
            "</div></blockquote>"
            + "".join(
                f'<blockquote type="cite"><div>{html.escape(q)}</div></blockquote>'
                f"<div>{html.escape(a)}</div><div><br></div>"
                for q, a in pairs
            )
            + "</div>"
        )
    elif client == "thunderbird":  # Thunderbird's default: the reply below each quote
        attribution = _thunderbird_attribution(original, "en")
        text = f"{attribution}\n" + "\n".join(f"> {q}\n\n{a}\n" for q, a in pairs)
        markup = f'<div class="moz-cite-prefix">{html.escape(attribution)}<br></div>' + "".join(
            f'<blockquote type="cite">{html.escape(q)}</blockquote><p>{html.escape(a)}</p>'
            for q, a in pairs
        )
    else:
        raise ValueError(f"no inline reply modelled for {client!r}")
    return Mail(
        client=client,
        language="en",
        sender=sender,
        to=(original.sender,),
        when=when,
        subject=_reply_subject(client, "en", original.subject),
        own="\n".join(answers),
        text=text,
        html=markup,
        message_id=_message_id(client, sender, when),
        references=(original.message_id,),
    )


# -- a mixed-client conversation --------------------------------------------------------------

SAM = Person("Sam Taylor", "sam.taylor@example.com")
PRIYA = Person("Priya Natarajan", "priya.natarajan@acme-corp.example")
ALICE = Person("Alice Chen", "alice.chen@acme-corp.example")
JONAS = Person("Jonas Weber", "jonas.weber@northwind-traders.example")
ZOE = Person("Zoë Müller", "zoe.mueller@beispiel-akademie.example")
CAMILLE = Person("Camille Martin", "camille.martin@exemple-conseil.example")

# Each message's own sentence: in a trimmed thread each appears exactly once.
MIXED_SENTENCES = (
    "Could you confirm the Berlin rollout can start on 4 January with twelve seats?",
    "Legal has approved the notice period of 90 days in clause 9.2.",
    "The onboarding sessions are booked for the week of 11 January.",
    "Our projected volumes for 2027 are 480 seats across three sites.",
    "Die Schulung für das Berliner Team findet am 19. und 20. Januar statt.",
    "Le contrat signé vous sera envoyé avant le 4 décembre.",
)


def mixed_thread(start: datetime | None = None) -> list[Mail]:
    """Six messages, each answered from another client, each quoting the whole history:
    Gmail → iPhone → Gmail → Outlook for Windows (quoting a Gmail reply that itself ends in
    "On … wrote:") → Thunderbird in German → Outlook on the web in French."""
    start = start or datetime(2026, 11, 16, 9, 5, tzinfo=CET)
    s = MIXED_SENTENCES

    def body(greeting: str, sentence: str, more: str, sign: str) -> str:
        return f"{greeting}\n\n{sentence} {more}\n\n{sign}"

    first = first_message(
        "gmail", SAM, (PRIYA, ALICE, JONAS), start, "Northwind rollout: Berlin start",
        body("Hi all,", s[0], "If so, I will send the order form today.", "Best,\nSam"),
    )  # fmt: skip
    return conversation(
        first,
        [
            ("iphone", PRIYA, "en",
             body("Hi Sam,", s[1], "Nothing else changes in the draft.", "Priya")),
            ("gmail", ALICE, "en",
             body("Thanks Priya,", s[2], "Invitations go out on Monday.", "Alice")),
            ("outlook", JONAS, "en",
             body("Hello Alice,", s[3], "Berlin grows from February.",
                  "Best regards\nJonas Weber\nHead of Procurement | Northwind Traders GmbH")),
            ("thunderbird", ZOE, "de",
             body("Guten Tag Herr Weber,", s[4], "Bitte bestätigen Sie die Teilnehmerzahl.",
                  "Mit freundlichen Grüßen\nZoë Müller")),
            ("outlook_web", CAMILLE, "fr",
             body("Bonjour à tous,", s[5], "Merci pour votre confiance.",
                  "Cordialement,\nCamille Martin")),
        ],
    )  # fmt: skip
