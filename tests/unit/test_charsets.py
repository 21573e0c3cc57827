"""decode_text's charset rule and RFC 2047 header decoding (facts-google.md, "Charsets")."""

from __future__ import annotations

import base64
import encodings.aliases

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmail_core.charsets import codec_for, decode_header_value, decode_text, unfold

# (declared label, Python codec producing genuine bytes, sample text)
LEGACY = [
    ("ISO-2022-JP", "iso2022_jp", "会議は明日の午後三時です。"),
    ("Shift_JIS", "shift_jis", "お世話になっております。資料を添付します。"),
    ("GB2312", "gb2312", "请查收附件中的报价单。"),
    ("GBK", "gbk", "请查收附件中的报价单，谢谢。"),
    ("Big5", "big5", "請查收附件中的報價單。"),
    ("EUC-KR", "euc_kr", "회의는 내일 오후 세 시입니다."),
    ("KOI8-R", "koi8_r", "Привет, встреча завтра в три часа."),
    ("windows-1251", "cp1251", "Привет, встреча завтра в три часа."),
    ("windows-1252", "cp1252", "Café déjà vu — “quoted” naïve façade"),
]


@pytest.mark.parametrize(("label", "codec", "text"), LEGACY, ids=[row[0] for row in LEGACY])
def test_genuine_legacy_bytes_decode_with_declared_charset(label: str, codec: str, text: str):
    assert decode_text(text.encode(codec), label) == text


@pytest.mark.parametrize(("label", "codec", "text"), LEGACY, ids=[row[0] for row in LEGACY])
def test_gmail_reencoded_utf8_under_legacy_label_decodes_as_utf8(label: str, codec: str, text: str):
    assert decode_text(text.encode("utf-8"), label) == text


def test_iso_2022_jp_bytes_are_ascii_so_the_declared_charset_is_used():
    data = "日本語".encode("iso2022_jp")
    assert data.isascii()
    assert decode_text(data, "iso-2022-jp") == "日本語"
    # Without the label the escapes are just ASCII: proof the label was needed.
    assert decode_text(data, None) != "日本語"


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        ("ks_c_5601-1987", "cp949", "안녕하세요 똠방각하"),  # 똠 is only in cp949, not EUC-KR
        ("x-sjis", "cp932", "①資料"),  # ① is a Windows extension to Shift_JIS
        ("gb_2312-80", "gb18030", "报价单"),
        ("gb2312", "gbk", "镕"),  # GBK-only character under a GB2312 label
        ("big5", "big5hkscs", "香港"),
        ("x-mac-cyrillic", "mac_cyrillic", "Привет"),
        ('"utf-8"', "utf-8", "quoted label ü"),
    ],
)
def test_label_aliases_pick_the_superset_codec(label: str, codec: str, text: str):
    assert decode_text(text.encode(codec), label) == text


@pytest.mark.parametrize("label", ["iso-8859-1", "latin1", "us-ascii", "ISO_8859-1"])
def test_latin1_and_ascii_labels_mean_windows_1252(label: str):
    # 0x93/0x94 are C1 controls in Latin-1 but curly quotes in windows-1252 (WHATWG rule).
    assert decode_text(b"\x93Hi\x94 caf\xe9", label) == "“Hi” café"


def test_plain_ascii_is_identical_under_any_label():
    for label in ("utf-8", "koi8-r", "shift_jis", None, "nonsense", "utf-16"):
        assert decode_text(b"Hello, world", label) == "Hello, world"


def test_genuine_utf16_still_decodes():
    assert decode_text("Hi ü".encode("utf-16"), "utf-16") == "Hi ü"


def test_utf8_bom_is_dropped():
    assert decode_text(b"\xef\xbb\xbfhello \xc3\xbc", "utf-8") == "hello ü"


@pytest.mark.parametrize("label", [None, "", "x-unknown-charset", "base64", "rot13", "idna"])
def test_unknown_or_non_charset_labels_fall_back_leniently(label: str | None):
    assert decode_text("café".encode("cp1252"), label) == "café"


