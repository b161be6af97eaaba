"""The Chinese vectorizer BERTopic's c-TF-IDF runs on.

`CountVectorizer(tokenizer=...)` ignores `token_pattern`, so the tokenizer itself must drop
punctuation, whitespace, numbers, placeholders and stopwords — the Segmenter does — while
keeping one-character domain words (卡, 网, 费, 慢) that the default pattern would lose.
"""

from __future__ import annotations

from sklearn.feature_extraction.text import CountVectorizer

from ..text.segment import Segmenter


class ChineseTokenizer:
    """A named callable (not a lambda) so it can be reattached to a reloaded model by reference.

    Give it the fit's `segmenter` (the modelling view with the learned form) so keywords never
    contain the form, places or emoticon codes; without one it segments with `lexicons` alone.
    """

    def __init__(self, lexicons: str | None = None, segmenter: Segmenter | None = None) -> None:
        self.lexicons = lexicons
        self._seg: Segmenter | None = segmenter
        self._known: dict[str, list[str]] = {}

    def remember(self, texts: list[str], clauses: list[list[list[str]]]) -> None:
        """The fit's own tokens for its texts (`Segmenter.cut` is the clauses' tokens in a row): c-TF-IDF
        then counts them instead of cutting the same texts again."""
        self._known = {t: [w for c in cl for w in c] for t, cl in zip(texts, clauses)}

    @property
    def segmenter(self) -> Segmenter:
        if self._seg is None:
            self._seg = Segmenter(self.lexicons)
        return self._seg

    def __call__(self, text: str) -> list[str]:
        known = getattr(self, "_known", {}).get(text)
        return list(known) if known is not None else self.segmenter.cut(text)


def make_vectorizer(tokenizer: ChineseTokenizer, min_df: int = 2, max_df: float = 1.0,
                    ngram_range: tuple[int, int] = (1, 1)) -> CountVectorizer:
    return CountVectorizer(tokenizer=tokenizer, token_pattern=None, lowercase=False, min_df=min_df,
                           max_df=max_df, ngram_range=ngram_range)


def reattach_tokenizer(topic_model, tokenizer: ChineseTokenizer) -> None:
    """safetensors/JSON serialisation keeps the vectorizer's vocabulary but drops its tokenizer."""
    topic_model.vectorizer_model.tokenizer = tokenizer
    topic_model.vectorizer_model.token_pattern = None
    topic_model.vectorizer_model.lowercase = False
