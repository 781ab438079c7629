"""Asking a vector index again when the filters left too few of its neighbours.

The index answers before validity, time, relation, type and metadata filters are checked, so
the nearest k can all be filtered out (a fact moved sixty times: its retired versions are the
nearest) while a match exists further away. The search queries count what the index returned
(``semantic_raw``) next to what it was asked for (``semantic_k``; null for an exact scan)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphmem.effects import Statement, Step

__all__ = ["too_few", "widened"]

_SEMANTIC = ("semantic", "semantic_raw", "semantic_k")


def widened(
    statement: Callable[[Mapping[str, Any]], Statement],
    params: Mapping[str, Any],
    row: Mapping[str, Any],
    details: str,
) -> Step[Mapping[str, Any]]:
    """``row`` with its semantic channel asked again for four times as many neighbours, up to
    ``max_k``, while the index returned all it was asked for and the filters left the channel
    fewer than ``limit``. ``details``: the row's list of item details, merged by id."""
    factor = 1
    while "semantic" in params["channels"] and too_few(
        row["semantic_raw"],
        row["semantic_k"],
        len(row["semantic"]),
        params["limit"],
        params["max_k"],
    ):
        factor *= 4
        again = yield statement(
            {
                **params,
                "channels": ["semantic"],
                "k": min(params["k"] * factor, params["max_k"]),  # Neo4j 2026: LIMIT k
                "k_factor": factor,  # Neo4j 5.26: k grows with the scope's share of the index
            }
        )
        found = {i["id"]: i for i in row[details]} | {i["id"]: i for i in again[details]}
        row = {**row, **{key: again[key] for key in _SEMANTIC}, details: list(found.values())}
    return row


def too_few(raw: int, asked: int | None, kept: int, wanted: int, max_k: int) -> bool:
    """Whether to ask the index again: it returned all ``asked`` (so more may exist; None is
    an exact scan, which saw everything), the filters left fewer than ``wanted``, and it may
    still be asked for more."""
    return asked is not None and raw >= asked and asked < max_k and kept < wanted
