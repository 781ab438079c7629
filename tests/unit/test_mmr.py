"""graphmem.retrieval.rerank.mmr against the definition of maximal marginal relevance,
written out the slow way."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from graphmem.retrieval.rerank import Candidate, mmr

WHEN = datetime(2024, 1, 1, tzinfo=UTC)


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


def _reference(
    items: Sequence[Candidate], query: Sequence[float], limit: int, diversity: float
) -> list[tuple[str, float]]:
    """Each step picks the candidate with the highest (1 - d) * relevance - d * (its highest
    similarity to one already chosen; 0 before any is), the first of equals."""
    pool = [c for c in items if c.embedding is not None]
    chosen: list[Candidate] = []
    out: list[tuple[str, float]] = []
    while pool and len(chosen) < limit:
        values = [
            (1 - diversity) * _cosine(c.embedding or (), query)
            - diversity
            * max((_cosine(c.embedding or (), s.embedding or ()) for s in chosen), default=0.0)
            for c in pool
        ]
        best = values.index(max(values))
        chosen.append(pool[best])
        out.append((pool[best].id, values[best]))
        pool.pop(best)
    return out


def _candidates(vectors: Sequence[Sequence[float] | None]) -> list[Candidate]:
    return [
        Candidate(id=f"f{i}", score=1.0, text="", valid_at=WHEN, mentions=1, hops=None, embedding=v)
        for i, v in enumerate(vectors)
    ]


@pytest.mark.parametrize("seed", range(20))
def test_mmr_chooses_what_the_definition_chooses(seed: int) -> None:
    rng = random.Random(seed)
    dims, size = rng.choice([3, 8, 384]), rng.randint(1, 60)
    vectors: list[Sequence[float] | None] = [
        [rng.gauss(0, 1) for _ in range(dims)] if rng.random() > 0.1 else None for _ in range(size)
    ]
    query = [rng.gauss(0, 1) for _ in range(dims)]
    limit, diversity = rng.randint(0, 15), rng.choice([0.0, 0.3, 0.5, 0.9, 1.0])

    got = [(c.id, c.score) for c in mmr(_candidates(vectors), query, limit, diversity)]

    expected = _reference(_candidates(vectors), query, limit, diversity)
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-9)


def test_dissimilar_choices_count_their_negative_similarity() -> None:
    """Opposite vectors: the second pick's redundancy is -1, not 0, so its MMR value rises."""
    got = mmr(_candidates([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]), [1.0, 0.0], 3, 0.5)
    expected = _reference(_candidates([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]), [1.0, 0.0], 3, 0.5)
    assert [(c.id, round(c.score, 9)) for c in got] == [(i, round(s, 9)) for i, s in expected]
    assert [c.id for c in got] == ["f0", "f1", "f2"]  # f1 (value 0) before the zero vector
