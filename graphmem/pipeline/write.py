"""The one write transaction of an add, and what happens when its commit answer is lost."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphmem.effects import Step
from graphmem.errors import CommitUnknownError, StoreError
from graphmem.mem0.update import MemoryUpdate
from graphmem.mem0.update import operations as memory_operations
from graphmem.mem0g.update import Update
from graphmem.models import AddResult, EntityRef, Message, Scope, Usage
from graphmem.pipeline.outcomes import operation, replayed
from graphmem.resolution import ResolutionPlan
from graphmem.store import CommitLostError, statements

__all__ = ["Episode", "nothing", "write"]

Row = dict[str, Any]

_CONSTRAINT_FAILED = "Neo.ClientError.Schema.ConstraintValidationFailed"


def nothing() -> Update:
    """The update of an add that found nothing to remember (its episode is still recorded)."""
    empty: dict[str, Any] = {
        "entities": [],
        "facts": [],
        "invalidations": [],
        "confirmations": [],
    }
    return Update(ResolutionPlan(), {}, empty)


@dataclass(slots=True)
class Episode:
    """What one write records: the words (or the structured batch) and when they happened."""

    id: str
    observed_at: datetime
    messages: list[Message]
    text: str
    metadata: Mapping[str, Any]
    fact_meta: dict[str, Any] = field(default_factory=dict)
    # The caller's idempotency key, or the episode id: either way a lost commit acknowledgement
    # is resolved by looking the key up, never by writing twice.
    key: str = ""

    def __post_init__(self) -> None:
        self.key = self.key or self.id

    def params(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "observed_at": self.observed_at,
            "messages_json": json.dumps(
                [m.model_dump(mode="json", exclude_none=True) for m in self.messages]
            ),
            "text": self.text,
            "metadata_json": json.dumps(dict(self.metadata), default=str),
            "message_count": len(self.messages),
            "idempotency_key": self.key,
        }


def write(
    scope: Scope, episode: Episode, update: Update, memories: MemoryUpdate | None = None
) -> Step[AddResult]:
    """ONE write transaction for the episode, its graph update and its memories (the Mem0
    variant). A commit whose answer was lost is looked up by the episode's key and written
    only if it had not landed."""
    now = datetime.now(UTC)
    memories = memories or MemoryUpdate()
    params = {
        **update.params,
        **memories.params(episode.fact_meta),
        "scope": scope.as_params(),
        "now": now,
        "episode": episode.params(),
    }
    try:
        written = yield statements.apply_plan(params)
    except CommitLostError as exc:
        # The commit may or may not have landed. Look; write only if it did not.
        if (stored := (yield from _stored_by(scope, episode.key, exc))) is not None:
            return replayed(stored, 0)
        written = yield statements.apply_plan(params)
    except StoreError as exc:
        if exc.code != _CONSTRAINT_FAILED or "idempotency_key" not in str(exc):
            raise
        # A concurrent add with the same idempotency key stored it first.
        if (stored := (yield from _stored_by(scope, episode.key, exc))) is None:
            raise
        return replayed(stored, 0)
    created = {e["key"]: bool(e["created"]) for e in written["entities"]}
    # A fact that a concurrent add stored first (same key, see fact_key) was confirmed
    # instead of created: report it as the restatement it turned out to be.
    restated = {f["id"]: f["stored_id"] for f in written["facts"] if not f["created"]}
    return AddResult(
        episode_id=episode.id,
        episode_ids=(episode.id,),
        entities=tuple(
            EntityRef(id=e["id"], name=e["name"], type=e["type"], created=created[e["key"]])
            for e in written["entities"]
        ),
        operations=tuple(
            operation(op, update.entities, episode.id, now, episode.observed_at, restated)
            for op in update.plan.operations
        ),
        memory_operations=memory_operations(
            memories, written["memories"], episode.id, now, episode.observed_at
        ),
        usage=Usage(),
    )


def _stored_by(scope: Scope, key: str, cause: StoreError) -> Step[Row | None]:
    """The add stored under ``key``, or None; CommitUnknownError if Neo4j cannot say."""
    try:
        stored: Row | None = yield statements.episode_outcome(scope.key, key)
    except StoreError as exc:
        raise CommitUnknownError(
            f"{cause}; and Neo4j could not be asked whether the write landed ({exc}). "
            f"Retry the same call with idempotency_key={key!r}: if the write landed, the "
            "retry returns it without writing again",
            idempotency_key=key,
        ) from exc
    return stored
