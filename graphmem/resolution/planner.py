"""Turn extracted triplets and what the store already holds into a ResolutionPlan.

Pure functions: the LLM update resolver is passed in as a callable, so the rules here are
tested without a model or a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from graphmem.errors import InvalidInputError
from graphmem.models import (
    OperationKind,
    Relation,
    Triplet,
    normalize_name,
)
from graphmem.prompts.resolution import Decision, UpdateResolution
from graphmem.resolution.names import keep_apart
from graphmem.text import normalize_entity_type, normalize_relation

__all__ = [
    "Candidate",
    "Draft",
    "DraftEntity",
    "DraftFact",
    "EntityMatch",
    "EntityQuestion",
    "PlannedEntity",
    "PlannedFact",
    "PlannedOperation",
    "ResolutionPlan",
    "Resolver",
    "UpdateQuestion",
    "draft_from_triplets",
    "entity_questions",
    "fact_key",
    "fact_text",
    "open_updates",
    "plan_updates",
    "resolve_entities",
    "rule_resolver",
    "settle_updates",
]


@dataclass(frozen=True, slots=True)
class DraftEntity:
    key: str  # normalized name
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class DraftFact:
    source_key: str
    relation: str
    target_key: str
    fact: str


@dataclass(frozen=True, slots=True)
class Draft:
    entities: tuple[DraftEntity, ...]
    facts: tuple[DraftFact, ...]
    # extracted items that could not be used: (what, why)
    skipped: tuple[tuple[str, str], ...] = ()


def fact_key(source_key: str, relation: str, target_key: str) -> str:
    """What makes two valid facts the same: the database holds at most one valid fact per key
    and scope (a uniqueness constraint), so concurrent restatements cannot duplicate it.
    Keys hold no tab (white space folds to single spaces), so the tab separates unambiguously."""
    return f"{source_key}\t{relation}\t{target_key}"


def fact_text(source: str, relation: str, target: str) -> str:
    """What gets embedded and shown: "Alice lives in New York"."""
    return f"{source} {relation.replace('_', ' ')} {target}"


def draft_from_triplets(
    triplets: Iterable[Triplet],
    mentioned: Iterable[tuple[str, str]] = (),
    *,
    strict: bool = False,
) -> Draft:
    """Normalize names, relation names and types; drop duplicates.

    ``mentioned`` are (name, type) pairs the entity extractor found. With ``strict`` (user
    input), an unusable triplet raises InvalidInputError; otherwise (LLM output) it is skipped
    and reported in ``Draft.skipped``."""
    entities: dict[str, DraftEntity] = {}
    facts: dict[tuple[str, str, str], DraftFact] = {}
    skipped: list[tuple[str, str]] = []

    def entity(name: str, type_: str | None) -> DraftEntity | None:
        key = normalize_name(name)
        if not key:
            return None
        if key not in entities:
            entities[key] = DraftEntity(key, " ".join(name.split()), normalize_entity_type(type_))
        elif type_ and entities[key].type == "Thing":
            entities[key] = DraftEntity(key, entities[key].name, normalize_entity_type(type_))
        return entities[key]

    for name, type_ in mentioned:
        if entity(name, type_) is None:
            skipped.append((repr(name), "the entity name is blank"))
    for t in triplets:
        try:
            relation = normalize_relation(t.relation)
        except InvalidInputError as exc:
            if strict:
                raise
            skipped.append((f"{t.source} / {t.relation} / {t.target}", str(exc)))
            continue
        source = entity(t.source, t.source_type)
        target = entity(t.target, t.target_type)
        if source is None or target is None:
            message = "an entity name is blank"
            if strict:
                raise InvalidInputError(f"{t.source!r} -> {t.target!r}: {message}")
            skipped.append((f"{t.source} / {t.relation} / {t.target}", message))
            continue
        key = (source.key, relation, target.key)
        facts.setdefault(
            key,
            DraftFact(
                source.key, relation, target.key, fact_text(source.name, relation, target.name)
            ),
        )
    return Draft(tuple(entities.values()), tuple(facts.values()), tuple(skipped))


@dataclass(frozen=True, slots=True)
class EntityMatch:
    """An existing entity the store found for a draft entity: by its key, or by similarity."""

    key: str  # the draft key it matched
    id: str
    name: str
    normalized_name: str
    type: str
    score: float
    exact: bool


@dataclass(frozen=True, slots=True)
class EntityQuestion:
    """A draft entity and a stored one whose name only looks similar: only a judge (the
    resolver LLM) may merge them."""

    draft: DraftEntity
    candidate: EntityMatch


def entity_questions(
    draft: Draft, similar: Mapping[str, Sequence[EntityMatch]], limit: int
) -> list[EntityQuestion]:
    """The similar pairs worth asking about: at most ``limit``, most similar first, never a
    pair that ``keep_apart`` separates (a number, a qualifier or a given name differs)."""
    asked = [
        EntityQuestion(e, m)
        for e in draft.entities
        for m in similar.get(e.key, ())
        if keep_apart(e.name, m.name, e.type, m.type) is None
    ]
    asked.sort(key=lambda q: -q.candidate.score)
    return asked[:limit]


@dataclass(frozen=True, slots=True)
class PlannedEntity:
    key: str  # canonical normalized name (the stored node's, when it already exists)
    id: str
    name: str
    type: str
    embedding: list[float] | None  # only for entities this add creates
    existing: bool


def resolve_entities(
    draft: Draft,
    matches: Mapping[str, EntityMatch],
    embeddings: Mapping[str, list[float]],
    new_id: Callable[[], str],
) -> tuple[list[PlannedEntity], dict[str, str]]:
    """Reuse matched nodes, create the rest. Returns the entities and draft key -> canonical key."""
    planned: dict[str, PlannedEntity] = {}
    canonical: dict[str, str] = {}
    for e in draft.entities:
        match = matches.get(e.key)
        if match is not None:
            key = match.normalized_name
            planned.setdefault(
                key, PlannedEntity(key, match.id, match.name, match.type, None, existing=True)
            )
        else:
            key = e.key
            planned.setdefault(
                key, PlannedEntity(key, new_id(), e.name, e.type, embeddings[e.key], existing=False)
            )
        canonical[e.key] = key
    return list(planned.values()), canonical


@dataclass(frozen=True, slots=True)
class Candidate:
    """A valid stored fact that the new facts might contradict."""

    source_key: str
    target_key: str
    relation: Relation


@dataclass(frozen=True, slots=True)
class PlannedFact:
    id: str
    source_key: str
    relation: str
    target_key: str
    fact: str
    embedding: list[float]
    supersedes: str | None = None
    valid_at: datetime | None = None  # None: when the episode happened
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlannedOperation:
    kind: OperationKind
    new: PlannedFact | None
    existing: Candidate | None
    reason: str | None


@dataclass(slots=True)
class ResolutionPlan:
    add: list[PlannedFact] = field(default_factory=list)
    # (fact id, why, kind, when it stopped being true: None for the episode's time)
    invalidate: list[tuple[str, str, OperationKind, datetime | None]] = field(default_factory=list)
    confirm: list[str] = field(default_factory=list)
    operations: list[PlannedOperation] = field(default_factory=list)
    # draft key -> the stored entity the resolver said it names
    merges: dict[str, EntityMatch] = field(default_factory=dict)


# Given the existing facts (by short id "E1"...), the new ones ("N1"...) and the entity
# questions ("M1"...), decide.
Resolver = Callable[
    [Mapping[str, Candidate], Mapping[str, PlannedFact], Mapping[str, EntityQuestion]],
    UpdateResolution,
]


@dataclass(frozen=True, slots=True)
class UpdateQuestion:
    """What the update resolver is asked: the existing facts (by short id "E1"...), the new
    ones ("N1"...) and the entity questions ("M1"...), with the plan made so far."""

    plan: ResolutionPlan
    existing: Mapping[str, Candidate]
    new: Mapping[str, PlannedFact]
    questions: Mapping[str, EntityQuestion]
    candidates: Sequence[Candidate]


def plan_updates(
    new_facts: Sequence[PlannedFact],
    candidates: Sequence[Candidate],
    resolver: Resolver | None,
    questions: Sequence[EntityQuestion] = (),
) -> ResolutionPlan:
    """:func:`open_updates`, the resolver's answer, then :func:`settle_updates`."""
    opened = open_updates(new_facts, candidates, questions, resolvable=resolver is not None)
    if isinstance(opened, ResolutionPlan):
        return opened
    assert resolver is not None
    return settle_updates(opened, resolver(opened.existing, opened.new, opened.questions))


