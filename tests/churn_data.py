"""One generated operator, ingested and fitted once per test session, shared by test_link,
test_features and test_churn (the fit is the expensive part).

Size: planted port-out effects are only recoverable with enough port-outs. With 12,000
customers (~18,000 complaints, ~650 port-out requests) the four planted pain points came out
on top for three seeds out of three (1, 2, 3), with the zero-shot mapping and with an analyst's
curated one; at 6,000 customers they did not (noise), so this is the smallest size used.

The zero-shot pain-point mapper is not perfect (83% of complaints get their true pain point here):
it files a small porting topic (携转资格 …) under 合约与违约金, and mixed topics under their runner-up.
An analyst fixes that with `complaints topics painpoint ID 类别`; the fixture plays that analyst
(majority true pain point of each topic, from ground_truth.json) through the real curation API,
after recording the lift table of the uncurated, zero-shot mapping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from complaints.config import Library
from complaints.churn.lift import painpoint_lift
from complaints.store import open_store
from complaints.topics.curate import set_painpoint
from complaints.topics.fit import fit_library

from .conftest import generated_library

N_CUSTOMERS = 12000
SEED = 1
PLANTED = {"携号转网受阻", "网络质量", "资费争议", "增值业务乱订"}


@dataclass
class ChurnDemo:
    root: Path
    data: Path
    lib: Library
    truth: dict
    zero_shot_lift: pd.DataFrame
    curated_topics: int


_CACHE: dict[str, ChurnDemo] = {}


def churn_demo(tmp_path_factory) -> ChurnDemo:
    if "demo" not in _CACHE:
        root = tmp_path_factory.mktemp("churn_demo")
        data, lib = generated_library(root, N_CUSTOMERS, SEED, ("customers", "complaints", "weibo", "ports"))
        fit_library(lib, embedder="lexical", clustering="kmeans", n_topics=60)
        truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))
        zero_shot = painpoint_lift(lib)
        curated = _curate_like_an_analyst(lib, truth["complaint_pain_points"])
        _CACHE["demo"] = ChurnDemo(root, data, lib, truth, zero_shot, curated)
    return _CACHE["demo"]


def _curate_like_an_analyst(lib: Library, truth: dict[str, str]) -> int:
    """Map each topic to the pain point most of its complaints truly have (the emerging double-charging
    topic is a billing matter, as the operator files it)."""
    with open_store(lib) as s:
        a = s.query("SELECT complaint_id, topic_id, painpoint FROM assignments "
                    "WHERE version = (SELECT max(version) FROM model_versions) AND topic_id >= 0")
    a["truth"] = a["complaint_id"].map(truth).replace({"emerging": "billing"})
    majority = a.dropna(subset=["truth"]).groupby("topic_id")["truth"].agg(lambda x: x.value_counts().index[0])
    current = a.groupby("topic_id")["painpoint"].first()
    changed = 0
    for topic_id, key in majority.items():
        if current[topic_id] != key:
            set_painpoint(lib, int(topic_id), key)
            changed += 1
    return changed
