"""The data graphmem takes and returns. Immutable pydantic models."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from graphmem.errors import InvalidInputError, ScopeError
from graphmem.text import name_key, require_unicode
from graphmem.times import from_query, storable

__all__ = [
    "AddResult",
    "EntityRef",
    "Message",
    "Operation",
    "OperationKind",
    "Relation",
    "Scope",
    "ScoredRelation",
    "SearchResult",
    "Skipped",
    "Triplet",
    "Usage",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Input(_Model):
    """A model built from caller input: every string must be valid Unicode."""

    @field_validator("*", mode="after")
    @classmethod
    def _valid_unicode(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            require_unicode(value, str(info.field_name))
        return value


class Message(_Input):
    role: Literal["user", "assistant", "system", "tool"] = "user"
    content: str
    name: str | None = None  # the speaker, when a conversation has several
    # When it was said (shown to the extraction model; relative times such as "last month" are
    # resolved against it). Default: the add's ``timestamp``.
    timestamp: datetime | None = None


# Scope ids are an index key's prefix (with a name, a fact key or a memory key after them).
MAX_SCOPE_KEY_BYTES = 4096


class Scope(_Model):
    """Whose memory: any non-empty combination of user, agent and run.

    Scopes are exact: memory written with (alice, run 1) is not visible from (alice) alone.
    """

    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None

    @classmethod
    def of(cls, user_id: str | None, agent_id: str | None, run_id: str | None) -> Scope:
        ids = {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}
        for name, value in ids.items():
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ScopeError(f"{name} must be a non-empty string or None, got {value!r}")
            if value is not None:
                try:
                    require_unicode(value, name)
                except InvalidInputError as exc:
                    raise ScopeError(str(exc)) from exc
        if all(v is None for v in ids.values()):
            raise ScopeError(
                "a scope is required: pass user_id=, agent_id= and/or run_id= "
                "(memory is never read or written without one)"
            )
        scope = cls(**ids)
        size = len(scope.key.encode())
        if size > MAX_SCOPE_KEY_BYTES:
            # The scope key is part of range index keys, which Neo4j caps at ~8 kB.
            raise ScopeError(
                f"the scope's ids take {size} bytes together (UTF-8), more than "
                f"{MAX_SCOPE_KEY_BYTES}: use shorter ids (e.g. a hash of a long one)"
            )
        return scope

    @property
    def key(self) -> str:
        """One string that identifies the scope exactly (stored on every node)."""
        return json.dumps([self.user_id, self.agent_id, self.run_id], separators=(",", ":"))

    @property
    def token(self) -> str:
        """A hash of ``key`` that is a single full-text term (used to filter inside Lucene)."""
        return "s" + hashlib.sha256(self.key.encode()).hexdigest()[:31]

    def as_params(self) -> dict[str, str | None]:
        return {
            "scope_key": self.key,
            "scope_token": self.token,
            "user_id": self.user_id,
            "agent_id": self.agent_id,
            "run_id": self.run_id,
        }


def _utc(moment: datetime) -> datetime:
    return storable(moment).astimezone(UTC)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Metadata keys become property names "meta_<key>": identifiers, in any script.
_META_KEY = re.compile(r"^[^\W\d]\w{0,63}$")
MAX_NAME_CHARS = 200
# The identity key of an entity name (see graphmem.text.name_key).
normalize_name = name_key


def metadata_properties(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Metadata as Neo4j properties ``meta_<key>``; keys are checked identifiers and values
    must be strings, numbers, booleans or lists of one of those."""
    out: dict[str, Any] = {}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not _META_KEY.match(key):
            raise InvalidInputError(
                f"metadata key {key!r} must be a letter or _ followed by letters, digits or _"
            )
        if isinstance(value, list):
            if (value and len({type(v) for v in value}) != 1) or not all(
                isinstance(v, str | int | float | bool) for v in value
            ):
                raise InvalidInputError(f"metadata {key!r}: a list must hold one simple type")
        elif not isinstance(value, str | int | float | bool):
            raise InvalidInputError(
                f"metadata {key!r} must be a string, number, boolean or list of one of those, "
                f"not {type(value).__name__}"
            )
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                require_unicode(item, f"metadata {key!r}")
            elif isinstance(item, int) and not _INT64_MIN <= item <= _INT64_MAX:
                raise InvalidInputError(
                    f"metadata {key!r}: {item} does not fit in 64 bits (Neo4j's INTEGER); "
                    "store it as a string"
                )
        out[f"meta_{key}"] = value
    return out


