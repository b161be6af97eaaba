"""Customer keys: phone-like keys become a keyed hash so they join but never sit in clear."""

from __future__ import annotations

import hashlib
import hmac
import re

_SEPARATORS = re.compile(r"[\s\-()（）]")
_PERSONAL = re.compile(
    r"^(?:1[3-9]\d{9}"  # mobile
    r"|0\d{9,11}"  # landline with area code
    r"|\d{17}[\dXx]"  # ID card
    r"|\d{15,19})$"  # bank card / other long personal numbers
)


def canonical_number(raw: str) -> str:
    """'+86 138-0013-8000' and '8613800138000' both become '13800138000'."""
    s = _SEPARATORS.sub("", raw.translate({cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}))
    if s.startswith("+"):
        s = s[1:]
    if s.startswith("0086"):
        s = s[4:]
    if len(s) == 13 and s.startswith("86") and s[2] == "1":
        s = s[2:]
    return s


class CustomerKeyer:
    """Map raw customer identifiers to library keys with HMAC-SHA256 under the library's key."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._cache: dict[str, str | None] = {}

    def __call__(self, raw) -> str | None:
        if raw is None:
            return None
        raw = str(raw).strip()
        if not raw or raw.lower() in ("nan", "none", "null"):
            return None
        hit = self._cache.get(raw)
        if hit is None:
            hit = self._key(raw)
            self._cache[raw] = hit
        return hit

    def _key(self, raw: str) -> str:
        number = canonical_number(raw)
        if _PERSONAL.match(number):
            digest = hmac.new(self._secret, number.upper().encode(), hashlib.sha256).hexdigest()
            return "k" + digest[:20]
        return raw  # an opaque account id carries no personal data
