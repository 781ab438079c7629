"""A scope's graph as plain JSON data or as a networkx MultiDiGraph, for exploring elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = ["to_json", "to_networkx"]


def _plain(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)  # neo4j.time.DateTime
    if to_native is not None:
        value = to_native()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_json(scope: Mapping[str, Any], rows: Mapping[str, Any]) -> dict[str, Any]:
    """{"scope": ..., "entities": [...], "relations": [...], "memories": [...]}:
    JSON-serializable, ISO times (memories: the Mem0 variant's; empty for the graph alone)."""
    return {
        "scope": dict(scope),
        "entities": [{k: _plain(v) for k, v in e.items()} for e in rows["entities"]],
        "relations": [
            {**{k: _plain(v) for k, v in f.items()}, "valid": f["invalid_at"] is None}
            for f in rows["facts"]
        ],
        "memories": [
            {**{k: _plain(v) for k, v in m.items()}, "valid": m["invalid_at"] is None}
            for m in rows["memories"]
        ],
    }


def to_networkx(data: Mapping[str, Any]) -> Any:
    """A networkx.MultiDiGraph: entity ids as nodes, one edge per fact (key = fact id)."""
    try:
        import networkx as nx
    except ImportError as exc:
        from graphmem.errors import ConfigurationError

        raise ConfigurationError(
            "export(format='networkx') needs networkx: pip install 'graphmem[explore]'"
        ) from exc
    graph = nx.MultiDiGraph(scope=data["scope"])
    for e in data["entities"]:
        graph.add_node(e["id"], **{k: v for k, v in e.items() if k != "id"})
    for f in data["relations"]:
        attrs = {k: v for k, v in f.items() if k not in ("id", "source_id", "target_id")}
        graph.add_edge(f["source_id"], f["target_id"], key=f["id"], **attrs)
    return graph
