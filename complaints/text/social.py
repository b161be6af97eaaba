"""Social-media noise out of the modelling view: emoticon codes dropped, hashtags keep their words.

Weibo and WeChat write emoticons as a word in square brackets (``[哈哈]``, ``[挖鼻屎]``); left in,
they make topics (鼻屎·年期·临时工). Tickets also use brackets, for content (``[资费]``, ``[退订]``,
``[水寨镇家宽(扩容)]``), so only a code whose word is in the emoticon lexicon
(``lexicons/emoticons.txt``, analyst-editable) is dropped: on the real Weibo complaints 69 of 69
codes, on the real tickets 0 of 54 bracketed words. A hashtag ``#携号转网难#`` is the customer's
own headline: its words stay, the ``#`` go. The stored text keeps both.
"""

from __future__ import annotations

import re
from typing import Iterable

_CODE = re.compile(r"\[([^\[\]\s]{1,8})\]")
_HASHTAG = re.compile(r"#([^#\n]{1,40})#")


class SocialCleaner:
    """``emoticons``: the words inside ``[...]`` that are emoticon codes (compared case-blind)."""

    def __init__(self, emoticons: Iterable[str] = ()) -> None:
        self.emoticons = frozenset(w.upper() for w in emoticons)

    def __call__(self, text: str) -> str:
        """Drop emoticon codes; unwrap hashtags (``#话题#`` -> `` 话题 ``)."""
        if "[" in text and self.emoticons:
            text = _CODE.sub(lambda m: " " if m.group(1).upper() in self.emoticons else m.group(0), text)
        if "#" in text:
            text = _HASHTAG.sub(lambda m: " " + m.group(1) + " ", text)
        return text
