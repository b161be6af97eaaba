"""Clean complaint text: one canonical form before anything is masked, stored or segmented."""

from __future__ import annotations

import html
import re
import unicodedata
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
# Terminal escape sequences (CSI `ESC [ … m`, OSC `ESC ] … BEL`), then the C0/C1 control characters
# other than tab, newline and carriage return: nothing a person typed, and they break xlsx and terminals.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Unicode format characters (category Cf): zero-width space/joiners, soft hyphen, BOM, bidi marks,
# word joiner, tags. Invisible, and typed inside numbers they would hide them from masking.
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # a decimal digit of another script (Arabic-Indic, Devanagari …)


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


def strip_invisible(text: str) -> str:
    """Drop terminal escape sequences, control characters (tab and newline stay: they are whitespace)
    and format characters (zero-width, soft hyphen, BOM, bidi marks)."""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    return _FORMAT.sub("", _CONTROL.sub("", text))


def is_blank(text: str | None) -> bool:
    """Nothing a person could read: empty, whitespace, or only zero-width and control characters.
    (An emoji-only text is not blank: it is a complaint without words.)"""
    return text is None or not strip_invisible(str(text)).strip()


def ascii_digits(text: str) -> str:
    """Digits of any script (٣, ३, ๓ …) as ASCII digits, so a number reads the same however it is typed."""
    if text.isascii():
        return text
    return _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(), 0)), text)


def strip_emoji(text: str) -> str:
    return _EMOJI.sub(" ", text)


def collapse_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def normalize_text(text: str | None) -> str:
    """Markup, invisible characters, width, script, digits, emoji and whitespace folded; then
    personal data masked. Whitespace is collapsed *before* masking, so a number split by two
    spaces, a tab, a newline or a no-break space is one number to the masking rules."""
    if not text:
        return ""
    text = strip_markup(str(text))
    text = strip_invisible(text)
    text = to_halfwidth(text)
    text = ascii_digits(text)
    text = to_simplified(text)
    text = strip_emoji(text)
    text = collapse_space(text)
    return collapse_space(mask_pii(text))


def shown(value, limit: int = 40) -> str:
    """A cell value as an error message or reject reason may quote it: cleaned, masked, cut short."""
    return repr(normalize_text(str(value))[:limit])


def shown_path(path) -> str:
    """A file path as it may be stored or printed: a file named after a customer's number is masked."""
    return mask_pii(ascii_digits(strip_invisible(str(path))))
