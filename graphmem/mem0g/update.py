"""The Mem0g update phase as a step: embed the draft, ask the store what it already knows
(one query), let the resolver decide, and build the parameters of the one write."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphmem.config import GraphMemConfig
from graphmem.effects import Embed, Statement, Step, done
from graphmem.models import Relation, Scope
from graphmem.pipeline.outcomes import entity_matches
from graphmem.prompts import resolution as resolution_prompt
from graphmem.prompts.resolution import (
    UpdateDecisions,
    UpdateResolution,
    dated,
    reply_schema,
)
from graphmem.resolution import Draft, EntityMatch, ResolutionPlan, resolve_entities
from graphmem.resolution.planner import (
    Candidate,
    EntityQuestion,
    PlannedEntity,
    PlannedFact,
    Timeline,
    entity_questions,
    fact_key,
    open_updates,
    rule_resolver,
    settle_updates,
)
from graphmem.store import statements
from graphmem.structured import UsageMeter, structured
from graphmem.text import relationship_type
from graphmem.times import from_query

__all__ = ["PerFact", "StepResolver", "Update", "llm_resolver", "new_id", "plan_update", "rules"]

# Per (source key, relation, target key): when the fact became true and stopped being true
# (None: not stated) and its metadata (add_triplets, and times an extraction stated).
PerFact = Mapping[tuple[str, str, str], tuple[datetime | None, datetime | None, dict[str, Any]]]
# Given the existing facts ("E1"...), the new ones ("N1"...) and the entity questions
# ("M1"...), decide: the rules at once, the LLM resolver through a Chat effect.
StepResolver = Callable[
    [Mapping[str, Candidate], Mapping[str, PlannedFact], Mapping[str, EntityQuestion]],
    Step[UpdateResolution],
]


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Update:
    """What one add will write: the plan, the entities by draft key, the write's parameters."""

    plan: ResolutionPlan
    entities: Mapping[str, Mapping[str, str]]
    params: dict[str, Any]


def plan_update(
    config: GraphMemConfig,
    scope: Scope,
    draft: Draft,
    *,
    resolver: StepResolver | None,
    per_fact: PerFact,
    fact_meta: Mapping[str, Any],
    match_similar: bool,
    llm_context: bool,
    observed_at: datetime,
    single_valued: frozenset[str] = frozenset(),
) -> Step[Update]:
    """Entity resolution and conflict detection for ``draft``: one embedding call, one query,
    at most one resolver call. Facts that state no time are valid from ``observed_at``; every
    fact is placed among the stored values of its relation by valid time."""
    vectors: list[list[float]] = yield Embed(
        (*(e.name for e in draft.entities), *(f.fact for f in draft.facts))
    )
    entity_vectors = {e.key: vectors[i] for i, e in enumerate(draft.entities)}
    fact_vectors = vectors[len(draft.entities) :]
    # Similar names are questions for the LLM resolver; without one, only equal keys merge,
    # so there is nothing to look up by vector.
    ask_similar = match_similar and llm_context
    # Similar facts only inform the LLM resolver, and only small batches are worth it;
    # rules need only the facts sharing a new fact's source and relation.
    similar_facts = llm_context and len(draft.facts) <= 50
    found = yield _known(
        config,
        scope,
        draft,
        entity_vectors if ask_similar else None,
        fact_vectors if similar_facts else None,
    )
    exact, similar_names = entity_matches(found["matches"])
    questions = entity_questions(draft, similar_names, config.max_entity_questions)
    new_facts = _planned_facts(
        draft, exact, fact_vectors, per_fact, fact_meta, observed_at=observed_at
    )
    stored = _relevant(found, exact, questions)
    candidates = [c for c in stored if c.relation.valid]
    timeline = Timeline(stored, single_valued, observed_at, new_id)
    opened = open_updates(
        new_facts, candidates, questions, resolvable=resolver is not None, timeline=timeline
    )
    if isinstance(opened, ResolutionPlan):
        plan = opened
    else:
        assert resolver is not None
        reply = yield from resolver(opened.existing, opened.new, opened.questions)
        guard = config.retirement_guard == "structural"
        plan = settle_updates(
            opened, reply, exclusive=config.exclusive_relations if guard else None
        )
    planned, _ = resolve_entities(draft, {**exact, **plan.merges}, entity_vectors, new_id)
    entities = {e.key: {"name": e.name, "type": e.type} for e in planned}
    return Update(plan, entities, _write_params(plan, planned))


def _known(
    config: GraphMemConfig,
    scope: Scope,
    draft: Draft,
    entity_vectors: Mapping[str, list[float]] | None,
    fact_vectors: Sequence[list[float]] | None,
) -> Statement:
    """The store's query for what it knows: same-key entities (and look-alikes when
    ``entity_vectors`` is given), and the facts the new ones may conflict with (by vector too
    when ``fact_vectors`` is given). Vectors cost serialization time: only those used go."""
    rel_types: dict[str, set[str]] = {}
    for f in draft.facts:
        rel_types.setdefault(f.source_key, set()).add(relationship_type(f.relation))
    cfg = config
    return statements.resolve_entities(
        {
            "scope_key": scope.key,
            "entities": [
                {
                    "key": e.key,
                    "embedding": entity_vectors[e.key] if entity_vectors else None,
                    "rel_types": sorted(rel_types.get(e.key, ())),
                }
                for e in draft.entities
            ],
            "fact_embeddings": list(fact_vectors) if fact_vectors is not None else [],
            "use_vectors": entity_vectors is not None,
            "similar_candidates": fact_vectors is not None,
            "k": cfg.entity_candidates,
            "max_k": cfg.retrieval.max_k,
            "exact_max": cfg.retrieval.exact_scan_max,
            "min_score": (1.0 + cfg.entity_match_threshold) / 2.0,
            "max_similar": cfg.entity_questions_per_name,
            "max_candidates": 40,
            "max_expand": cfg.retrieval.max_expand,
        }
    )


