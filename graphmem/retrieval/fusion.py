"""Reciprocal rank fusion of ranked id lists."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["reciprocal_rank_fusion", "shared_ranks"]


def shared_ranks(scores: Sequence[float]) -> list[float]:
    """Ranks (from 1) for scores sorted best first, where equal scores share their mean rank:
    a tie carries no order, so a channel that scores every item alike (a keyword query whose
    only match is a name every memory holds) cannot push one of them ahead by chance."""
    ranks: list[float] = []
    start = 0
    while start < len(scores):
        end = start
        while end + 1 < len(scores) and math.isclose(scores[end + 1], scores[start], rel_tol=1e-6):
            end += 1
        ranks += [(start + end) / 2 + 1] * (end - start + 1)
        start = end + 1
    return ranks


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]],
    k: int = 60,
    weights: Mapping[str, float] | None = None,
    ranks: Mapping[str, Sequence[float]] | None = None,
) -> list[tuple[str, float, tuple[str, ...]]]:
    """(id, score, channels that found it), best first.

    Score = sum over channels of weight / (k + rank), divided by its maximum (first in every
    channel), so it lies in (0, 1]. Weights default to 1. ``ranks`` may give a channel's
    ranks explicitly (e.g. ``shared_ranks`` of its scores); else they are 1, 2, 3, ..."""
    weight = {ch: (weights or {}).get(ch, 1.0) for ch in rankings}
    scores: dict[str, float] = {}
    channels: dict[str, list[str]] = {}
    for channel, ids in rankings.items():
        given = (ranks or {}).get(channel)
        for position, item in enumerate(ids):
            rank = given[position] if given is not None else position + 1
            scores[item] = scores.get(item, 0.0) + weight[channel] / (k + rank)
            channels.setdefault(item, []).append(channel)
    best = sum(weight.values()) / (k + 1) if rankings else 1.0
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(item, score / best, tuple(channels[item])) for item, score in ordered]
