"""Turn extracted triplets and what the store already holds into a ResolutionPlan.

Pure functions: the LLM update resolver is passed in as a callable, so the rules here are
tested without a model or a database.
"""

from __future__ import annotations

import uuid
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
from graphmem.resolution.guards import read_ids, retirement_refusal
from graphmem.resolution.names import keep_apart
from graphmem.resolution.timeline import LATEST, Resumption, contains, place
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
    "Timeline",
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
    """A stored fact that the new facts might contradict (valid), or a retired one of the same
    source and relation (history: new facts are placed among them by valid time)."""

    source_key: str
    target_key: str
    relation: Relation
    # Times it was told again within its interval (graphmem.resolution.timeline).
    stated_at: tuple[datetime, ...] = ()

    @property
    def triplet(self) -> tuple[str, str, str]:
        return (self.source_key, self.relation.relation, self.target_key)


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
    # When it stopped being true: stated, or where the next stored value starts (history).
    invalid_at: datetime | None = None
    # The stored fact that starts where this one ends (it then supersedes this one).
    followed_by: str | None = None
    invalid_reason: str | None = None  # why it is written already retired
    # A stored fact resumed after a cut: its embedding is copied from that fact in the write,
    # and its told-again times after the resumption come along.
    copy_of: str | None = None
    stated_at: tuple[datetime, ...] = ()

    @property
    def triplet(self) -> tuple[str, str, str]:
        return (self.source_key, self.relation, self.target_key)


@dataclass(frozen=True, slots=True)
class PlannedOperation:
    kind: OperationKind
    new: PlannedFact | None
    existing: Candidate | None
    reason: str | None
    at: datetime | None = None  # when ``existing`` stopped being true (UPDATE, DELETE)


@dataclass(slots=True)
class ResolutionPlan:
    add: list[PlannedFact] = field(default_factory=list)
    # (fact id, why, kind, when it stopped being true: None for the episode's time). A retired
    # fact is listed too when a value told out of order ends it earlier than it ended.
    invalidate: list[tuple[str, str, OperationKind, datetime | None]] = field(default_factory=list)
    confirm: list[str] = field(default_factory=list)
    operations: list[PlannedOperation] = field(default_factory=list)
    # draft key -> the stored entity the resolver said it names
    merges: dict[str, EntityMatch] = field(default_factory=dict)
    # decisions not applied: (what, why)
    refused: list[tuple[str, str]] = field(default_factory=list)
    # (fact id, valid time) of restatements told for a time after the fact began
    restated: list[tuple[str, datetime]] = field(default_factory=list)
    # (fact id, valid time) of restatements for an earlier time, where no other value came
    # between: the fact starts then instead (its old start is kept as a restatement time)
    extended: dict[str, datetime] = field(default_factory=dict)
    retired_ids: set[str] = field(default_factory=set)  # the ids in ``invalidate``

    def retire(self, fact_id: str, why: str, kind: OperationKind, at: datetime | None) -> None:
        self.invalidate.append((fact_id, why, kind, at))
        self.retired_ids.add(fact_id)


# Given the existing facts (by short id "E1"...), the new ones ("N1"...) and the entity
# questions ("M1"...), decide.
Resolver = Callable[
    [Mapping[str, Candidate], Mapping[str, PlannedFact], Mapping[str, EntityQuestion]],
    UpdateResolution,
]


