"""Pain points: every complaint's own pain point, decided before topics (topics nest under it).

Reads masked complaint texts and their Segmenter tokens, the analysts' taxonomy
(lexicons/painpoints.yaml) and whatever supervision the library holds; produces, per complaint,
a pain point with its confidence, status (`uncertain` below the threshold: the best guess is
kept, never a silent 其他), the evidence that decided and its source, stored per model version in
`assignments`, and a saved model that `update`, `classify` and Spark reuse. In data-flow order:

    taxonomy.py    the taxonomy file: phrases, seeds, weak and handling words, negative cues, actions
    evidence.py    taxonomy evidence per complaint (leftmost-longest matching, cues)
    classifier.py  PainPointClassifier: evidence + a classifier self-trained on the library
    persist.py     save/load as JSON + npz (no pickle; loads without scikit-learn)
    operators.py   the operator's own category attribute -> pain points (operator_categories.yaml)
    corrections.py analysts' per-complaint corrections: command, Excel template, import
    stage.py       fit/update orchestration: supervision, fingerprint, batched decisions
"""

from .classifier import PainPointClassifier
from .taxonomy import OTHER, NotAComplaint, PainPoint, load_taxonomy, resolve_painpoint

__all__ = ["OTHER", "NotAComplaint", "PainPoint", "PainPointClassifier", "load_taxonomy", "resolve_painpoint"]
