"""The Mem0 update phase as a step: embed the candidate memories, ask the store for each one's
restatement and most similar stored memories (one query), let the resolver decide ADD /
UPDATE / DELETE / NOOP (one LLM call, skipped when nothing similar is stored), and build the
write's parameters."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from graphmem.config import GraphMemConfig
from graphmem.effects import Embed, Step
from graphmem.models import Memory, MemoryOperation, OperationKind, Scope
from graphmem.prompts import memory_updates
from graphmem.prompts.resolution import Decision, UpdateDecisions, reply_schema
from graphmem.resolution.guards import memory_subject, read_ids
from graphmem.retrieval.widening import too_few
from graphmem.store import statements
from graphmem.structured import UsageMeter, structured
from graphmem.times import from_query

__all__ = ["Candidate", "MemoryUpdate", "PlannedMemory", "memory_key", "plan_memories"]

Row = Mapping[str, Any]


def memory_key(text: str) -> str:
    """What makes two memories one: the text, case-folded, with its spaces collapsed. A key
    over 1,024 bytes (UTF-8) is its SHA-256 instead: it is a range index key, and Neo4j
    refuses index keys over ~8 kB (a memory may hold 10,000 characters)."""
    key = " ".join(text.split()).casefold()
    if len(key.encode()) <= _MAX_KEY_BYTES:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


_MAX_KEY_BYTES = 1024


# A memory to decide about: its text, when it became true (None: the episode's time) and its
# metadata properties (keys prefixed "meta_").
Candidate = tuple[str, datetime | None, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class PlannedMemory:
    id: str
    key: str
    text: str
    embedding: list[float]
    valid_at: datetime | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    # Set when a later memory it would replace is already stored: it is written as history,
    # valid until that one began (which then supersedes it).
    invalid_at: datetime | None = None
    followed_by: str | None = None


@dataclass(frozen=True, slots=True)
class MemoryDecision:
    kind: OperationKind
    new: PlannedMemory | None  # ADD, UPDATE
    existing: Row | None  # the stored memory: UPDATE, DELETE, NOOP
    reason: str | None
    # NOOP of the same words for an earlier time: the stored memory starts then instead.
    since: datetime | None = None


@dataclass(slots=True)
class MemoryUpdate:
    """What one add will write of memories, and the candidates it could not store."""

    decisions: list[MemoryDecision] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    now: datetime | None = None  # the add's time: when memories that state none began

    def params(self, meta: Mapping[str, Any]) -> dict[str, Any]:
        """The write's memory parameters (cypher/queries/apply_plan.cypher), sorted by key so
        concurrent writers lock in one order."""
        added = sorted(
            ((d.new, d.existing) for d in self.decisions if d.new is not None),
            key=lambda pair: pair[0].key,
        )
        retired = {
            d.existing["id"]: {
                "memory_id": d.existing["id"],
                "reason": d.reason or "",
                "kind": d.kind.value,
                "at": d.new.valid_at if d.new is not None and d.new.valid_at else self.now,
            }
            for d in self.decisions
            if d.existing is not None and d.kind in (OperationKind.UPDATE, OperationKind.DELETE)
        }
        # A restatement for an earlier time: the memory starts then (the earliest told).
        confirmed: dict[str, datetime | None] = {}
        for d in self.decisions:
            if d.existing is not None and d.kind is OperationKind.NOOP:
                times = [t for t in (d.since, confirmed.get(d.existing["id"])) if t is not None]
                confirmed[d.existing["id"]] = min(times) if times else None
        return {
            "memories": [
                {
                    "id": new.id,
                    "key": new.key,
                    "text": new.text,
                    "embedding": new.embedding,
                    "valid_at": new.valid_at,
                    "invalid_at": new.invalid_at,
                    "followed_by": new.followed_by,
                    "supersedes": existing["id"] if existing is not None else None,
                    "meta": {**meta, **new.meta},
                }
                for new, existing in added
            ],
            "memory_invalidations": [retired[k] for k in sorted(retired)],
            "memory_confirmations": [
                {"memory_id": mid, "since": confirmed[mid]}
                for mid in sorted(set(confirmed) - set(retired))
            ],
        }


def plan_memories(
    config: GraphMemConfig,
    scope: Scope,
    candidates: Sequence[Candidate],
    *,
    meter: UsageMeter | None,
    output_retries: int,
    now: datetime,
) -> Step[MemoryUpdate]:
    """The update phase for ``candidates``; ``meter`` None decides without an LLM (every
    candidate that is not a restatement is added). Candidates that state no time began at
    ``now``. The same words for an earlier time move the stored memory's start back; a memory
    older than the one the resolver says it replaces is kept as history (the rules for facts:
    graphmem.resolution.timeline)."""
    update = MemoryUpdate(now=now)
    wanted: dict[str, Candidate] = {}
    for text, valid_at, meta in candidates:
        reason = _unusable(text)
        if reason:
            update.skipped.append((text, reason))
        else:
            wanted.setdefault(memory_key(text), (" ".join(text.split()), valid_at, meta))
    if not wanted:
        return update
    vectors: list[list[float]] = yield Embed(tuple(text for text, _, _ in wanted.values()))
    planned = [
        PlannedMemory(uuid.uuid4().hex, key, text, vector, valid_at or now, meta)
        for (key, (text, valid_at, meta)), vector in zip(wanted.items(), vectors, strict=True)
    ]
    # Without a resolver only restatements matter: the similar memories are not looked up.
    rows = yield statements.similar_memories(
        _similar_params(config, scope, planned, similar=meter is not None)
    )
    found = {r["key"]: r for r in rows}
    if meter is not None:
        found = yield from _current_neighbours(config, scope, planned, found)
    pending = []
    for m in planned:
        same = found[m.key]["same"]
        if same is None:
            pending.append(m)
        elif _began(m) < from_query(same["valid_at"]):  # the same words, for an earlier time
            update.decisions.append(
                MemoryDecision(OperationKind.NOOP, None, same, _EARLIER, since=m.valid_at)
            )
        else:  # said before in the same words: no question to ask
            update.decisions.append(MemoryDecision(OperationKind.NOOP, None, same, "already known"))
    similar = {s["id"]: s for m in pending for s in found[m.key]["similar"]}
    if not similar or meter is None:
        update.decisions += [MemoryDecision(OperationKind.ADD, m, None, None) for m in pending]
    else:
        guard = config.retirement_guard == "structural"
        decisions = yield from _resolve(
            similar, pending, meter, output_retries, update.skipped, guard=guard
        )
        update.decisions += _in_time_order(decisions, now, update.skipped)
    return update


_EARLIER = "known, from earlier on"


def _began(memory: PlannedMemory) -> datetime:
    assert memory.valid_at is not None  # plan_memories gives every candidate a time
    return memory.valid_at


def _before(memory: PlannedMemory, later: Row) -> PlannedMemory:
    """``memory`` as history: valid until the stored ``later`` one began."""
    return replace(memory, invalid_at=from_query(later["valid_at"]), followed_by=later["id"])


def _in_time_order(
    decisions: Sequence[MemoryDecision], now: datetime, skipped: list[tuple[str, str]]
) -> list[MemoryDecision]:
    """An UPDATE whose new memory is older than the one it names keeps the newer one and
    stores the older as history; a DELETE never ends a memory before it began (refused, and
    said in ``skipped``)."""
    out = []
    for d in decisions:
        old, new = d.existing, d.new
        old_start = from_query(old["valid_at"]) if old is not None else None
        if old is None or old_start is None:
            out.append(d)
        elif d.kind is OperationKind.UPDATE and new is not None and _began(new) < old_start:
            out.append(MemoryDecision(OperationKind.ADD, _before(new, old), None, d.reason))
        elif d.kind is OperationKind.DELETE and now < old_start:
            skipped.append(
                (
                    f"DELETE {old['text']}",
                    f"it is true since {old_start.date()}, after this add's time "
                    f"({now.date()}); kept",
                )
            )
        else:
            out.append(d)
    return out


def _similar_params(
    config: GraphMemConfig, scope: Scope, planned: Sequence[PlannedMemory], *, similar: bool
) -> dict[str, Any]:
    """The parameters of cypher/queries/similar_memories.cypher."""
    return {
        "scope_key": scope.key,
        "similar": similar,
        "candidates": [{"key": m.key, "embedding": m.embedding} for m in planned],
        "k": config.similar_memories,
        "search_k": 2 * config.similar_memories,
        "exact_max": config.retrieval.exact_scan_max,
        "oversample": config.retrieval.oversample,
        "max_k": config.retrieval.max_k,
        "k_factor": 1,
    }


def _current_neighbours(
    config: GraphMemConfig,
    scope: Scope,
    planned: Sequence[PlannedMemory],
    found: dict[str, Row],
) -> Step[dict[str, Row]]:
    """Retired memories are skipped after the vector index answers, so a memory replaced many
    times could hide its current version from the resolver (which then kept both). While the
    index returned every neighbour asked for and fewer than ``similar_memories`` current ones
    remain, ask it again, for four times as many, up to ``max_k``."""
    k, max_k = config.similar_memories, config.retrieval.max_k

    def short_of_current(row: Row) -> bool:
        return too_few(row["raw"], row["asked"], len(row["similar"]), k, max_k)

    factor = 1
    while short := [m for m in planned if short_of_current(found[m.key])]:
        factor *= 4
        params = _similar_params(config, scope, short, similar=True)
        params |= {"search_k": min(params["search_k"] * factor, max_k), "k_factor": factor}
        rows = yield statements.similar_memories(params)
        found = {**found, **{r["key"]: r for r in rows}}
    return found


def _resolve(
    similar: Mapping[str, Row],
    pending: Sequence[PlannedMemory],
    meter: UsageMeter,
    output_retries: int,
    refused: list[tuple[str, str]],
    *,
    guard: bool,
) -> Step[list[MemoryDecision]]:
    """The paper's update call: one request for every candidate of the add."""
    existing = {f"E{i}": row for i, row in enumerate(similar.values(), 1)}
    new = {f"N{i}": m for i, m in enumerate(pending, 1)}
    system, user = memory_updates.build(
        [(i, r["text"]) for i, r in existing.items()], [(i, m.text) for i, m in new.items()]
    )
    reply = yield from structured(
        role=memory_updates.ROLE,
        system=system,
        user=user,
        response_model=UpdateDecisions,
        meter=meter,
        output_retries=output_retries,
        schema=reply_schema(UpdateDecisions, list(new), list(existing)),
    )
    return settle(reply, existing, new, refused, guard=guard)