MAX_MEMORY_CHARS = 10_000


class Triplet(_Input):
    """A (source, relation, target) fact, as extracted or as given to ``add_triplets``."""

    source: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    relation: str = Field(min_length=1, max_length=100)
    target: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    source_type: str | None = None
    target_type: str | None = None
    valid_at: datetime | None = None  # when it became true (default: the add's timestamp)
    # When it stopped being true, if it has: the fact is then stored as history.
    invalid_at: datetime | None = None
    metadata: dict[str, Any] | None = None  # filterable in search (see SearchResult filters)

    @model_validator(mode="after")
    def _ordered(self) -> Triplet:
        if self.invalid_at is not None:
            start = self.valid_at or self.invalid_at
            if _utc(self.invalid_at) < _utc(start):
                raise ValueError(
                    f"invalid_at ({self.invalid_at.isoformat()}) is before valid_at "
                    f"({start.isoformat()}): a fact cannot stop being true before it began"
                )
        return self


class MemoryInput(_Input):
    """One memory for ``add_memories``: stored as given (the Mem0 variant, no extraction)."""

    text: str = Field(min_length=1, max_length=MAX_MEMORY_CHARS)
    valid_at: datetime | None = None  # when it became true (default: the add's timestamp)
    metadata: dict[str, Any] | None = None  # filterable in search


class OperationKind(StrEnum):
    ADD = "ADD"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    NOOP = "NOOP"


class Relation(_Model):
    """A stored fact: an edge between two entities, with its validity and provenance."""

    id: str
    source: str
    relation: str
    target: str
    fact: str
    source_type: str | None = None
    target_type: str | None = None
    created_at: datetime
    valid_at: datetime
    invalid_at: datetime | None = None
    invalid_reason: str | None = None
    episode_ids: tuple[str, ...] = ()
    replaced_by: str | None = None  # id of the fact that superseded this one (UPDATE)

    @property
    def valid(self) -> bool:
        return self.invalid_at is None

    @classmethod
    def from_record(cls, row: dict[str, Any]) -> Relation:
        return cls(
            id=row["id"],
            source=row["source"],
            relation=row["relation"],
            target=row["target"],
            fact=row["fact"],
            source_type=row.get("source_type"),
            target_type=row.get("target_type"),
            created_at=from_query(row["created_at"]),
            valid_at=from_query(row["valid_at"]),
            invalid_at=from_query(row["invalid_at"]) if row.get("invalid_at") else None,
            invalid_reason=row.get("invalid_reason"),
            episode_ids=tuple(row.get("episode_ids") or ()),
            replaced_by=row.get("replaced_by"),
        )


class Memory(_Model):
    """A stored natural-language memory (the Mem0 variant), with its validity and provenance.
    An UPDATE or DELETE retires it (``invalid_at``, ``invalid_reason``); it is never erased."""

    id: str
    text: str
    created_at: datetime
    valid_at: datetime
    invalid_at: datetime | None = None
    invalid_reason: str | None = None
    episode_ids: tuple[str, ...] = ()
    replaced_by: str | None = None  # id of the memory that superseded this one (UPDATE)

    @property
    def valid(self) -> bool:
        return self.invalid_at is None

    @classmethod
    def from_record(cls, row: dict[str, Any]) -> Memory:
        return cls(
            id=row["id"],
            text=row["text"],
            created_at=from_query(row["created_at"]),
            valid_at=from_query(row["valid_at"]),
            invalid_at=from_query(row["invalid_at"]) if row.get("invalid_at") else None,
            invalid_reason=row.get("invalid_reason"),
            episode_ids=tuple(row.get("episode_ids") or ()),
            replaced_by=row.get("replaced_by"),
        )


