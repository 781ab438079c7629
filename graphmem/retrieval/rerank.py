"""Rerankers applied after rank fusion. Pure functions over the fused candidates."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

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


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


def mmr(
    items: Sequence[Candidate], query: Sequence[float], limit: int, diversity: float = 0.5
) -> list[Candidate]:
    """Maximal marginal relevance: relevance to the query minus similarity to what is already
    chosen, so near-duplicate facts do not crowd the results. Scores become MMR values."""
    pool = [c for c in items if c.embedding is not None]
    relevance = {c.id: _cosine(c.embedding, query) for c in pool}  # type: ignore[arg-type]
    chosen: list[Candidate] = []
    while pool and len(chosen) < limit:
        best, best_value = None, -math.inf
        for c in pool:
            redundancy = max(
                (_cosine(c.embedding, s.embedding) for s in chosen),  # type: ignore[arg-type]
                default=0.0,
            )
            value = (1 - diversity) * relevance[c.id] - diversity * redundancy
            if value > best_value:
                best, best_value = c, value
        assert best is not None
        chosen.append(replace(best, score=best_value))
        pool.remove(best)
    return chosen


def apply_scores(items: Sequence[Candidate], scores: Mapping[str, float]) -> list[Candidate]:
    return _sorted([replace(c, score=scores[c.id]) for c in items])
