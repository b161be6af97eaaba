"""Mask personal data in free text with typed placeholders.

Over-masking a long order number is harmless; leaking a phone number is not, so the
patterns lean towards masking. Order matters: the longest, most specific patterns run first.
Numbers are found however they are written: with spaces, dashes, dots, slashes or middle dots
between the digits, glued to letters (wx13812345678), or spelled in Chinese numerals
(一三八…). The caller (`normalize_text`) has already dropped zero-width characters, folded
other scripts' digits to ASCII and collapsed whitespace. Personal names and staff ids are
`names`' rules, applied last.
"""

from __future__ import annotations

import re

from .names import NAME_PLACEHOLDERS, has_name_cue, mask_names

PLACEHOLDERS = {
    "url": "<链接>",
    "email": "<邮箱>",
    "id_card": "<身份证号>",
    "bank_card": "<银行卡号>",
    "mobile": "<手机号>",
    "landline": "<固话>",
    "handle": "<账号>",
    **NAME_PLACEHOLDERS,
}

_D = r"(?<!\d)"  # not inside a longer run of digits (letters may touch: wx13812345678)
_E = r"(?!\d)"
_S = r"[ \-\u2010-\u2015\u2212./·_]{0,2}"  # what people type between digit groups
_DIGIT_RULES: list[tuple[str, re.Pattern]] = [
    # ID cards: 18 digits (last may be X), grouped 6-8-4 or 6-4-4-4 or not at all; the old 15-digit form.
    ("id_card", re.compile(
        _D + rf"[1-9]\d{{5}}{_S}(?:18|19|20)\d{{2}}{_S}(?:0[1-9]|1[0-2]){_S}(?:0[1-9]|[12]\d|3[01]){_S}\d{{3}}[\dXx]"
        + r"(?![\dA-Za-z])")),
    ("id_card", re.compile(_D + r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}" + _E)),
    # 16-19 digit card numbers, optionally grouped.
    ("bank_card", re.compile(_D + rf"(?:\d{{4}}{_S}){{3}}\d{{4}}(?:{_S}\d{{1,3}})?" + _E)),
    # Mainland mobiles, with optional +86, separators between any digits, and numbers already
    # half-masked (138****1234).
    ("mobile", re.compile(r"(?<![\d+])(?:(?:\+|00)?86" + _S + r")?1" + _S + r"[3-9](?:" + _S + r"\d){9}" + _E)),
    ("mobile", re.compile(r"(?<![\d+])(?:(?:\+|00)?86" + _S + r")?1[3-9]\d" + _S + r"[*xX]{4}" + _S + r"\d{4}" + _E)),
    # Landlines with an area code: 0571-87654321, (010)12345678, 021 1234 5678.
    ("landline", re.compile(_D + rf"(?:\(0\d{{2,3}}\)|0\d{{2,3}}){_S}\d{{3,4}}{_S}\d{{4}}" + _E)),
]
_RULES: list[tuple[str, re.Pattern]] = [
    # Links first (they may hold an @ or a number): http(s)://…, www.…, and short links (t.cn/…).
    ("url", re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#@$&'*+=%]+|(?<![A-Za-z0-9])t\.cn/[A-Za-z0-9]+",
                       re.IGNORECASE)),
    ("email", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")),
    *_DIGIT_RULES,
    # Social-media @mentions (微博 @用户名, also the operator's own @中国电信客服): a user's handle
    # identifies them, and the operator's handles would otherwise put 客服 into every weibo complaint.
    # After e-mails, and never right after an ASCII letter or digit (what is left of an e-mail).
    ("handle", re.compile(r"(?<![0-9A-Za-z])@[\w\-·]{1,30}")),
]

# A number spelled in Chinese numerals (一三八六七四五〇一一四, 幺三九…): seven or more in a row.
_CN_DIGITS = {"〇": "0", "零": "0", "一": "1", "幺": "1", "壹": "1", "二": "2", "两": "2", "贰": "2", "三": "3",
              "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6", "陆": "6", "七": "7", "柒": "7",
              "八": "8", "捌": "8", "九": "9", "玖": "9"}
_CN = "[" + "".join(_CN_DIGITS) + "]"
_CN_RUN = re.compile(rf"{_CN}(?:[ \-./·]?{_CN}){{6,}}")
_CN_FOLD = str.maketrans(_CN_DIGITS)

PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
# Cheap tests that say whether a group of rules can match at all (most complaints hold no number).
_NUMBER_CUE = re.compile(r"\d[\d \-\u2010-\u2015\u2212./·_*xX]{6,}")  # every number rule's match holds such a run
_LINK_CUE = re.compile(r"@|://|www\.|t\.cn/", re.IGNORECASE)


def _mask_digits(text: str) -> str:
    for kind, rx in _DIGIT_RULES:
        text = rx.sub(PLACEHOLDERS[kind], text)
    return text


def _spelled_number(m: re.Match) -> str:
    """A run of Chinese numerals that folds to a phone, ID or card number becomes its placeholder."""
    folded = re.sub(r"[ \-./·]", "", m.group().translate(_CN_FOLD))
    masked = _mask_digits(folded)
    return m.group() if masked == folded else masked


def mask_pii(text: str) -> str:
    """Replace links, e-mails, ID cards, bank cards, mobiles, landlines, @handles, personal names
    and staff ids with typed placeholders."""
    links = _LINK_CUE.search(text) is not None
    if links:
        for kind, rx in _RULES[:2]:  # links and e-mails first: they may hold numbers
            text = rx.sub(PLACEHOLDERS[kind], text)
    if _CN_RUN.search(text):
        text = _CN_RUN.sub(_spelled_number, text)
    if _NUMBER_CUE.search(text):
        text = _mask_digits(text)
    if links:
        text = _RULES[-1][1].sub(PLACEHOLDERS["handle"], text)
    if has_name_cue(text):
        text = mask_names(text)
    return text


def contains_pii(text: str) -> bool:
    """True when unmasked personal data is still present (used by tests and output guards)."""
    if any(rx.search(text) for _, rx in _RULES):
        return True
    if any(_spelled_number(m) != m.group() for m in _CN_RUN.finditer(text)):
        return True
    return has_name_cue(text) and mask_names(text) != text