def test_undecodable_bytes_under_a_known_label_are_replaced_not_raised():
    text = decode_text(b"ok \x80\xff\xfe end", "euc-jp")
    assert text.startswith("ok ")
    assert text.endswith(" end")
    assert "\ufffd" in text


def test_codec_for_rejects_codecs_that_are_not_charsets():
    assert codec_for("unicode_escape") is None
    assert codec_for("hex") is None
    assert codec_for("koi8-r") == "koi8-r"
    assert codec_for("ks_c_5601-1987") == "cp949"


LABELS = sorted(set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values()))


@given(st.binary(max_size=200), st.one_of(st.none(), st.sampled_from(LABELS), st.text(max_size=20)))
def test_decode_text_never_raises(data: bytes, label: str | None):
    assert isinstance(decode_text(data, label), str)


# --- RFC 2047 headers --------------------------------------------------------------------


def _b(text: str, charset: str = "utf-8", codec: str | None = None) -> str:
    encoded = base64.b64encode(text.encode(codec or charset)).decode("ascii")
    return f"=?{charset}?B?{encoded}?="


def test_b_and_q_words_decode():
    assert decode_header_value(_b("Grüße aus Köln")) == "Grüße aus Köln"
    assert decode_header_value("=?ISO-8859-1?Q?Caf=E9_cr=E8me?=") == "Café crème"


def test_already_decoded_header_is_unchanged():
    for value in ("Grüße aus Köln", "会議の件", "Re: a = b ? c", "50% off =? maybe"):
        assert decode_header_value(value) == value


def test_mixed_charsets_and_plain_text_between_words():
    value = f"Re: {_b('会議', 'iso-2022-jp', 'iso2022_jp')} and {_b('Привет', 'koi8-r')} ok"
    assert decode_header_value(value) == "Re: 会議 and Привет ok"


def test_whitespace_between_adjacent_words_is_folding_not_content():
    value = "=?utf-8?q?Hello?= \r\n =?utf-8?q?_World?="
    assert decode_header_value(value) == "Hello World"


def test_multibyte_character_split_across_two_words():
    raw = "日本".encode()
    first = base64.b64encode(raw[:2]).decode()
    second = base64.b64encode(raw[2:]).decode()
    assert decode_header_value(f"=?utf-8?B?{first}?= =?utf-8?B?{second}?=") == "日本"


def test_gmail_reencoded_word_under_legacy_label():
    assert decode_header_value(_b("Grüße", "iso-8859-1", "utf-8")) == "Grüße"


def test_ks_c_5601_word_uses_cp949():
    assert decode_header_value(_b("안녕하세요", "ks_c_5601-1987", "cp949")) == "안녕하세요"


def test_rfc2231_language_suffix_in_charset():
    assert decode_header_value("=?utf-8*en?Q?Hello?=") == "Hello"


def test_missing_base64_padding_is_tolerated():
    assert decode_header_value("=?utf-8?B?w6k?=") == "é"


def test_malformed_words_are_kept_verbatim():
    assert decode_header_value("=?utf-8?B?!!!!?= tail") == "=?utf-8?B?!!!!?= tail"
    assert decode_header_value("=?utf-8?X?abc?=") == "=?utf-8?X?abc?="
    assert decode_header_value("=?utf-8?Q?unterminated") == "=?utf-8?Q?unterminated"


def test_folded_header_is_unfolded():
    assert decode_header_value("A long\r\n subject\n\tline") == "A long subject\tline"
    assert unfold("a\r\nb") == "a b"


@given(st.text(max_size=300))
def test_decode_header_value_never_raises(value: str):
    assert isinstance(decode_header_value(value), str)


@given(st.text(alphabet=st.characters(exclude_characters="\r\n="), max_size=200))
def test_decoding_text_without_encoded_words_is_a_no_op(value: str):
    assert decode_header_value(value) == value


def test_label_with_nul_is_unknown_not_an_error() -> None:
    from gmail_core.charsets import codec_for

    assert codec_for("utf\x00-8") is None
    assert decode_text(b"caf\xc3\xa9", "utf\x00-8") == "café"