def open_updates(
    new_facts: Sequence[PlannedFact],
    candidates: Sequence[Candidate],
    questions: Sequence[EntityQuestion] = (),
    *,
    resolvable: bool,
) -> ResolutionPlan | UpdateQuestion:
    """Exact restatements are NOOPs without asking anyone; the rest go to the resolver (one
    call for all of them, entity questions included) when there is anything they could
    conflict with or any question to answer: then this returns the question to ask.
    Without a resolver (``resolvable=False``) no entity is merged."""
    plan = ResolutionPlan()
    pending = _confirm_restatements(plan, new_facts, candidates)
    if not resolvable or (not questions and (not pending or not candidates)):
        for fact in pending:
            _add(plan, fact, None, None)
        return plan
    return UpdateQuestion(
        plan=plan,
        existing={f"E{i}": c for i, c in enumerate(candidates, 1)},
        new={f"N{i}": f for i, f in enumerate(pending, 1)},
        questions={f"M{i}": q for i, q in enumerate(questions, 1)},
        candidates=candidates,
    )


def settle_updates(asked: UpdateQuestion, reply: UpdateResolution) -> ResolutionPlan:
    """The plan, given the resolver's reply to ``asked``."""
    plan, existing_ids = asked.plan, asked.existing
    new_ids = dict(asked.new)  # merges move facts onto other entities
    decided = _apply_merges(plan, reply, asked.questions, new_ids, asked.candidates)
    retired: set[str] = set()
    for d in reply.decisions:
        old = existing_ids.get(d.existing_id or "")
        if old is not None and old.relation.id in retired:
            old = None  # one retirement per fact
        if d.operation == "DELETE":
            if old is not None:
                retired.add(old.relation.id)
                plan.invalidate.append((old.relation.id, d.reason, OperationKind.DELETE, None))
                plan.operations.append(PlannedOperation(OperationKind.DELETE, None, old, d.reason))
        elif d.new_id in new_ids and d.new_id not in decided:
            decided.add(d.new_id)
            _decide_new(plan, d, new_ids[d.new_id], old, retired)
        # else: an unknown or repeated new id; the default below covers the fact.
    for short_id, fact in new_ids.items():
        if short_id not in decided:
            _add(plan, fact, None, None)
    return plan


