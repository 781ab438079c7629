"""Reciprocal rank fusion of ranked id lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["reciprocal_rank_fusion"]


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]],
    k: int = 60,
    weights: Mapping[str, float] | None = None,
) -> list[tuple[str, float, tuple[str, ...]]]:
    """(id, score, channels that found it), best first.

    Score = sum over channels of weight / (k + rank), divided by its maximum (first in every
    channel), so it lies in (0, 1]. Weights default to 1."""
    weight = {ch: (weights or {}).get(ch, 1.0) for ch in rankings}
    scores: dict[str, float] = {}
    channels: dict[str, list[str]] = {}
    for channel, ids in rankings.items():
        for rank, item in enumerate(ids, 1):
            scores[item] = scores.get(item, 0.0) + weight[channel] / (k + rank)
            channels.setdefault(item, []).append(channel)
    best = sum(weight.values()) / (k + 1) if rankings else 1.0
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(item, score / best, tuple(channels[item])) for item, score in ordered]
