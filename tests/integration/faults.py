"""Helpers for fault-injection tests: what a scope holds, exactly, and embedders that fail."""

from __future__ import annotations

from typing import Any

from graphmem import Scope
from graphmem.testing import FailingEmbedder, scope_snapshot
from tests.conftest import Cypher

__all__ = ["APPLY_PLAN", "FailingEmbedder", "episodes", "relations", "snapshot"]

# A phrase of apply_plan.cypher's text: BoltFaultProxy breaks the commit of the add's write.
APPLY_PLAN = "write one add's whole resolution plan"


def snapshot(cypher: Cypher, scope: Scope) -> list[str]:
    return scope_snapshot(cypher, scope)


def episodes(cypher: Cypher, scope: Scope) -> int:
    rows = cypher(
        "MATCH (ep:Episode) WHERE ep.scope_key = $k RETURN count(ep) AS n", {"k": scope.key}
    )
    return int(rows[0]["n"])


def relations(rows: list[Any]) -> list[tuple[str, str, str]]:
    return sorted((r.source, r.relation, r.target) for r in rows)