def settle(
    reply: UpdateDecisions,
    existing: Mapping[str, Row],
    new: Mapping[str, PlannedMemory],
    refused: list[tuple[str, str]] | None = None,
    *,
    guard: bool = True,
) -> list[MemoryDecision]:
    """The resolver's decisions, made safe: ids are read by their prefix wherever they sit,
    each stored memory is retired at most once, a candidate left undecided is added (nothing
    said is lost). A decision naming an id it was not shown is refused; with ``guard``, so is
    a retirement of a memory about another subject than every new memory it could come from
    (the old memory is kept; an UPDATE's new memory added). Refusals go to ``refused``."""
    out: list[MemoryDecision] = []
    retired: set[str] = set()
    decided: set[str] = set()
    refusals = refused if refused is not None else []
    for given in reply.decisions:
        d = read_ids(given, new, existing)
        if isinstance(d, str):
            said = f"{given.operation} new_id={given.new_id} existing_id={given.existing_id}"
            refusals.append((said, d))
            continue
        old = existing.get(d.existing_id or "")
        if old is not None and old["id"] in retired:
            old = None
        if old is not None and guard and not _plausible(d, old, new, refusals):
            if d.operation == "DELETE":
                continue
            old = None  # the UPDATE's new memory is added; the old one kept
        if d.operation == "DELETE":
            if old is not None:
                retired.add(old["id"])
                out.append(MemoryDecision(OperationKind.DELETE, None, old, d.reason))
            continue
        cand = new.get(d.new_id or "")
        if cand is None or d.new_id in decided:
            continue
        decided.add(d.new_id or "")
        if d.operation == "UPDATE" and old is not None:
            retired.add(old["id"])
            out.append(MemoryDecision(OperationKind.UPDATE, cand, old, d.reason))
        elif d.operation == "NOOP" and old is not None:
            out.append(MemoryDecision(OperationKind.NOOP, None, old, d.reason))
        else:
            out.append(MemoryDecision(OperationKind.ADD, cand, None, d.reason))
    out += [
        MemoryDecision(OperationKind.ADD, m, None, None) for i, m in new.items() if i not in decided
    ]
    return out


