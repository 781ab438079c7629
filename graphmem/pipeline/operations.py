"""The public memory operations as steps (graphmem.effects): each yields its Neo4j
statements, embeddings and LLM requests, and the driver of GraphMemory or AsyncGraphMemory
performs them. Holds no Cypher and no prompt text."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from graphmem.config import GraphMemConfig
from graphmem.effects import Embed, QueryCount, ScheduleSummary, Step, done
from graphmem.errors import (
    CommitUnknownError,
    ConfigurationError,
    GraphMemError,
    InvalidInputError,
    NotFoundError,
    StoreError,
)
from graphmem.export import to_json, to_networkx
from graphmem.extraction import Extractor
from graphmem.models import (
    AddResult,
    EntityRef,
    ForgetResult,
    Message,
    Relation,
    Scope,
    SearchResult,
    Skipped,
    Triplet,
    Usage,
    metadata_properties,
    normalize_name,
)
from graphmem.pipeline.inputs import (
    MessagesInput,
    TripletInput,
    batches,
    check_idempotency_key,
    coerce_messages,
    coerce_triplet,
)
from graphmem.pipeline.outcomes import entity_matches, operation, replayed
from graphmem.prompts import resolution as resolution_prompt
from graphmem.prompts.resolution import UpdateResolution
from graphmem.resolution import Draft, ResolutionPlan, draft_from_triplets, resolve_entities
from graphmem.resolution.planner import (
    Candidate,
    EntityQuestion,
    PlannedFact,
    entity_questions,
    fact_key,
    open_updates,
    rule_resolver,
    settle_updates,
)
from graphmem.retrieval.retriever import Retriever, SearchOptions
from graphmem.store import CommitLostError, statements
from graphmem.structured import UsageMeter, structured
from graphmem.summaries import refresh_step
from graphmem.text import normalize_relation, relationship_type, require_unicode
from graphmem.times import storable

__all__ = ["MemoryOperations"]

Row = dict[str, Any]
PerFact = Mapping[tuple[str, str, str], tuple[datetime | None, dict[str, Any]]]
# Given the existing facts ("E1"...), the new ones ("N1"...) and the entity questions
# ("M1"...), decide: the rules at once, the LLM resolver through a Chat effect.
StepResolver = Callable[
    [Mapping[str, Candidate], Mapping[str, PlannedFact], Mapping[str, EntityQuestion]],
    Step[UpdateResolution],
]

_CONSTRAINT_FAILED = "Neo.ClientError.Schema.ConstraintValidationFailed"


@dataclass(slots=True)
class _Episode:
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


class MemoryOperations:
    """Every public operation of the memory, as a step. Stateless but for the retriever's
    memory of scope sizes; safe to share between threads and tasks."""

    def __init__(self, config: GraphMemConfig, *, has_llm: bool, has_reranker: bool) -> None:
        self.config = config
        self.has_llm = has_llm
        retries = config.llm.max_output_retries
        self.extractor = Extractor(retries, config.relation_context_messages) if has_llm else None
        self.retriever = Retriever(
            config.retrieval,
            output_retries=retries,
            has_llm=has_llm,
            has_reranker=has_reranker,
        )

    # -- add --------------------------------------------------------------------------------

    def add(
        self,
        messages: MessagesInput,
        scope: Scope,
        *,
        metadata: Mapping[str, Any] | None,
        timestamp: datetime | None,
        idempotency_key: str | None,
    ) -> Step[AddResult]:
        new = coerce_messages(messages)
        fact_meta = metadata_properties(metadata)
        extractor = self._require_extractor()
        meter = UsageMeter()
        queries_before = yield QueryCount()
        key = check_idempotency_key(idempotency_key)
        if key is not None:
            stored = yield statements.episode_outcome(scope.key, key)
            if stored is not None:
                return replayed(stored, (yield QueryCount()) - queries_before)

        cfg = self.config
        ctx = yield statements.load_context(scope.key, cfg.context_messages)
        earlier = [Message(**m) for chunk in ctx["recent"] for m in json.loads(chunk)]
        recent = earlier[-cfg.context_messages :] if cfg.context_messages else []
        extraction = yield from extractor.extract(
            new, ctx["summary"], recent, _self_name(scope), meter
        )
        episode = _Episode(
            id=_new_id(),
            observed_at=storable(timestamp) if timestamp else datetime.now(UTC),
            messages=new,
            text="\n".join(f"{m.name or m.role}: {m.content}" for m in new),
            metadata=metadata or {},
            fact_meta=fact_meta,
            key=key or "",
        )

        # Unusable items (a blank name, a relation of punctuation only) are reported on the
        # result as skipped, with the reason; nothing is dropped silently.
        draft = draft_from_triplets(
            (
                Triplet(source=r.source, relation=r.relation, target=r.target)
                for r in extraction.relations
            ),
            ((e.name, e.type) for e in extraction.entities),
        )
        result = yield from self._write(
            scope,
            draft,
            episode=episode,
            resolver=self._llm_resolver(meter),
            per_fact={},
            match_similar=True,
        )
        # The summary is refreshed after the add, never inside it (at most 3 LLM calls per add).
        total = int(ctx["message_count"]) + len(new)
        if (
            cfg.summary_refresh == "background"
            and cfg.summary_every
            and total - int(ctx["summarized_count"]) >= cfg.summary_every
        ):
            yield ScheduleSummary(scope)
        return result.model_copy(
            update={
                "usage": meter.usage(),
                "neo4j_queries": (yield QueryCount()) - queries_before,
                "skipped": tuple(Skipped(item=i, reason=r) for i, r in draft.skipped),
            }
        )

    def add_triplets(
        self,
        triplets: Iterable[TripletInput],
        scope: Scope,
        *,
        metadata: Mapping[str, Any] | None,
        timestamp: datetime | None,
        single_valued: Iterable[str] | None,
        resolver: Literal["auto", "llm", "rules"],
        match_similar: bool,
        batch_size: int,
        idempotency_key: str | None,
    ) -> Step[AddResult]:
        key = check_idempotency_key(idempotency_key)
        if not 1 <= batch_size <= 10_000:
            raise InvalidInputError(f"batch_size must be within 1..10000, got {batch_size}")
        call_meta = metadata_properties(metadata)
        items = [coerce_triplet(t) for t in triplets]
        if not items:
            raise InvalidInputError(
                "triplets is empty: give at least one (source, relation, target)"
            )
        singles = frozenset(
            normalize_relation(r)
            for r in (*self.config.single_valued_relations, *(single_valued or ()))
        )
        for t in items:  # check everything before the first batch is written
            metadata_properties(t.metadata)
        meter = UsageMeter()
        queries_before = yield QueryCount()
        when = storable(timestamp) if timestamp else datetime.now(UTC)
        decide = self._choose_resolver(resolver, singles, meter)
        results: list[AddResult] = []
        ordered = batches(items, when, singles, batch_size)
        for number, batch in enumerate(ordered):
            batch_key = None if key is None else key if number == 0 else f"{key}/{number}"
            if batch_key is not None:
                stored = yield statements.episode_outcome(scope.key, batch_key)
                if stored is not None:
                    results.append(replayed(stored, 0))
                    continue
            draft = draft_from_triplets(batch, strict=True)
            per_fact = {
                (
                    normalize_name(t.source),
                    normalize_relation(t.relation),
                    normalize_name(t.target),
                ): (
                    storable(t.valid_at) if t.valid_at else None,
                    {**call_meta, **metadata_properties(t.metadata)},
                )
                for t in batch
            }
            episode = _Episode(
                id=_new_id(),
                observed_at=when,
                messages=[],
                text=f"structured ingest of {len(batch)} triplet(s)",
                metadata=metadata or {},
                key=batch_key or "",
            )
            try:
                written = yield from self._write(
                    scope,
                    draft,
                    episode=episode,
                    resolver=decide,
                    per_fact=per_fact,
                    match_similar=match_similar,
                    llm_context=resolver != "rules" and self.has_llm,
                )
            except GraphMemError as exc:
                exc.add_note(
                    f"add_triplets: {len(results)} of {len(ordered)} batches were written before "
                    f"this one failed (episodes {[r.episode_id for r in results]}); each batch "
                    "is one transaction, so none is half-written"
                )
                raise
            results.append(written)
        return AddResult(
            episode_id=results[-1].episode_id,
            episode_ids=tuple(r.episode_id for r in results),
            replayed=all(r.replayed for r in results),
            entities=tuple({e.id: e for r in results for e in r.entities}.values()),
            operations=tuple(op for r in results for op in r.operations),
            usage=meter.usage(),
            neo4j_queries=(yield QueryCount()) - queries_before,
        )

    def refresh_summary(self, scope: Scope) -> Step[Usage | None]:
        return refresh_step(scope, self._require_extractor())

    def _choose_resolver(
        self, choice: str, singles: frozenset[str], meter: UsageMeter
    ) -> StepResolver:
        if choice == "rules" or (choice == "auto" and not self.has_llm):
            rules = rule_resolver(singles)
            return lambda existing, new, questions: done(rules(existing, new, questions))
        if choice in ("llm", "auto"):
            resolver = self._llm_resolver(meter)
            if resolver is None:
                raise ConfigurationError("resolver='llm' needs an LLM; use resolver='rules'")
            return resolver
        raise InvalidInputError(f"resolver must be 'auto', 'llm' or 'rules', got {choice!r}")

    def _write(
        self,
        scope: Scope,
        draft: Draft,
        *,
        episode: _Episode,
        resolver: StepResolver | None,
        per_fact: PerFact,
        match_similar: bool,
        llm_context: bool = True,
    ) -> Step[AddResult]:
        """Entity resolution, conflict detection and the resolver, then ONE write transaction."""
        plan: ResolutionPlan = ResolutionPlan()
        entities: dict[str, dict[str, str]] = {}
        params: dict[str, Any] = {
            "entities": [],
            "facts": [],
            "invalidations": [],
            "confirmations": [],
        }
        if draft.entities:
            plan, entities, params = yield from self._plan(
                scope,
                draft,
                resolver=resolver,
                per_fact=per_fact,
                fact_meta=episode.fact_meta,
                match_similar=match_similar,
                llm_context=llm_context,
            )
        now = datetime.now(UTC)
        params = {
            **params,
            "scope": scope.as_params(),
            "now": now,
            "episode": {
                "id": episode.id,
                "observed_at": episode.observed_at,
                "messages_json": json.dumps(
                    [m.model_dump(exclude_none=True) for m in episode.messages]
                ),
                "text": episode.text,
                "metadata_json": json.dumps(dict(episode.metadata), default=str),
                "message_count": len(episode.messages),
                "idempotency_key": episode.key,
            },
        }
        try:
            written = yield statements.apply_plan(params)
        except CommitLostError as exc:
            # The commit may or may not have landed. Look; write only if it did not.
            if (stored := (yield from self._stored_by(scope, episode.key, exc))) is not None:
                return replayed(stored, 0)
            written = yield statements.apply_plan(params)
        except StoreError as exc:
            if exc.code != _CONSTRAINT_FAILED or "idempotency_key" not in str(exc):
                raise
            # A concurrent add with the same idempotency key stored it first.
            if (stored := (yield from self._stored_by(scope, episode.key, exc))) is None:
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
                operation(op, entities, episode.id, now, episode.observed_at, restated)
                for op in plan.operations
            ),
            usage=Usage(),
        )

    def _stored_by(self, scope: Scope, key: str, cause: StoreError) -> Step[Row | None]:
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

    def _plan(
        self,
        scope: Scope,
        draft: Draft,
        *,
        resolver: StepResolver | None,
        per_fact: PerFact,
        fact_meta: Mapping[str, Any],
        match_similar: bool,
        llm_context: bool,
    ) -> Step[tuple[ResolutionPlan, dict[str, dict[str, str]], dict[str, Any]]]:
        texts = [e.name for e in draft.entities] + [f.fact for f in draft.facts]
        vectors: list[list[float]] = yield Embed(tuple(texts))
        n = len(draft.entities)
        entity_vectors = {e.key: vectors[i] for i, e in enumerate(draft.entities)}
        fact_vectors = vectors[n:]
        cfg = self.config
        # Similar names are questions for the LLM resolver; without one, only equal keys merge,
        # so there is nothing to look up by vector.
        ask_similar = match_similar and llm_context
        # Similar facts only inform the LLM resolver, and only small batches are worth it;
        # rules need only the facts sharing a new fact's source and relation.
        similar = llm_context and len(draft.facts) <= 50
        rel_types: dict[str, set[str]] = {}
        for f in draft.facts:
            rel_types.setdefault(f.source_key, set()).add(relationship_type(f.relation))
        found = yield statements.resolve_entities(
            {
                "scope_key": scope.key,
                "entities": [
                    {
                        "key": e.key,
                        # Vectors cost serialization time: send only those the query uses.
                        "embedding": entity_vectors[e.key] if ask_similar else None,
                        "rel_types": sorted(rel_types.get(e.key, ())),
                    }
                    for e in draft.entities
                ],
                "fact_embeddings": fact_vectors if similar else [],
                "use_vectors": ask_similar,
                "similar_candidates": similar,
                "k": cfg.entity_candidates,
                "max_k": cfg.retrieval.max_k,
                "exact_max": cfg.retrieval.exact_scan_max,
                "min_score": (1.0 + cfg.entity_match_threshold) / 2.0,
                "max_similar": cfg.entity_questions_per_name,
                "max_candidates": 40,
                "max_expand": cfg.retrieval.max_expand,
            }
        )
        exact, similar_names = entity_matches(found["matches"])
        questions = entity_questions(draft, similar_names, cfg.max_entity_questions)
        canonical = {
            e.key: exact[e.key].normalized_name if e.key in exact else e.key for e in draft.entities
        }
        new_facts = []
        for i, f in enumerate(draft.facts):
            valid_at, meta = per_fact.get((f.source_key, f.relation, f.target_key), (None, {}))
            new_facts.append(
                PlannedFact(
                    id=_new_id(),
                    source_key=canonical[f.source_key],
                    relation=f.relation,
                    target_key=canonical[f.target_key],
                    fact=f.fact,
                    embedding=fact_vectors[i],
                    valid_at=valid_at,
                    meta={**fact_meta, **meta},
                )
            )
        # Facts of look-alike entities that were kept apart are not this add's business.
        relevant = {m.normalized_name for m in exact.values()} | {
            q.candidate.normalized_name for q in questions
        }
        rows = {
            c["id"]: c
            for c in [*found["candidates"], *found["same_relation"]]
            if c["source_key"] in relevant or c["target_key"] in relevant
        }
        candidates = [
            Candidate(c["source_key"], c["target_key"], Relation.from_record(c))
            for c in rows.values()
        ]
        opened = open_updates(new_facts, candidates, questions, resolvable=resolver is not None)
        if isinstance(opened, ResolutionPlan):
            plan = opened
        else:
            assert resolver is not None
            reply = yield from resolver(opened.existing, opened.new, opened.questions)
            plan = settle_updates(opened, reply)
        planned, _ = resolve_entities(draft, {**exact, **plan.merges}, entity_vectors, _new_id)
        entities = {e.key: {"name": e.name, "type": e.type} for e in planned}
        # Writers take locks in key order, so concurrent adds wait instead of deadlocking.
        planned.sort(key=lambda e: e.key)
        additions = sorted(
            ((fact_key(f.source_key, f.relation, f.target_key), f) for f in plan.add),
            key=lambda pair: pair[0],
        )
        return (
            plan,
            entities,
            {
                "entities": [
                    {
                        "key": e.key,
                        "id": e.id,
                        "name": e.name,
                        "type": e.type,
                        "embedding": e.embedding,
                    }
                    for e in planned
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
                        "embedding": f.embedding,
                        "supersedes": f.supersedes,
                        "valid_at": f.valid_at,
                        "meta": dict(f.meta),
                    }
                    for key, f in additions
                ],
                "invalidations": [
                    {"fact_id": fid, "reason": why, "kind": kind.value, "at": at}
                    for fid, why, kind, at in sorted(plan.invalidate, key=lambda i: i[0])
                ],
                "confirmations": sorted(plan.confirm),
            },
        )

    def _llm_resolver(self, meter: UsageMeter) -> StepResolver | None:
        if not self.has_llm:
            return None
        retries = self.config.llm.max_output_retries

        def decide(
            existing: Mapping[str, Candidate],
            new: Mapping[str, PlannedFact],
            questions: Mapping[str, EntityQuestion],
        ) -> Step[UpdateResolution]:
            system, user = resolution_prompt.build(
                [(i, c.relation.fact) for i, c in existing.items()],
                [(i, f.fact) for i, f in new.items()],
                [
                    (
                        i,
                        f"{q.draft.name} ({q.draft.type})",
                        f"{q.candidate.name} ({q.candidate.type})",
                    )
                    for i, q in questions.items()
                ],
            )
            return (
                yield from structured(
                    role=resolution_prompt.ROLE,
                    system=system,
                    user=user,
                    response_model=UpdateResolution,
                    meter=meter,
                    output_retries=retries,
                )
            )

        return decide

    # -- search -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        scope: Scope,
        *,
        limit: int | None,
        include_invalid: bool,
        as_of: datetime | None,
        entity_linking: Literal["embedding", "llm"] | None,
        depth: int | None,
        channels: Sequence[str],
        rerank: str | None,
        entity_types: Sequence[str] | None,
        relations: Sequence[str] | None,
        since: datetime | None,
        until: datetime | None,
        metadata: Mapping[str, Any] | None,
    ) -> Step[SearchResult]:
        cfg = self.config.retrieval
        options = SearchOptions(
            limit=cfg.limit if limit is None else limit,
            include_invalid=include_invalid,
            as_of=as_of,
            entity_linking=entity_linking or cfg.entity_linking,
            depth=cfg.depth if depth is None else depth,
            channels=tuple(channels),
            rerank=rerank or cfg.rerank,
            entity_types=tuple(entity_types) if entity_types is not None else None,
            relations=tuple(relations) if relations is not None else None,
            since=since,
            until=until,
            metadata=metadata,
        )
        if isinstance(query, str):
            require_unicode(query, "query")
        return self.retriever.search(query, scope, options)

    # -- read and delete --------------------------------------------------------------------

    def export(
        self, scope: Scope, *, include_invalid: bool, format: Literal["json", "networkx"]
    ) -> Step[Any]:
        if format not in ("json", "networkx"):
            raise InvalidInputError(f"format must be 'json' or 'networkx', got {format!r}")
        rows = yield statements.export_scope(scope.key, include_invalid)
        data = to_json(scope.model_dump(), rows)
        return to_networkx(data) if format == "networkx" else data

    def list_facts(
        self,
        scope: Scope,
        *,
        include_invalid: bool,
        entity: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> Step[list[Relation]]:
        if limit < 1:
            raise InvalidInputError(f"limit must be at least 1, got {limit}")
        rows = yield statements.list_facts(
            {
                "scope_key": scope.key,
                "include_invalid": include_invalid,
                "entity_key": normalize_name(entity) if entity else None,
                "since": storable(since) if since else None,
                "until": storable(until) if until else None,
                "limit": limit,
            }
        )
        return [Relation.from_record(r) for r in rows]

    def delete(self, relation_id: str, scope: Scope, *, erase_episodes: bool) -> Step[int]:
        if not isinstance(relation_id, str) or not relation_id:
            raise InvalidInputError("relation_id must be a non-empty string")
        row = yield statements.delete_fact(
            scope.key, relation_id, erase_episodes, datetime.now(UTC)
        )
        if not row["deleted"]:
            raise NotFoundError(f"no fact {relation_id!r} in scope {scope.key}")
        return int(row["episodes_erased"])

    def delete_all(self, scope: Scope) -> Step[int]:
        return self._delete_scope(scope.key)

    def _delete_scope(self, scope_key: str) -> Step[int]:
        row = yield statements.delete_scope(scope_key)
        return int(row["deleted"])

    def forget(
        self, user_id: str | None, agent_id: str | None, run_id: str | None
    ) -> Step[ForgetResult]:
        Scope.of(user_id, agent_id, run_id)  # at least one id, none blank
        rows = yield statements.scopes_holding(user_id, agent_id, run_id)
        deleted = 0
        for row in rows:
            deleted += yield from self._delete_scope(row["scope_key"])
        return ForgetResult(
            scopes=tuple(
                Scope(user_id=r["user_id"], agent_id=r["agent_id"], run_id=r["run_id"])
                for r in rows
            ),
            nodes_deleted=deleted,
        )

    # -- helpers ----------------------------------------------------------------------------

    def _require_extractor(self) -> Extractor:
        if self.extractor is None:
            raise ConfigurationError(
                "no LLM configured: pass llm=..., or set OPENAI_API_KEY or OPENAI_BASE_URL "
                "(any OpenAI-compatible endpoint); add_triplets() works without one"
            )
        return self.extractor


def _new_id() -> str:
    return uuid.uuid4().hex


def _self_name(scope: Scope) -> str:
    return scope.user_id or scope.agent_id or "user"