@dataclass(frozen=True)
class Timeline:
    """What the planner knows of time: the stored facts of the new facts' sources and
    relations, retired ones included, the relations that hold one value at a time, and the
    add's time (the valid time of facts that state none)."""

    stored: Sequence[Candidate] = ()
    single_valued: frozenset[str] = frozenset()
    now: datetime | None = None
    new_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    # The stored facts by (source, relation): a batch of thousands is planned in linear time.
    _by_pair: dict[tuple[str, str], list[Candidate]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_pair: dict[tuple[str, str], list[Candidate]] = {}
        for c in self.stored:
            by_pair.setdefault((c.source_key, c.relation.relation), []).append(c)
        object.__setattr__(self, "_by_pair", by_pair)

    def time_of(self, fact: PlannedFact) -> datetime:
        return fact.valid_at or self.now or LATEST

    def same(self, fact: PlannedFact) -> list[Candidate]:
        """The stored facts with the triplet of ``fact``."""
        pair = self._by_pair.get((fact.source_key, fact.relation), [])
        return [c for c in pair if c.target_key == fact.target_key]

    def chain(self, fact: PlannedFact, replaces: Candidate | None) -> list[Candidate]:
        """The stored facts that exclude ``fact`` over time (see graphmem.resolution.timeline)."""
        pairs = []
        if fact.relation in self.single_valued:
            pairs.append((fact.source_key, fact.relation))
        if replaces is not None:
            pairs.append((replaces.source_key, replaces.relation.relation))
        found = {c.relation.id: c for c in self.same(fact)}
        for pair in dict.fromkeys(pairs):
            found |= {c.relation.id: c for c in self._by_pair.get(pair, [])}
        return list(found.values())


@dataclass(frozen=True, slots=True)
class UpdateQuestion:
    """What the update resolver is asked: the existing facts (by short id "E1"...), the new
    ones ("N1"...) and the entity questions ("M1"...), with the plan made so far."""

    plan: ResolutionPlan
    existing: Mapping[str, Candidate]
    new: Mapping[str, PlannedFact]
    questions: Mapping[str, EntityQuestion]
    candidates: Sequence[Candidate]
    timeline: Timeline = Timeline()


def plan_updates(
    new_facts: Sequence[PlannedFact],
    candidates: Sequence[Candidate],
    resolver: Resolver | None,
    questions: Sequence[EntityQuestion] = (),
    timeline: Timeline | None = None,
) -> ResolutionPlan:
    """:func:`open_updates`, the resolver's answer, then :func:`settle_updates`."""
    opened = open_updates(
        new_facts, candidates, questions, resolvable=resolver is not None, timeline=timeline
    )
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
    timeline: Timeline | None = None,
) -> ResolutionPlan | UpdateQuestion:
    """Restatements (the same triplet stored with an interval holding the new fact's time) are
    NOOPs, and a known fact told for another time is placed in its history, without asking
    anyone; the rest go to the resolver (one call for all of them, entity questions included)
    when there is anything they could conflict with or any question to answer: then this
    returns the question to ask. Without a resolver (``resolvable=False``) no entity is
    merged. ``candidates`` are valid facts; ``timeline.stored`` adds the retired ones."""
    timeline = timeline or Timeline(stored=candidates)
    if not timeline.stored and candidates:
        timeline = replace(timeline, stored=candidates)
    plan = ResolutionPlan()
    pending = _known_triplets(plan, new_facts, timeline)
    if not resolvable or (not questions and (not pending or not candidates)):
        for fact in pending:
            _place(plan, fact, None, None, timeline)
        return plan
    return UpdateQuestion(
        plan=plan,
        existing={f"E{i}": c for i, c in enumerate(candidates, 1)},
        new={f"N{i}": f for i, f in enumerate(pending, 1)},
        questions={f"M{i}": q for i, q in enumerate(questions, 1)},
        candidates=candidates,
        timeline=timeline,
    )


