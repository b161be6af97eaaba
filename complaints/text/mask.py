"""Mask personal data in free text with typed placeholders.

Over-masking a long order number is harmless; leaking a phone number is not, so the
patterns lean towards masking. Order matters: the longest, most specific patterns run first.
"""

from __future__ import annotations

import re

PLACEHOLDERS = {
    "url": "<链接>",
    "email": "<邮箱>",
    "id_card": "<身份证号>",
    "bank_card": "<银行卡号>",
    "mobile": "<手机号>",
    "landline": "<固话>",
    "handle": "<账号>",
}

_D = r"(?<![0-9A-Za-z])"  # not glued to a longer alphanumeric run
_E = r"(?![0-9A-Za-z])"
_RULES: list[tuple[str, re.Pattern]] = [
    # Links first (they may hold an @ or a number): http(s)://…, www.…, and short links (t.cn/…).
    ("url", re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#@$&'*+=%]+|(?<![A-Za-z0-9])t\.cn/[A-Za-z0-9]+",
                       re.IGNORECASE)),
    ("email", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")),
    (
        "id_card",
        re.compile(
            _D + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _E
        ),
    ),
    # 16-19 digit card numbers, optionally grouped by spaces or dashes.
    ("bank_card", re.compile(_D + r"(?:\d{4}[ \-]?){3}\d{4}(?:[ \-]?\d{1,3})?" + _E)),
    # Mainland mobiles, with optional +86 and separators, and numbers already half-masked (138****1234).
    (
        "mobile",
        re.compile(
            r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d[ \-]?(?:\d{4}|[*xX]{4})[ \-]?\d{4}" + _E
        ),
    ),
    # Landlines with an area code: 0571-87654321, (010)12345678, 021 1234 5678.
    ("landline", re.compile(_D + r"(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?\d{3,4}[ \-]?\d{4}" + _E)),
    # Social-media @mentions (微博 @用户名, also the operator's own @中国电信客服): a user's handle
    # identifies them, and the operator's handles would otherwise put 客服 into every weibo complaint.
    # After e-mails, and never right after an ASCII letter or digit (what is left of an e-mail).
    ("handle", re.compile(r"(?<![0-9A-Za-z])@[\w\-·]{1,30}")),
]

PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
_QUICK = re.compile(r"\d{7}|@|\d[ \-]\d|\*{4}|://|www\.|t\.cn/", re.IGNORECASE)


def mask_pii(text: str) -> str:
    """Replace mobiles, landlines, ID cards, bank cards and e-mails with typed placeholders."""
    if not _QUICK.search(text):  # no digit run, @, link or mask: nothing to mask
        return text
    for kind, rx in _RULES:
        text = rx.sub(PLACEHOLDERS[kind], text)
    return text


def contains_pii(text: str) -> bool:
    """True when unmasked personal data is still present (used by tests and output guards)."""
    return any(rx.search(text) for _, rx in _RULES)
