"""Customer keys: every customer identifier becomes a keyed hash, so keys join but never sit in clear.

A key cell comes in the forms spreadsheets and CRMs export: '13812345678 (text marker),
="13812345678" (Excel formula), tel:…, 手机：…, 138.1234.5678, 13812345678.0 (a float), with
zero-width characters. All of these are the same customer as 13812345678, so the cell is reduced
to its canonical number before hashing. An e-mail is hashed lower-cased; any other value (an
account id such as KH8800123456) is hashed as it is, upper-cased. A cell holding two personal
numbers cannot be one key: it is refused (`KeyCellError`) and the row is rejected.

Libraries created before every key was hashed (config format 1) kept account ids in clear;
they keep doing so, or the same account would get two keys (`hash_all=False`). New libraries
(format 2) hash every key.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from ..text.normalize import ascii_digits, strip_invisible, to_halfwidth

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212()（）.·/_]")
_PERSONAL = re.compile(
    r"^(?:1[3-9]\d{9}"  # mobile
    r"|0\d{9,11}"  # landline with area code
    r"|\d{17}[\dXx]"  # ID card
    r"|\d{15,19})$"  # bank card / other long personal numbers
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
_FORMULA = re.compile(r'^=\s*"(.*)"$')  # ="13812345678": Excel's way to keep leading zeros
_LABEL = re.compile(r"^(?:tel|phone|mobile|手机号码|手机号|手机|电话号码|联系电话|电话|联系方式|号码|用户号码|客户号码|服务号码)"
                    r"\s*[:：]?\s*", re.IGNORECASE)
_LIST = re.compile(r"[/,;，；、|]")
_FLOAT = re.compile(r"^(\d+)\.0+$")


class KeyCellError(ValueError):
    """A customer-key cell that cannot be one customer (two numbers in one cell)."""


def _clean(raw: str) -> str:
    s = ascii_digits(to_halfwidth(strip_invisible(raw))).strip()
    s = s.lstrip("'").strip()
    m = _FORMULA.match(s)
    if m:
        s = m.group(1).strip()
    return _LABEL.sub("", s, count=1).strip()


def canonical_number(raw: str) -> str:
    """'+86 138-0013-8000', '8613800138000', "'13800138000", 'tel:13800138000', '手机:138.0013.8000',
    '13800138000.0' all become '13800138000'."""
    s = _clean(raw)
    m = _FLOAT.match(s)
    if m:
        s = m.group(1)
    s = _SEPARATORS.sub("", s)
    if s.startswith("+"):
        s = s[1:]
    if s.startswith("0086"):
        s = s[4:]
    if len(s) == 13 and s.startswith("86") and s[2] == "1":
        s = s[2:]
    return s


def is_personal_number(number: str) -> bool:
    """A canonical number that is a phone, ID or card number (what a call list can dial, what must be hashed)."""
    return _PERSONAL.match(number) is not None


def _personal_numbers(raw: str) -> list[str]:
    """The personal numbers a cell holds, when it lists several (13812345678/13912345678)."""
    parts = [canonical_number(p) for p in _LIST.split(_clean(raw))]
    return [p for p in parts if _PERSONAL.match(p)]


class CustomerKeyer:
    """Map raw customer identifiers to library keys with HMAC-SHA256 under the library's key."""

    def __init__(self, secret: bytes, hash_all: bool = True) -> None:
        self._secret = secret
        self.hash_all = hash_all
        self.kept_in_clear = 0  # account ids a format-1 library keeps as they are (distinct values)
        self._cache: dict[str, str | None | KeyCellError] = {}

    def __call__(self, raw) -> str | None:
        """The key for a cell; None for an empty one; KeyCellError for one that holds two numbers."""
        if raw is None or isinstance(raw, bool):
            return None
        if isinstance(raw, float):
            if raw != raw:
                return None
            raw = str(int(raw)) if raw.is_integer() else repr(raw)
        raw = str(raw).strip()
        if not raw or raw.lower() in ("nan", "none", "null"):
            return None
        hit = self._cache.get(raw)
        if hit is None:
            try:
                hit = self._key(raw)
            except KeyCellError as exc:
                hit = exc
            self._cache[raw] = hit
        if isinstance(hit, KeyCellError):
            raise hit
        return hit

    def _hash(self, value: str) -> str:
        return "k" + hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:20]

    def _key(self, raw: str) -> str | None:
        number = canonical_number(raw)
        if _PERSONAL.match(number):
            return self._hash(number.upper())
        if len(_personal_numbers(raw)) > 1:
            raise KeyCellError("customer_key: the cell holds more than one number; give one customer per row")
        cleaned = _clean(raw)
        if not cleaned:
            return None
        if _EMAIL.match(cleaned):
            return self._hash(cleaned.lower())
        if not self.hash_all:
            self.kept_in_clear += 1
            return raw  # format-1 library: account ids were kept as they are
        return self._hash(_SEPARATORS.sub("", cleaned).upper())