def _apply_merges(
    plan: ResolutionPlan,
    reply: UpdateResolution,
    questions: Mapping[str, EntityQuestion],
    new_ids: dict[str, PlannedFact],
    candidates: Sequence[Candidate],
) -> set[str]:
    """Move the new facts onto the entities the resolver merged; a fact that thereby becomes a
    restatement of a stored one is confirmed. Returns the short ids so decided."""
    for answer in reply.entities:
        question = questions.get(answer.id)
        if answer.same and question is not None:
            plan.merges.setdefault(question.draft.key, question.candidate)
    if not plan.merges:
        return set()
    moved = {key: m.normalized_name for key, m in plan.merges.items()}
    by_triplet = {(c.source_key, c.relation.relation, c.target_key): c for c in candidates}
    decided = set()
    for short_id, fact in list(new_ids.items()):
        source = moved.get(fact.source_key, fact.source_key)
        target = moved.get(fact.target_key, fact.target_key)
        if (source, target) == (fact.source_key, fact.target_key):
            continue
        moved_fact = new_ids[short_id] = replace(fact, source_key=source, target_key=target)
        known = by_triplet.get((source, fact.relation, target))
        if known is not None:
            _confirm(plan, moved_fact, known, "already known (same entity)")
            decided.add(short_id)
    return decided