class EntityRef(_Model):
    id: str
    name: str
    type: str
    created: bool = False  # True when this add created the node


class Operation(_Model):
    kind: OperationKind
    relation: Relation
    # For UPDATE: the fact it replaced. For DELETE: None (``relation`` is the retired fact).
    previous: Relation | None = None
    reason: str | None = None


class MemoryOperation(_Model):
    kind: OperationKind
    memory: Memory
    # For UPDATE: the memory it replaced. For DELETE: None (``memory`` is the retired one).
    previous: Memory | None = None
    reason: str | None = None


class Usage(_Model):
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    by_role: dict[str, int] = Field(default_factory=dict)  # LLM calls per role

    def __add__(self, other: Usage) -> Usage:
        roles = dict(self.by_role)
        for role, calls in other.by_role.items():
            roles[role] = roles.get(role, 0) + calls
        return Usage(
            llm_calls=self.llm_calls + other.llm_calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            by_role=roles,
        )


class Skipped(_Model):
    """Something the LLM extracted that could not be stored, and why."""

    item: str
    reason: str


class AddResult(_Model):
    episode_id: str  # the (last) episode written; add_triplets may write several
    episode_ids: tuple[str, ...] = ()
    entities: tuple[EntityRef, ...]
    operations: tuple[Operation, ...]
    usage: Usage
    neo4j_queries: int = 0  # round trips to Neo4j this add made
    skipped: tuple[Skipped, ...] = ()  # extracted items not stored, with the reason
    # True when the idempotency key was already stored: nothing was run or written this time.
    replayed: bool = False
    # The Mem0 variant's decisions (GraphMemConfig.variant "mem0" or "both"); empty otherwise.
    memory_operations: tuple[MemoryOperation, ...] = ()

    def of_kind(self, kind: OperationKind) -> list[Operation]:
        return [op for op in self.operations if op.kind is kind]


class ForgetResult(_Model):
    """What ``forget`` erased: every scope holding the ids, and how many nodes they held."""

    scopes: tuple[Scope, ...]
    nodes_deleted: int


class ScoredRelation(_Model):
    relation: Relation
    score: float
    # Which retrieval channels found it: "entity" (subgraph), "semantic" (vector), "keyword".
    channels: tuple[str, ...]
    hops: int | None = None  # distance from the query's linked entities, if it was reached

    # Flat accessors, so a result reads like a triplet.
    @property
    def source(self) -> str:
        return self.relation.source

    @property
    def target(self) -> str:
        return self.relation.target

    @property
    def name(self) -> str:
        return self.relation.relation

    @property
    def valid(self) -> bool:
        return self.relation.valid


class ScoredMemory(_Model):
    memory: Memory
    score: float
    # Which retrieval channels found it: "semantic" (vector), "keyword" (full-text).
    channels: tuple[str, ...]

    @property
    def text(self) -> str:
        return self.memory.text


class SearchResult(_Model):
    query: str
    relations: tuple[ScoredRelation, ...]
    linked_entities: tuple[EntityRef, ...]
    usage: Usage
    # The Mem0 variant's memories, best first (GraphMemConfig.variant "mem0" or "both").
    memories: tuple[ScoredMemory, ...] = ()

    def facts(self) -> list[str]:
        """The text of every result, facts then memories, each best first."""
        return [r.relation.fact for r in self.relations] + [m.memory.text for m in self.memories]

    def to_context(self, max_tokens: int = 1000, encoding: str = "cl100k_base") -> str:
        """A compact memory block for an LLM prompt: facts and memories with their dates, best
        first (taken in turns when there are both), while they fit in ``max_tokens`` (counted
        with tiktoken), then the entities they concern."""
        from graphmem.retrieval.context import render_context

        return render_context(
            [r.relation for r in self.relations],
            self.linked_entities,
            max_tokens,
            encoding,
            memories=[m.memory for m in self.memories],
        )
