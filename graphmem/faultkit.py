"""Fault-injection helpers for tests and benchmarks: an exact picture of one scope, and an
embedder that fails on chosen calls. Re-exported by graphmem.testing."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from graphmem.errors import EmbeddingError
from graphmem.models import Scope
from graphmem.ports import Embedder
from graphmem.store.queries import load_query

__all__ = ["FailingEmbedder", "RunQuery", "scope_snapshot"]

RunQuery = Callable[[str, dict[str, Any]], list[dict[str, Any]]]


def scope_snapshot(run: RunQuery, scope: Scope) -> list[str]:
    """Every node of ``scope`` with its properties (embeddings left out) and outgoing
    relationships, as sorted JSON lines: equal snapshots mean nothing changed in between.
    ``run(query, params)`` returns the rows as dicts (e.g. around ``driver.execute_query``)."""
    rows = run(load_query("scope_snapshot"), {"scope_key": scope.key})
    out = []
    for row in rows:
        props = {k: v for k, v in row["props"].items() if k != "embedding"}
        rels = sorted(json.dumps(r, sort_keys=True, default=str) for r in row["out"])
        out.append(json.dumps([sorted(row["labels"]), props, rels], sort_keys=True, default=str))
    return sorted(out)


class FailingEmbedder:
    """Delegates to a real embedder and raises EmbeddingError on the calls numbered in
    ``fail_on`` (1 = the first call); ``calls`` counts them."""

    def __init__(self, inner: Embedder, fail_on: Sequence[int] = ()) -> None:
        self._inner = inner
        self.fail_on = set(fail_on)
        self.calls = 0

    @property
    def dimensions(self) -> int:
        return self._inner.dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls in self.fail_on:
            raise EmbeddingError(f"injected embedder failure (call {self.calls})")
        return self._inner.embed(texts)