def settle_updates(
    asked: UpdateQuestion,
    reply: UpdateResolution,
    *,
    exclusive: Sequence[Sequence[str]] | None = (),
) -> ResolutionPlan:
    """The plan, given the resolver's reply to ``asked``. Every new fact is placed by its valid
    time: an UPDATE whose new value is older than the fact it names stores the new value as
    history and keeps the newer one current; a DELETE never ends a fact before it began.

    Ids are read by their prefix wherever the reply put them; a decision naming an id it was
    not shown is refused. A retirement (UPDATE, DELETE) is applied only where a new fact of the
    same source with a related relation (``exclusive`` groups beside the built-in ones) or the
    same target can replace it; otherwise it is refused, the old fact kept and an UPDATE's new
    fact added (``exclusive`` None: every retirement as decided). Refusals go to plan.refused."""
    plan, existing_ids, timeline = asked.plan, asked.existing, asked.timeline
    new_ids = dict(asked.new)  # merges move facts onto other entities
    decided = _apply_merges(plan, reply, asked.questions, new_ids, asked.candidates)
    retired: set[str] = set()
    for given in reply.decisions:
        d = read_ids(given, new_ids, existing_ids)
        if isinstance(d, str):
            plan.refused.append((_said(given), d))
            continue
        old = existing_ids.get(d.existing_id or "")
        if old is not None and old.relation.id in retired:
            old = None  # one retirement per fact
        if old is not None and exclusive is not None:
            d = _plausible(plan, d, old, new_ids, exclusive)
            if d.existing_id is None:
                old = None
            if d.operation == "NOOP" and old is None:
                continue  # a refused DELETE
        if d.operation == "DELETE":
            if old is not None:
                _delete(
                    plan,
                    old,
                    d.reason,
                    new_facts=new_ids.values(),
                    timeline=timeline,
                    retired=retired,
                )
        elif d.new_id in new_ids and d.new_id not in decided:
            decided.add(d.new_id)
            _decide_new(plan, d, new_ids[d.new_id], old, retired=retired, timeline=timeline)
        # else: an unknown or repeated new id; the default below covers the fact.
    for short_id, fact in new_ids.items():
        if short_id not in decided:
            _place(plan, fact, None, None, timeline)
    return plan


def _plausible(
    plan: ResolutionPlan,
    d: Decision,
    old: Candidate,
    new_ids: Mapping[str, PlannedFact],
    exclusive: Sequence[Sequence[str]],
) -> Decision:
    """``d``, or, when the retirement it decides is not plausible (guards.retirement_refusal),
    the decision that keeps the old fact: an UPDATE becomes an ADD, a DELETE a NOOP naming
    nothing; the refusal is reported."""
    if d.operation not in ("UPDATE", "DELETE"):
        return d
    by = [new_ids[d.new_id]] if d.new_id is not None and d.new_id in new_ids else []
    if d.operation == "DELETE":
        by = list(new_ids.values())
    why = retirement_refusal(old.triplet, (f.triplet for f in by), exclusive)
    if why is None:
        return d
    plan.refused.append((f"{d.operation} {old.relation.fact}", why))
    kept = "ADD" if d.operation == "UPDATE" else "NOOP"
    return d.model_copy(update={"operation": kept, "existing_id": None})


def _said(d: Decision) -> str:
    return f"{d.operation} new_id={d.new_id} existing_id={d.existing_id}"


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
    by_triplet = {c.triplet: c for c in candidates}
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


def _known_triplets(
    plan: ResolutionPlan, new_facts: Sequence[PlannedFact], timeline: Timeline
) -> list[PlannedFact]:
    """Confirm restatements and place known facts told for another time; return the others."""
    pending = []
    for fact in new_facts:
        moment = timeline.time_of(fact)
        same = timeline.same(fact)
        known = next((c for c in same if contains(c.relation, moment)), None)
        if known is not None:
            _confirm(plan, fact, known, "already known")
        elif same and fact.relation in timeline.single_valued:
            _place(plan, fact, None, "already known for another time", timeline)
        else:  # new, or known for another time: what it ends is the resolver's question
            pending.append(fact)
    return pending


def _decide_new(
    plan: ResolutionPlan,
    d: Decision,
    new: PlannedFact,
    old: Candidate | None,
    *,
    retired: set[str],
    timeline: Timeline,
) -> None:
    if d.operation == "UPDATE" and old is not None:
        retired.add(old.relation.id)
        _place(plan, new, old, d.reason, timeline)
    elif d.operation == "NOOP" and old is not None:
        if old.triplet == new.triplet and timeline.time_of(new) < old.relation.valid_at:
            _place(plan, new, old, d.reason, timeline)  # known, from earlier on: history
        else:
            _confirm(plan, new, old, d.reason)
    else:
        # ADD, or an UPDATE / NOOP naming no usable fact: keep the information.
        _place(plan, new, None, d.reason, timeline)


