"""Helpers for fault-injection tests: what a scope holds, exactly, and embedders that fail."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from graphmem import EmbeddingError, Scope
from graphmem.ports import Embedder
from tests.conftest import Cypher

# A phrase of apply_plan.cypher's text: BoltFaultProxy breaks the commit of the add's write.
APPLY_PLAN = "write one add's whole resolution plan"

_SCOPE_NODES = """
CALL () {
  MATCH (n:Fact) WHERE n.scope_key = $k RETURN n
  UNION ALL MATCH (n:Episode) WHERE n.scope_key = $k RETURN n
  UNION ALL MATCH (n:Entity) WHERE n.scope_key = $k RETURN n
  UNION ALL MATCH (n:Scope {scope_key: $k}) RETURN n
}
OPTIONAL MATCH (n)-[r]->(m)
RETURN labels(n) AS labels, properties(n) AS props,
       collect([type(r), properties(r), coalesce(m.id, m.scope_key)]) AS out
"""


def snapshot(cypher: Cypher, scope: Scope) -> list[str]:
    """Every node of the scope with its properties and outgoing relationships, sorted: equal
    snapshots mean nothing was written, changed or half-written in between."""
    rows = cypher(_SCOPE_NODES, {"k": scope.key})
    out = []
    for row in rows:
        props = {k: v for k, v in row["props"].items() if k != "embedding"}
        rels = sorted(json.dumps(r, sort_keys=True, default=str) for r in row["out"])
        out.append(json.dumps([sorted(row["labels"]), props, rels], sort_keys=True, default=str))
    return sorted(out)


def episodes(cypher: Cypher, scope: Scope) -> int:
    rows = cypher(
        "MATCH (ep:Episode) WHERE ep.scope_key = $k RETURN count(ep) AS n", {"k": scope.key}
    )
    return int(rows[0]["n"])


class FailingEmbedder:
    """Delegates to a real embedder, and fails on the calls whose numbers are in ``fail_on``."""

    def __init__(self, inner: Embedder, fail_on: Sequence[int]) -> None:
        self._inner = inner
        self._fail_on = set(fail_on)
        self.calls = 0

    @property
    def dimensions(self) -> int:
        return self._inner.dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls in self._fail_on:
            raise EmbeddingError(f"injected embedder failure (call {self.calls})")
        return self._inner.embed(texts)


def relations(rows: list[Any]) -> list[tuple[str, str, str]]:
    return sorted((r.source, r.relation, r.target) for r in rows)
