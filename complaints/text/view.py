"""The modelling view of a complaint: what segmentation, embedding, clustering, keywords and labels see.

    stored (masked) text -> emoticon codes out, hashtags unwrapped (social)
                         -> learned form out (form: labels, short answers, boilerplate)
                         -> jieba tokens -> places, the form's own words and its yes/no answers out

The stored text never changes; the view is recomputed from it and from the form learned at `fit`
(saved with each model version and in the classify artifact, so `update` and `classify` see
exactly what `fit` saw). `Segmenter` applies the view in `cut`, so every caller that segments
(the lexical embedder, c-TF-IDF keywords, labels, emerging topics, pain points, classify) gets
it; without a learned form, places and social noise still go. Neural embedders read
`Segmenter.neural_text`: the view text with place names cut out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .places import ADDRESS_TAILS, PlaceFilter, address_pieces
from .social import SocialCleaner

if TYPE_CHECKING:
    from .form import FormLearner
    from .lexicons import Lexicons

# A form's yes/no answers, left when a value was not recognised as one (持续:否).
ANSWERS = frozenset({"是", "否", "是否"})


class ModelView:
    """The text-level rules (``text``) and the token-level rules (``drop``) of the view."""

    def __init__(self, lexicons: "Lexicons", form: "FormLearner | None" = None) -> None:
        self.form = form
        self.social = SocialCleaner(lexicons.emoticons)
        self.places = PlaceFilter(lexicons.places, keep=lexicons.keep_places,
                                  known_words=(w.upper() for w, _, _ in lexicons.userdict))
        self.drop_words = (frozenset(form.form_words_) | ANSWERS) if form is not None else frozenset()
        self._known = frozenset(w.upper() for w, _, _ in lexicons.userdict) | lexicons.stopwords

    @property
    def id_suffix(self) -> str:
        """What the segmenter's id adds for a learned form (places and emoticons are lexicons)."""
        return "" if self.form is None else "-form" + self.form.fingerprint()

    def text(self, text: str) -> str:
        text = self.social(text)
        return self.form.transform_one(text) if self.form is not None else text

    def drop(self, token: str) -> bool:
        """A place, one of the form's own words or a form answer: never a topic word."""
        return token in self.drop_words or self.places(token)

    def address(self, pieces: list[str]) -> set[int]:
        """Which of jieba's pieces (stripped) spell an address it cut apart (红旗|西路, 阳光|花园)."""
        if not ADDRESS_TAILS.intersection(pieces) and not any(len(p) == 2 and p[-1] in "路街道巷" for p in pieces):
            return set()
        return address_pieces(pieces, self._known)