def _place(
    plan: ResolutionPlan,
    fact: PlannedFact,
    replaces: Candidate | None,
    why: str | None,
    timeline: Timeline,
) -> None:
    """Add ``fact`` at its valid time: stored values of its chain whose interval holds that
    time end there (and resume where they were told again later), and it ends where the next
    one starts (graphmem.resolution.timeline)."""
    chain = timeline.chain(fact, replaces)
    moment = timeline.time_of(fact)
    where = place(
        moment,
        fact.invalid_at,
        fact.triplet,
        [(c.triplet, c.relation, c.stated_at) for c in chain],
    )
    by_id = {c.relation.id: c for c in chain}
    later = by_id.get(where.follower or "")
    if (
        later is not None
        and later.triplet == fact.triplet
        and fact.invalid_at is None
        and where.ends_at == later.relation.valid_at
    ):
        # The same fact, told for an earlier time than it was known from, with no other
        # value between: it starts earlier (one fact, not two adjacent ones).
        _extend(plan, fact, later, moment, why, [by_id[r.id] for r in where.cut])
        return
    cut = [by_id[r.id] for r in where.cut if r.id not in plan.retired_ids]
    resumed = [
        _resumption(by_id[r.fact.id], r, chain, timeline.new_id())
        for r in where.resumed
        if r.fact.id not in plan.retired_ids
    ]
    follower = where.follower
    for r in resumed:
        if r.valid_at == where.ends_at:
            follower = r.id
    at = fact.valid_at  # None: the episode's time, as the write fills it in
    ended = None
    if where.ends_at is not None:
        ended = "ended as stated" if where.ends_at == fact.invalid_at else "a later value is known"
    fact = replace(fact, invalid_at=where.ends_at, followed_by=follower, invalid_reason=ended)
    reason = why or "replaced by a value from a later time"
    for c in cut:
        plan.retire(c.relation.id, reason, OperationKind.UPDATE, at)
    first, rest = (cut[0], cut[1:]) if cut else (None, [])
    if first is not None:
        fact = replace(fact, supersedes=first.relation.id)
        plan.operations.append(PlannedOperation(OperationKind.UPDATE, fact, first, why, at))
    else:
        plan.operations.append(PlannedOperation(OperationKind.ADD, fact, None, why))
    for c in rest:
        plan.operations.append(PlannedOperation(OperationKind.DELETE, None, c, reason, at))
    plan.add.append(fact)
    for r in resumed:
        # ``existing``: the fact it resumes (its entities may not be among this add's).
        plan.operations.append(
            PlannedOperation(OperationKind.ADD, r, by_id[r.copy_of or ""], _RESUMED)
        )
        plan.add.append(r)


_RESUMED = "told again for a time after a value that came between"


def _extend(  # noqa: PLR0917 (one caller)
    plan: ResolutionPlan,
    fact: PlannedFact,
    known: Candidate,
    moment: datetime,
    why: str | None,
    cut: Sequence[Candidate],
) -> None:
    """``known`` holds from ``moment`` on; the values holding then end there."""
    reason = why or "replaced by a value from a later time"
    for c in cut:
        if c.relation.id not in plan.retired_ids:
            plan.retire(c.relation.id, reason, OperationKind.UPDATE, fact.valid_at)
            plan.operations.append(
                PlannedOperation(OperationKind.DELETE, None, c, reason, fact.valid_at)
            )
    earliest = plan.extended.get(known.relation.id)
    if earliest is None or moment < earliest:
        plan.extended[known.relation.id] = moment
    if known.relation.id not in plan.confirm:
        plan.confirm.append(known.relation.id)
    plan.operations.append(
        PlannedOperation(OperationKind.NOOP, fact, known, why or "known, from earlier on")
    )


