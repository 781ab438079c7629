"""AddResults and Operations built from a plan and from what the store answered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from graphmem.models import (
    AddResult,
    EntityRef,
    Memory,
    MemoryOperation,
    Operation,
    OperationKind,
    Relation,
    Usage,
)
from graphmem.resolution import EntityMatch
from graphmem.resolution.planner import PlannedOperation

__all__ = ["entity_matches", "operation", "replayed"]

Row = dict[str, Any]


def entity_matches(
    rows: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, EntityMatch], dict[str, list[EntityMatch]]]:
    """The store's answer, per draft key: the entity with the same key, and look-alikes."""
    exact: dict[str, EntityMatch] = {}
    similar: dict[str, list[EntityMatch]] = {}
    for row in rows:
        key = row["key"]
        if row["exact"] is not None:
            exact[key] = EntityMatch(key=key, score=1.0, exact=True, **row["exact"])
        similar[key] = [EntityMatch(key=key, exact=False, **m) for m in row["similar"]]
    return exact, similar


def replayed(stored: Row, neo4j_queries: int) -> AddResult:
    """The AddResult of an add already stored, rebuilt from the graph (no LLM call, no write)."""
    added = [
        Operation(
            kind=OperationKind.UPDATE if a["previous"] else OperationKind.ADD,
            relation=Relation.from_record(a["fact"]),
            previous=Relation.from_record(a["previous"]) if a["previous"] else None,
        )
        for a in stored["added"]
    ]
    superseded = {op.previous.id for op in added if op.previous is not None}
    deleted = [
        Operation(
            kind=OperationKind.DELETE,
            relation=Relation.from_record(i["fact"]),
            reason=i["reason"],
        )
        for i in stored["invalidated"]
        if i["fact"]["id"] not in superseded
    ]
    confirmed = [
        Operation(kind=OperationKind.NOOP, relation=Relation.from_record(f))
        for f in stored["confirmed"]
    ]
    return AddResult(
        episode_id=stored["episode_id"],
        episode_ids=(stored["episode_id"],),
        entities=tuple(EntityRef(**e) for e in stored["entities"]),
        operations=(*added, *deleted, *confirmed),
        memory_operations=_replayed_memories(stored),
        usage=Usage(),
        neo4j_queries=neo4j_queries,
        replayed=True,
    )


def _replayed_memories(stored: Row) -> tuple[MemoryOperation, ...]:
    added = [
        MemoryOperation(
            kind=OperationKind.UPDATE if a["previous"] else OperationKind.ADD,
            memory=Memory.from_record(a["memory"]),
            previous=Memory.from_record(a["previous"]) if a["previous"] else None,
        )
        for a in stored["memories_added"]
    ]
    superseded = {op.previous.id for op in added if op.previous is not None}
    deleted = [
        MemoryOperation(
            kind=OperationKind.DELETE, memory=Memory.from_record(i["memory"]), reason=i["reason"]
        )
        for i in stored["memories_invalidated"]
        if i["memory"]["id"] not in superseded
    ]
    confirmed = [
        MemoryOperation(kind=OperationKind.NOOP, memory=Memory.from_record(m))
        for m in stored["memories_confirmed"]
    ]
    return (*added, *deleted, *confirmed)


def operation(  # noqa: PLR0917 (one caller)
    op: PlannedOperation,
    entities: Mapping[str, Mapping[str, str]],
    episode_id: str,
    now: datetime,
    observed_at: datetime,
    restated: Mapping[str, str],  # planned fact id -> the id of the fact stored before it
) -> Operation:
    retired = None
    if op.existing is not None and op.kind in (OperationKind.UPDATE, OperationKind.DELETE):
        retired = op.existing.relation.model_copy(
            update={"invalid_at": op.at or observed_at, "invalid_reason": op.reason}
        )
    if op.kind is OperationKind.DELETE:
        assert retired is not None
        return Operation(kind=op.kind, relation=retired, reason=op.reason)
    if op.kind is OperationKind.NOOP:
        assert op.existing is not None
        return Operation(kind=op.kind, relation=op.existing.relation, reason=op.reason)
    assert op.new is not None
    src, tgt = _entity(op, entities, "source"), _entity(op, entities, "target")
    relation = Relation(
        id=op.new.id,
        source=src["name"],
        relation=op.new.relation,
        target=tgt["name"],
        fact=op.new.fact,
        source_type=src["type"],
        target_type=tgt["type"],
        created_at=now,
        valid_at=op.new.valid_at or observed_at,
        invalid_at=op.new.invalid_at,
        invalid_reason=op.new.invalid_reason,
        episode_ids=(episode_id,),
        replaced_by=op.new.followed_by,
    )
    if op.new.id in restated:
        relation = relation.model_copy(update={"id": restated[op.new.id]})
        if op.kind is OperationKind.ADD:
            return Operation(
                kind=OperationKind.NOOP, relation=relation, reason="stored by a concurrent add"
            )
    return Operation(kind=op.kind, relation=relation, previous=retired, reason=op.reason)


def _entity(
    op: PlannedOperation, entities: Mapping[str, Mapping[str, str]], end: str
) -> Mapping[str, str]:
    """The name and type of a new fact's source or target: from this add's entities, or, for
    a stored fact resumed after a cut (its entities need not be this add's), from that fact."""
    assert op.new is not None
    key = op.new.source_key if end == "source" else op.new.target_key
    if key in entities or op.existing is None:
        return entities[key]
    old = op.existing.relation
    if end == "source":
        return {"name": old.source, "type": old.source_type or "Thing"}
    return {"name": old.target, "type": old.target_type or "Thing"}