def _planned_facts(
    draft: Draft,
    exact: Mapping[str, EntityMatch],
    fact_vectors: Sequence[list[float]],
    per_fact: PerFact,
    fact_meta: Mapping[str, Any],
    *,
    observed_at: datetime,
) -> list[PlannedFact]:
    """The draft's facts on the stored entities their names matched exactly."""
    canonical = {
        e.key: exact[e.key].normalized_name if e.key in exact else e.key for e in draft.entities
    }
    facts = []
    for i, f in enumerate(draft.facts):
        valid_at, invalid_at, meta = per_fact.get(
            (f.source_key, f.relation, f.target_key), (None, None, {})
        )
        facts.append(
            PlannedFact(
                id=new_id(),
                source_key=canonical[f.source_key],
                relation=f.relation,
                target_key=canonical[f.target_key],
                fact=f.fact,
                embedding=fact_vectors[i],
                valid_at=valid_at or observed_at,
                invalid_at=invalid_at,
                meta={**fact_meta, **meta},
            )
        )
    return facts


def _relevant(
    found: Mapping[str, Any],
    exact: Mapping[str, EntityMatch],
    questions: Sequence[EntityQuestion],
) -> list[Candidate]:
    """Stored facts the new ones may conflict with (valid ones) or fall among in time (retired
    ones of the same source and relation); those of look-alike entities that were kept apart
    are not this add's business."""
    relevant = {m.normalized_name for m in exact.values()} | {
        q.candidate.normalized_name for q in questions
    }
    rows = {
        c["id"]: c
        for c in [*found["candidates"], *found["same_relation"]]
        if c["source_key"] in relevant or c["target_key"] in relevant
    }
    return [
        Candidate(
            c["source_key"],
            c["target_key"],
            Relation.from_record(c),
            tuple(from_query(t) for t in c.get("stated_at") or ()),
        )
        for c in rows.values()
    ]


def _write_params(plan: ResolutionPlan, planned: list[PlannedEntity]) -> dict[str, Any]:
    # Writers take locks in key order, so concurrent adds wait instead of deadlocking.
    additions = sorted(
        ((fact_key(f.source_key, f.relation, f.target_key), f) for f in plan.add),
        key=lambda pair: pair[0],
    )
    told = dict(plan.restated)
    return {
        "entities": [
            {"key": e.key, "id": e.id, "name": e.name, "type": e.type, "embedding": e.embedding}
            for e in sorted(planned, key=lambda e: e.key)
        ],
        "facts": [
            {
                "id": f.id,
                "key": key,
                "source_key": f.source_key,
                "target_key": f.target_key,
                "relation": f.relation,
                "rel_type": relationship_type(f.relation),
                "fact": f.fact,
                "embedding": f.embedding or None,  # None: copied from copy_of
                "copy_of": f.copy_of,
                "stated_at": list(f.stated_at) or None,
                "supersedes": f.supersedes,
                "valid_at": f.valid_at,
                "invalid_at": f.invalid_at,
                "invalid_reason": f.invalid_reason,
                "followed_by": f.followed_by,
                "meta": dict(f.meta),
            }
            for key, f in additions
        ],
        "invalidations": [
            {"fact_id": fid, "reason": why, "kind": kind.value, "at": at}
            for fid, why, kind, at in sorted(plan.invalidate, key=lambda i: i[0])
        ],
        # One list for all three, so the write's plan cache sees no extra empty/non-empty list.
        "confirmations": [
            {"fact_id": fid, "at": told.get(fid), "since": plan.extended.get(fid)}
            for fid in sorted(set(plan.confirm) | set(told) | set(plan.extended))
        ],
    }


def rules(single_valued: frozenset[str]) -> StepResolver:
    """The rule resolver (no LLM): see graphmem.resolution.planner.rule_resolver."""
    decide = rule_resolver(single_valued)
    return lambda existing, new, questions: done(decide(existing, new, questions))


def llm_resolver(meter: UsageMeter, output_retries: int) -> StepResolver:
    """The paper's update resolver: one LLM call for all new facts and entity questions."""

    def decide(
        existing: Mapping[str, Candidate],
        new: Mapping[str, PlannedFact],
        questions: Mapping[str, EntityQuestion],
    ) -> Step[UpdateResolution]:
        system, user = resolution_prompt.build(
            [
                (i, dated(c.relation.fact, c.relation.valid_at, c.relation.invalid_at))
                for i, c in existing.items()
            ],
            [(i, dated(f.fact, f.valid_at, f.invalid_at)) for i, f in new.items()],
            [
                (i, f"{q.draft.name} ({q.draft.type})", f"{q.candidate.name} ({q.candidate.type})")
                for i, q in questions.items()
            ],
        )
        # Without SAME ENTITY questions the reply schema leaves their answers out.
        model = UpdateResolution if questions else UpdateDecisions
        reply = yield from structured(
            role=resolution_prompt.ROLE,
            system=system,
            user=user,
            response_model=model,
            meter=meter,
            output_retries=output_retries,
            schema=reply_schema(model, list(new), list(existing), list(questions)),
        )
        if isinstance(reply, UpdateResolution):
            return reply
        return UpdateResolution(decisions=reply.decisions)

    return decide