def _resumption(
    cut: Candidate, told: Resumption, chain: Sequence[Candidate], new_id: str
) -> PlannedFact:
    """The cut fact again, from the first time it was told again after the cut, until the
    cut fact's old end."""
    old = cut.relation
    follower = next(
        (c.relation.id for c in chain if old.invalid_at and c.relation.valid_at == old.invalid_at),
        None,
    )
    return PlannedFact(
        id=new_id,
        source_key=cut.source_key,
        relation=old.relation,
        target_key=cut.target_key,
        fact=old.fact,
        embedding=[],
        supersedes=None,
        valid_at=told.at,
        invalid_at=old.invalid_at,
        followed_by=follower,
        invalid_reason=old.invalid_reason,
        copy_of=old.id,
        stated_at=told.later,
    )


def _delete(
    plan: ResolutionPlan,
    old: Candidate,
    why: str,
    *,
    new_facts: Iterable[PlannedFact],
    timeline: Timeline,
    retired: set[str],
) -> None:
    """Retire ``old`` at the time of the new value of its source and relation, if this add has
    one, else at the add's time; never before it began (an older statement does not end a
    newer fact: the DELETE is refused and reported)."""
    times = [
        timeline.time_of(f)
        for f in new_facts
        if (f.source_key, f.relation) == (old.source_key, old.relation.relation)
    ]
    at = min(times) if times else timeline.now
    if at is not None and at < old.relation.valid_at:
        plan.refused.append(
            (
                f"DELETE {old.relation.fact}",
                f"it is true since {old.relation.valid_at.date()}, after the time of what "
                f"contradicts it ({at.date()}); kept",
            )
        )
        return
    retired.add(old.relation.id)
    if old.relation.id in plan.retired_ids:
        return
    stored_at = at if times else None  # None: the episode's time, as the write fills it in
    plan.retire(old.relation.id, why, OperationKind.DELETE, stored_at)
    plan.operations.append(PlannedOperation(OperationKind.DELETE, None, old, why, stored_at))


def _confirm(plan: ResolutionPlan, fact: PlannedFact, known: Candidate, why: str | None) -> None:
    if known.relation.id not in plan.confirm:
        plan.confirm.append(known.relation.id)
    # Told again for a later time: kept, so a value told later for a time in between cuts the
    # fact there and it resumes then (graphmem.resolution.timeline).
    told = fact.valid_at
    if told is not None and told > known.relation.valid_at and told not in known.stated_at:
        plan.restated.append((known.relation.id, told))
    plan.operations.append(PlannedOperation(OperationKind.NOOP, fact, known, why))


def rule_resolver(single_valued: frozenset[str]) -> Resolver:
    """The resolver used without an LLM: a new value of a single-valued relation (lives_in,
    works_at, ...) replaces the scope's value(s) for the same source that hold at its valid
    time (see graphmem.resolution.timeline); everything else is added alongside what is known."""

    def decide(
        existing: Mapping[str, Candidate],
        new: Mapping[str, PlannedFact],
        _questions: Mapping[str, EntityQuestion],
    ) -> UpdateResolution:
        # No judge, no merge: similar names stay apart (the caller asks no questions).
        decisions: list[Decision] = []
        for new_id, fact in new.items():
            if fact.relation not in single_valued:
                decisions.append(_decision("ADD", new_id, None, "rule: multi-valued relation"))
                continue
            old = next(
                (
                    eid
                    for eid, c in existing.items()
                    if (c.source_key, c.relation.relation) == (fact.source_key, fact.relation)
                    and c.target_key != fact.target_key
                ),
                None,
            )
            why = f"rule: {fact.relation} is single-valued"
            # The placement ends every value of the chain that holds at the new time.
            decisions.append(_decision("UPDATE" if old else "ADD", new_id, old, why))
        return UpdateResolution(decisions=decisions)

    return decide


def _decision(op: str, new_id: str | None, existing_id: str | None, why: str) -> Decision:
    return Decision.model_validate(
        {"operation": op, "new_id": new_id, "existing_id": existing_id, "reason": why}
    )