def _plausible(
    d: Decision, old: Row, new: Mapping[str, PlannedMemory], refusals: list[tuple[str, str]]
) -> bool:
    """Whether ``d`` may retire ``old``: an UPDATE's new memory, or for a DELETE one of the
    add's new memories, is about the same subject (or that cannot be told); else refused."""
    if d.operation not in ("UPDATE", "DELETE"):
        return True
    by = [new[d.new_id]] if d.new_id is not None and d.new_id in new else []
    if d.operation == "DELETE":
        by = list(new.values())
    subject = memory_subject(old["text"])
    if subject is None or any(memory_subject(m.text) in (subject, None) for m in by):
        return True
    refusals.append(
        (
            f"{d.operation} {old['text']}",
            "no new memory is about the same subject; kept (a resolver may retire only what "
            "a new memory contradicts)",
        )
    )
    return False


def operations(
    update: MemoryUpdate,
    written: Sequence[Row],
    episode_id: str,
    now: datetime,
    observed_at: datetime,
) -> tuple[MemoryOperation, ...]:
    """What the add did to memories, as the caller sees it. A memory a concurrent add stored
    first (same key) was confirmed instead of created: reported as the NOOP it turned into."""
    stored = {w["id"]: w["stored_id"] for w in written if not w["created"]}
    out = []
    for d in update.decisions:
        previous = None
        if d.existing is not None:
            previous = Memory.from_record(dict(d.existing))
            if d.kind in (OperationKind.UPDATE, OperationKind.DELETE):
                when = d.new.valid_at if d.new is not None and d.new.valid_at else observed_at
                previous = previous.model_copy(
                    update={"invalid_at": when, "invalid_reason": d.reason}
                )
        if d.new is None:
            assert previous is not None
            out.append(MemoryOperation(kind=d.kind, memory=previous, reason=d.reason))
            continue
        memory = Memory(
            id=stored.get(d.new.id, d.new.id),
            text=d.new.text,
            created_at=now,
            valid_at=d.new.valid_at or observed_at,
            invalid_at=d.new.invalid_at,
            invalid_reason="a later memory is known" if d.new.invalid_at else None,
            episode_ids=(episode_id,),
            replaced_by=d.new.followed_by,
        )
        kind = OperationKind.NOOP if d.new.id in stored and d.kind is OperationKind.ADD else d.kind
        reason = "stored by a concurrent add" if kind is not d.kind else d.reason
        out.append(MemoryOperation(kind=kind, memory=memory, previous=previous, reason=reason))
    return tuple(out)


def _unusable(text: str) -> str | None:
    if not text.strip():
        return "blank memory"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode (a lone surrogate)"
    return None