def _confirm_restatements(
    plan: ResolutionPlan, new_facts: Sequence[PlannedFact], candidates: Sequence[Candidate]
) -> list[PlannedFact]:
    """Confirm new facts identical to stored ones; return the others."""
    by_triplet = {(c.source_key, c.relation.relation, c.target_key): c for c in candidates}
    pending = []
    for fact in new_facts:
        known = by_triplet.get((fact.source_key, fact.relation, fact.target_key))
        if known is not None:
            _confirm(plan, fact, known, "already known")
        else:
            pending.append(fact)
    return pending


def _decide_new(
    plan: ResolutionPlan, d: Decision, new: PlannedFact, old: Candidate | None, retired: set[str]
) -> None:
    if d.operation == "UPDATE" and old is not None:
        retired.add(old.relation.id)
        plan.invalidate.append((old.relation.id, d.reason, OperationKind.UPDATE, new.valid_at))
        _add(plan, new, old, d.reason)
    elif d.operation == "NOOP" and old is not None:
        _confirm(plan, new, old, d.reason)
    else:
        # ADD, or an UPDATE / NOOP naming no usable fact: keep the information.
        _add(plan, new, None, d.reason)


def _add(
    plan: ResolutionPlan, fact: PlannedFact, replaces: Candidate | None, why: str | None
) -> None:
    if replaces is not None:
        fact = replace(fact, supersedes=replaces.relation.id)
        plan.operations.append(PlannedOperation(OperationKind.UPDATE, fact, replaces, why))
    else:
        plan.operations.append(PlannedOperation(OperationKind.ADD, fact, None, why))
    plan.add.append(fact)


def _confirm(plan: ResolutionPlan, fact: PlannedFact, known: Candidate, why: str | None) -> None:
    if known.relation.id not in plan.confirm:
        plan.confirm.append(known.relation.id)
    plan.operations.append(PlannedOperation(OperationKind.NOOP, fact, known, why))


def rule_resolver(single_valued: frozenset[str]) -> Resolver:
    """The resolver used without an LLM: a new value of a single-valued relation (lives_in,
    works_at, ...) replaces the scope's current value(s) for the same source; everything else
    is added alongside what is known."""

    def decide(
        existing: Mapping[str, Candidate],
        new: Mapping[str, PlannedFact],
        _questions: Mapping[str, EntityQuestion],
    ) -> UpdateResolution:
        # No judge, no merge: similar names stay apart (the caller asks no questions).
        decisions: list[Decision] = []
        retired: set[str] = set()
        for new_id, fact in new.items():
            if fact.relation not in single_valued:
                decisions.append(_decision("ADD", new_id, None, "rule: multi-valued relation"))
                continue
            olds = [
                eid
                for eid, c in existing.items()
                if c.source_key == fact.source_key
                and c.relation.relation == fact.relation
                and c.target_key != fact.target_key
                and eid not in retired
            ]
            if not olds:
                decisions.append(_decision("ADD", new_id, None, "rule: first value"))
                continue
            why = f"rule: {fact.relation} is single-valued"
            decisions.append(_decision("UPDATE", new_id, olds[0], why))
            decisions += [_decision("DELETE", None, eid, why) for eid in olds[1:]]
            retired.update(olds)
        return UpdateResolution(decisions=decisions)

    return decide


def _decision(op: str, new_id: str | None, existing_id: str | None, why: str) -> Decision:
    return Decision.model_validate(
        {"operation": op, "new_id": new_id, "existing_id": existing_id, "reason": why}
    )
