"""Clean complaint text: one canonical form before anything is masked, stored or segmented."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from .mask import mask_pii

_TAG = re.compile(r"</?[A-Za-z!][^<>\n]{0,200}>")  # real tags only: never our <手机号> placeholders
_SPACE = re.compile(r"\s+")
# Emoji, pictographs, dingbats, variation selectors and zero-width joiners: noise for topics.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff"
    "\U00002b00-\U00002bff\ufe0e\ufe0f\u200d\u20e3]+"
)
# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space fold to half-width.
_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF[0x3000] = 0x20


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def to_halfwidth(text: str) -> str:
    return text.translate(_HALF)


def strip_markup(text: str) -> str:
    """Drop HTML tags first, then decode entities, so decoded `<` never looks like a tag."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def strip_emoji(text: str) -> str:
    return _EMOJI.sub(" ", text)


def collapse_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def normalize_text(text: str | None) -> str:
    """Markup, width, script, emoji and whitespace folded; personal data masked."""
    if not text:
        return ""
    text = strip_markup(str(text))
    text = to_halfwidth(text)
    text = to_simplified(text)
    text = strip_emoji(text)
    text = mask_pii(text)
    return collapse_space(text)
