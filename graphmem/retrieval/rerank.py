"""Rerankers applied after rank fusion. Pure functions over the fused candidates."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import numpy.typing as npt

__all__ = ["RERANKERS", "Candidate", "by_entity_distance", "by_recency", "mmr"]

RERANKERS = ("none", "mmr", "entity_distance", "recency", "cross_encoder")


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    score: float
    text: str
    valid_at: datetime
    mentions: int  # episodes that stated the fact
    hops: int | None  # distance from the query's linked entities (None: not in the subgraph)
    embedding: Sequence[float] | None = None


def _sorted(items: list[Candidate]) -> list[Candidate]:
    return sorted(items, key=lambda c: (-c.score, c.id))


def by_entity_distance(items: Sequence[Candidate]) -> list[Candidate]:
    """Facts of the linked entities first, then 2 hops away, then the rest."""
    factor = {1: 1.0, 2: 0.8}
    return _sorted([replace(c, score=c.score * factor.get(c.hops or 0, 0.6)) for c in items])


def by_recency(
    items: Sequence[Candidate], now: datetime, half_life_days: float = 365.0
) -> list[Candidate]:
    """Newer and more often restated facts first: three quarters of the score decays with age
    (fusion ranks are steep, fusion_k 5: a gentler decay could not lift a newer fact over the
    one ranked just above it), and each restatement adds a little (log scale)."""
    out = []
    for c in items:
        age_days = max(0.0, (now - c.valid_at).total_seconds() / 86400.0)
        recency = 0.25 + 0.75 * math.exp(-math.log(2) * age_days / half_life_days)
        boost = 1.0 + 0.1 * math.log1p(max(0, c.mentions - 1))
        out.append(replace(c, score=c.score * recency * boost))
    return _sorted(out)


def mmr(
    items: Sequence[Candidate], query: Sequence[float], limit: int, diversity: float = 0.5
) -> list[Candidate]:
    """Maximal marginal relevance: relevance to the query minus similarity to what is already
    chosen, so near-duplicate facts do not crowd the results. Scores become MMR values.

    One matrix product gives every pairwise cosine (pure-Python cosines made a hybrid+mmr
    search ~45 ms slower than plain hybrid at 20 candidates per channel)."""
    pool = [c for c in items if c.embedding is not None]
    if not pool or limit <= 0:
        return []
    vectors = _unit_rows(np.asarray([c.embedding for c in pool], dtype=np.float64))
    target = _unit_rows(np.asarray([query], dtype=np.float64))[0]
    relevance = vectors @ target
    similarity = vectors @ vectors.T
    redundancy = np.zeros(len(pool))  # max similarity to what is chosen (0 before any is)
    open_ = np.ones(len(pool), dtype=bool)
    chosen: list[Candidate] = []
    while open_.any() and len(chosen) < limit:
        value = np.where(open_, (1 - diversity) * relevance - diversity * redundancy, -np.inf)
        best = int(np.argmax(value))  # the first of equal values, in candidate order
        chosen.append(replace(pool[best], score=float(value[best])))
        open_[best] = False
        redundancy = (
            np.maximum(redundancy, similarity[:, best]) if len(chosen) > 1 else similarity[:, best]
        )
    return chosen


def _unit_rows(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1.0, norms)


def apply_scores(items: Sequence[Candidate], scores: Mapping[str, float]) -> list[Candidate]:
    return _sorted([replace(c, score=scores[c.id]) for c in items])
