"""GraphMemory: the public entry point. Wires the stages; holds no Cypher and no prompt text."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Self, overload

from pydantic import ValidationError

from graphmem.config import GraphMemConfig
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
    Operation,
    OperationKind,
    Relation,
    Scope,
    SearchResult,
    Skipped,
    Triplet,
    Usage,
    metadata_properties,
    normalize_name,
)
from graphmem.ports import LLM, Embedder, Reranker
from graphmem.prompts import resolution as resolution_prompt
from graphmem.prompts.resolution import UpdateResolution
from graphmem.resolution import (
    Draft,
    EntityMatch,
    ResolutionPlan,
    draft_from_triplets,
    plan_updates,
    resolve_entities,
)
from graphmem.resolution.planner import (
    Candidate,
    EntityQuestion,
    PlannedFact,
    PlannedOperation,
    Resolver,
    entity_questions,
    fact_key,
    rule_resolver,
)
from graphmem.retrieval.retriever import Retriever, SearchOptions
from graphmem.store import CommitLostError, Neo4jStore
from graphmem.store.neo4j_store import Row
from graphmem.structured import UsageMeter, call_structured
from graphmem.summaries import SummaryRefresher
from graphmem.text import normalize_relation, relationship_type, require_unicode
from graphmem.times import storable

__all__ = ["GraphMemory"]

MessagesInput = str | Message | Mapping[str, Any] | Sequence[Message | Mapping[str, Any]]
TripletInput = Triplet | Mapping[str, Any] | Sequence[str]


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


class GraphMemory:
    """Long-term graph memory for agents, stored in Neo4j.

    >>> with GraphMemory(config, llm=llm, embedder=embedder) as mem:
    ...     mem.add("I'm vegetarian and I avoid dairy.", user_id="alice")
    ...     mem.search("What should I cook for Alice tonight?", user_id="alice")
    """

    def __init__(
        self,
        config: GraphMemConfig | None = None,
        *,
        llm: LLM | None = None,
        embedder: Embedder | None = None,
        reranker: Reranker | None = None,
        store: Neo4jStore | None = None,
        migrate: bool = True,
    ) -> None:
        self.config = config or GraphMemConfig()
        self._llm = llm if llm is not None else _default_llm(self.config)
        self._embedder = embedder if embedder is not None else _default_embedder(self.config)
        self._store = store if store is not None else Neo4jStore.connect(self.config.neo4j)
        retries = self.config.llm.max_output_retries
        self._extractor = (
            Extractor(self._llm, retries, self.config.relation_context_messages)
            if self._llm
            else None
        )
        self._summaries = SummaryRefresher(self._store, self._extractor, self.config.summary_every)
        if reranker is None and self.config.retrieval.cross_encoder_model:
            from graphmem.adapters.cross_encoder import CrossEncoderReranker

            reranker = CrossEncoderReranker(self.config.retrieval.cross_encoder_model)
        self._retriever = Retriever(
            self._store,
            self._embedder,
            self._llm,
            self.config.retrieval,
            output_retries=retries,
            reranker=reranker,
        )
        if migrate:
            try:
                self._store.verify()
                self._check_embedder()
                self._store.migrate(self.config.embedding_dimensions)
            except BaseException:
                self._store.close()
                raise

    @classmethod
    def from_env(cls, **overrides: Any) -> GraphMemory:
        """Settings from the environment (NEO4J_URI, OPENAI_API_KEY, ... see the README)."""
        return cls(GraphMemConfig.from_env(), **overrides)

    def close(self) -> None:
        """Finish background summary refreshes (up to a minute), then close the driver."""
        self._summaries.close()
        self._retriever.close()
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def store(self) -> Neo4jStore:
        return self._store

    # -- add --------------------------------------------------------------------------------

    def add(
        self,
        messages: MessagesInput,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> AddResult:
        """Remember what ``messages`` say. One write transaction; nothing is written on failure.

        ``timestamp`` is when the messages were said (default: now); facts become valid then.
        ``metadata`` is kept on the episode and on every fact it adds (filterable in search).
        ``idempotency_key`` makes retries safe: an add whose key this scope has already stored
        is not run again (no LLM call, no write); the result describes what was stored, with
        ``replayed=True``."""
        scope = Scope.of(user_id, agent_id, run_id)
        new = _coerce_messages(messages)
        fact_meta = metadata_properties(metadata)
        extractor = self._require_extractor()
        meter = UsageMeter()
        queries_before = self._store.queries_run
        key = _check_idempotency_key(idempotency_key)
        if key is not None and (stored := self._store.find_episode(scope.key, key)) is not None:
            return _replayed(stored, self._store.queries_run - queries_before)

        ctx = self._store.load_context(scope.key, self.config.context_messages)
        earlier = [Message(**m) for chunk in ctx["recent"] for m in json.loads(chunk)]
        recent = earlier[-self.config.context_messages :] if self.config.context_messages else []
        extraction = extractor.extract(new, ctx["summary"], recent, _self_name(scope), meter)
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
        result = self._write(
            scope,
            draft,
            episode=episode,
            resolver=self._llm_resolver(meter),
            per_fact={},
            match_similar=True,
        )
        # The summary is refreshed after the add, never inside it (at most 3 LLM calls per add).
        total = int(ctx["message_count"]) + len(new)
        if self.config.summary_refresh == "background" and self._summaries.due(
            total, int(ctx["summarized_count"])
        ):
            self._summaries.schedule(scope)
        return result.model_copy(
            update={
                "usage": meter.usage(),
                "neo4j_queries": self._store.queries_run - queries_before,
                "skipped": tuple(Skipped(item=i, reason=r) for i, r in draft.skipped),
            }
        )

    def add_triplets(
        self,
        triplets: Iterable[TripletInput],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
        single_valued: Iterable[str] | None = None,
        resolver: Literal["auto", "llm", "rules"] = "auto",
        match_similar: bool = True,
        batch_size: int = 500,
        idempotency_key: str | None = None,
    ) -> AddResult:
        """Remember facts you already have as (source, relation, target), without extraction.

        Triplets may be ``Triplet`` objects, dicts with the same keys, or 3-tuples. They go
        through entity resolution and conflict detection like ``add``: conflicts go to the LLM
        update resolver (``resolver="llm"``, the default when an LLM is configured) or to rules:
        a new value of a ``single_valued`` relation (e.g. "lives_in") retires the current one.
        Written in batches of ``batch_size``, one transaction each, in ``valid_at`` order; if one
        fails, the error's notes say which batches were already written.
        ``match_similar=False`` merges entities by exact normalized name only (faster bulk
        loads of canonical names). With ``idempotency_key``, a retry after a failure writes only
        the batches not yet stored (batch i > 0 is keyed ``"{key}/{i}"``)."""
        scope = Scope.of(user_id, agent_id, run_id)
        key = _check_idempotency_key(idempotency_key)
        if not 1 <= batch_size <= 10_000:
            raise InvalidInputError(f"batch_size must be within 1..10000, got {batch_size}")
        call_meta = metadata_properties(metadata)
        items = [_coerce_triplet(t) for t in triplets]
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
        queries_before = self._store.queries_run
        when = storable(timestamp) if timestamp else datetime.now(UTC)
        decide = self._choose_resolver(resolver, singles, meter)
        results: list[AddResult] = []
        batches = _batches(items, when, singles, batch_size)
        for number, batch in enumerate(batches):
            batch_key = None if key is None else key if number == 0 else f"{key}/{number}"
            if batch_key is not None:
                stored = self._store.find_episode(scope.key, batch_key)
                if stored is not None:
                    results.append(_replayed(stored, 0))
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
                written = self._write(
                    scope,
                    draft,
                    episode=episode,
                    resolver=decide,
                    per_fact=per_fact,
                    match_similar=match_similar,
                    llm_context=resolver != "rules" and self._llm is not None,
                )
            except GraphMemError as exc:
                exc.add_note(
                    f"add_triplets: {len(results)} of {len(batches)} batches were written before "
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
            neo4j_queries=self._store.queries_run - queries_before,
        )

    def refresh_summary(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> Usage | None:
        """Fold the messages said since the scope's rolling summary was last written into it,
        now (one LLM call); None when there was nothing new. With
        ``summary_refresh="background"`` (the default) adds do this on their own, after they
        return; with ``"manual"`` it is the caller's to do, e.g. at the end of a session."""
        scope = Scope.of(user_id, agent_id, run_id)
        self._require_extractor()
        return self._summaries.refresh(scope)

    def wait_for_summaries(self, timeout_seconds: float | None = None) -> bool:
        """Wait until the background summary refreshes are done; False at the timeout."""
        return self._summaries.wait(timeout_seconds)

    def _choose_resolver(self, choice: str, singles: frozenset[str], meter: UsageMeter) -> Resolver:
        if choice == "rules" or (choice == "auto" and self._llm is None):
            return rule_resolver(singles)
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
        resolver: Resolver | None,
        per_fact: Mapping[tuple[str, str, str], tuple[datetime | None, dict[str, Any]]],
        match_similar: bool,
        llm_context: bool = True,
    ) -> AddResult:
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
            plan, entities, params = self._plan(
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
            written = self._store.apply_plan(params)
        except CommitLostError as exc:
            # The commit may or may not have landed. Look; write only if it did not.
            if (stored := self._stored_by(scope, episode.key, exc)) is not None:
                return _replayed(stored, 0)
            written = self._store.apply_plan(params)
        except StoreError as exc:
            if exc.code != _CONSTRAINT_FAILED or "idempotency_key" not in str(exc):
                raise
            # A concurrent add with the same idempotency key stored it first.
            if (stored := self._stored_by(scope, episode.key, exc)) is None:
                raise
            return _replayed(stored, 0)
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
                _operation(op, entities, episode.id, now, episode.observed_at, restated)
                for op in plan.operations
            ),
            usage=Usage(),
        )

    def _stored_by(self, scope: Scope, key: str, cause: StoreError) -> Row | None:
        """The add stored under ``key``, or None; CommitUnknownError if Neo4j cannot say."""
        try:
            return self._store.find_episode(scope.key, key)
        except StoreError as exc:
            raise CommitUnknownError(
                f"{cause}; and Neo4j could not be asked whether the write landed ({exc}). "
                f"Retry the same call with idempotency_key={key!r}: if the write landed, the "
                "retry returns it without writing again",
                idempotency_key=key,
            ) from exc

    def _plan(
        self,
        scope: Scope,
        draft: Draft,
        *,
        resolver: Resolver | None,
        per_fact: Mapping[tuple[str, str, str], tuple[datetime | None, dict[str, Any]]],
        fact_meta: Mapping[str, Any],
        match_similar: bool,
        llm_context: bool,
    ) -> tuple[ResolutionPlan, dict[str, dict[str, str]], dict[str, Any]]:
        texts = [e.name for e in draft.entities] + [f.fact for f in draft.facts]
        vectors = self._embedder.embed(texts)
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
        found = self._store.resolve_entities(
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
        exact, similar_names = _entity_matches(found["matches"])
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
        plan = plan_updates(new_facts, candidates, resolver, questions)
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

    def _llm_resolver(self, meter: UsageMeter) -> Resolver | None:
        llm = self._llm
        if llm is None:
            return None
        retries = self.config.llm.max_output_retries

        def decide(
            existing: Mapping[str, Candidate],
            new: Mapping[str, PlannedFact],
            questions: Mapping[str, EntityQuestion],
        ) -> UpdateResolution:
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
            return call_structured(
                llm,
                role=resolution_prompt.ROLE,
                system=system,
                user=user,
                response_model=UpdateResolution,
                meter=meter,
                output_retries=retries,
            )

        return decide

    # -- search -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
        include_invalid: bool = False,
        as_of: datetime | None = None,
        entity_linking: Literal["embedding", "llm"] | None = None,
        depth: int | None = None,
        channels: Sequence[str] = ("entity", "semantic", "keyword"),
        rerank: str | None = None,
        entity_types: Sequence[str] | None = None,
        relations: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SearchResult:
        """The scope's facts most relevant to ``query``.

        Three channels, fused by reciprocal rank: the entity-centric subgraph of the entities
        the query names, semantic (vector) search over facts, and keyword (full-text) search.
        Only currently valid facts, unless ``include_invalid`` or ``as_of`` (what was valid
        then). Filters: ``entity_types``, ``relations``, ``since``/``until`` (on valid_at) and
        ``metadata`` (equality). ``rerank``: "mmr", "entity_distance", "recency" or
        "cross_encoder". No LLM call unless ``entity_linking="llm"``."""
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
        scope = Scope.of(user_id, agent_id, run_id)
        if isinstance(query, str):
            require_unicode(query, "query")
        return self._retriever.search(query, scope, options)

    # -- read and delete --------------------------------------------------------------------

    @overload
    def export(
        self,
        *,
        user_id: str | None = ...,
        agent_id: str | None = ...,
        run_id: str | None = ...,
        include_invalid: bool = ...,
        format: Literal["json"] = ...,
    ) -> dict[str, Any]: ...

    @overload
    def export(
        self,
        *,
        user_id: str | None = ...,
        agent_id: str | None = ...,
        run_id: str | None = ...,
        include_invalid: bool = ...,
        format: Literal["networkx"],
    ) -> Any: ...

    def export(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        include_invalid: bool = True,
        format: Literal["json", "networkx"] = "json",
    ) -> Any:
        """The scope's graph: ``format="json"`` gives a JSON-serializable dict (entities and
        relations with ISO times, no embeddings); ``format="networkx"`` a MultiDiGraph."""
        scope = Scope.of(user_id, agent_id, run_id)
        if format not in ("json", "networkx"):
            raise InvalidInputError(f"format must be 'json' or 'networkx', got {format!r}")
        rows = self._store.export_scope(scope.key, include_invalid)
        data = to_json(scope.model_dump(), rows)
        return to_networkx(data) if format == "networkx" else data

    def get_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 1000,
    ) -> list[Relation]:
        """The scope's currently valid facts, oldest first."""
        scope = Scope.of(user_id, agent_id, run_id)
        return self._list(
            scope, include_invalid=False, entity=None, since=None, until=None, limit=limit
        )

    def history(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        entity: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[Relation]:
        """Every fact of the scope, invalidated ones included (with when and why), oldest first;
        optionally only those about ``entity`` or created in [since, until)."""
        scope = Scope.of(user_id, agent_id, run_id)
        return self._list(
            scope, include_invalid=True, entity=entity, since=since, until=until, limit=limit
        )

    def _list(
        self,
        scope: Scope,
        *,
        include_invalid: bool,
        entity: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> list[Relation]:
        if limit < 1:
            raise InvalidInputError(f"limit must be at least 1, got {limit}")
        rows = self._store.list_facts(
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

    def delete(
        self,
        relation_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        erase_episodes: bool = False,
    ) -> int:
        """Erase one fact of the scope for good (unlike a contradiction, which keeps history).

        The episodes that stated it keep their raw text unless ``erase_episodes=True``, which
        blanks their messages, text and metadata too (the episodes stay, marked ``erased_at``,
        as the source of the other facts they stated). Returns the number of episodes erased."""
        scope = Scope.of(user_id, agent_id, run_id)
        if not isinstance(relation_id, str) or not relation_id:
            raise InvalidInputError("relation_id must be a non-empty string")
        row = self._store.delete_fact(scope.key, relation_id, erase_episodes, datetime.now(UTC))
        if not row["deleted"]:
            raise NotFoundError(f"no fact {relation_id!r} in scope {scope.key}")
        return int(row["episodes_erased"])

    def delete_all(
        self, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> int:
        """Erase everything this one exact scope holds; returns the number of nodes deleted.

        Only the exact scope: memories written with (alice, run 1) stay after
        ``delete_all(user_id="alice")``. To erase everything about alice, use ``forget``."""
        return self._store.delete_scope(Scope.of(user_id, agent_id, run_id).key)

    def forget(
        self, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> ForgetResult:
        """Erase every scope that holds the given ids, with everything in it: facts (valid and
        retired), entities, episodes with their raw messages, the summary and the Scope node.

        ``forget(user_id="alice")`` erases (alice), (alice, agent a), (alice, run 1), ...;
        with several ids, the scopes holding all of them. Nothing is kept for history: use
        this to honour "forget everything about me". An add still running for the user when
        this runs may write after it; run it again once the user's agents have stopped."""
        Scope.of(user_id, agent_id, run_id)  # at least one id, none blank
        rows = self._store.scopes_holding(user_id, agent_id, run_id)
        deleted = sum(self._store.delete_scope(row["scope_key"]) for row in rows)
        return ForgetResult(
            scopes=tuple(
                Scope(user_id=r["user_id"], agent_id=r["agent_id"], run_id=r["run_id"])
                for r in rows
            ),
            nodes_deleted=deleted,
        )

    # -- helpers ----------------------------------------------------------------------------

    def _require_extractor(self) -> Extractor:
        if self._extractor is None:
            raise ConfigurationError(
                "no LLM configured: pass llm=..., or set OPENAI_API_KEY or OPENAI_BASE_URL "
                "(any OpenAI-compatible endpoint); add_triplets() works without one"
            )
        return self._extractor

    def _check_embedder(self) -> None:
        dims = self._embedder.dimensions
        if dims != self.config.embedding_dimensions:
            raise ConfigurationError(
                f"the embedder makes {dims}-dimensional vectors but embedding_dimensions is "
                f"{self.config.embedding_dimensions}: "
                f"set GraphMemConfig(embedding_dimensions={dims})"
            )


def _entity_matches(
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


def _new_id() -> str:
    return uuid.uuid4().hex


_CONSTRAINT_FAILED = "Neo.ClientError.Schema.ConstraintValidationFailed"
_MAX_KEY_CHARS = 256


def _check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > _MAX_KEY_CHARS:
        raise InvalidInputError(
            f"idempotency_key must be a non-blank string of at most {_MAX_KEY_CHARS} "
            f"characters (e.g. a UUID or your message id), got {key!r:.80}"
        )
    return require_unicode(key, "idempotency_key")


def _replayed(stored: Row, neo4j_queries: int) -> AddResult:
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
        usage=Usage(),
        neo4j_queries=neo4j_queries,
        replayed=True,
    )


def _self_name(scope: Scope) -> str:
    return scope.user_id or scope.agent_id or "user"


def _coerce_messages(messages: MessagesInput) -> list[Message]:
    if isinstance(messages, str):
        items: Sequence[Any] = [{"role": "user", "content": messages}]
    elif isinstance(messages, Message | Mapping):
        items = [messages]
    else:
        items = messages
    out: list[Message] = []
    try:
        for item in items:
            out.append(item if isinstance(item, Message) else Message.model_validate(item))
    except (ValidationError, TypeError) as exc:
        raise InvalidInputError(
            "messages must be a string or a list of {'role', 'content'} dicts "
            f"(role one of user, assistant, system, tool): {exc}"
        ) from exc
    if not out or not any(m.content.strip() for m in out):
        raise InvalidInputError("messages are empty: give at least one message with content")
    return out


def _coerce_triplet(item: TripletInput) -> Triplet:
    try:
        if isinstance(item, Triplet):
            return item
        if isinstance(item, Mapping):
            return Triplet.model_validate(item)
        if isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 3:
            return Triplet(source=item[0], relation=item[1], target=item[2])
    except ValidationError as exc:
        raise InvalidInputError(f"bad triplet {item!r}: {exc}") from exc
    raise InvalidInputError(
        f"bad triplet {item!r}: give a Triplet, a dict with source/relation/target, or a 3-tuple"
    )


def _batches(
    items: list[Triplet], default_time: datetime, singles: frozenset[str], size: int
) -> list[list[Triplet]]:
    """Time-ordered batches; a batch never holds two values of one single-valued relation for
    the same source, so the later value can retire the earlier one."""
    ordered = sorted(items, key=lambda t: storable(t.valid_at) if t.valid_at else default_time)
    batches: list[list[Triplet]] = [[]]
    seen: set[tuple[str, str]] = set()
    for t in ordered:
        key = (normalize_name(t.source), normalize_relation(t.relation))
        if len(batches[-1]) >= size or (key[1] in singles and key in seen):
            batches.append([])
            seen = set()
        batches[-1].append(t)
        seen.add(key)
    return batches


def _operation(  # noqa: PLR0917 (a private helper with one caller)
    op: PlannedOperation,
    entities: Mapping[str, Mapping[str, str]],
    episode_id: str,
    now: datetime,
    observed_at: datetime,
    restated: Mapping[str, str],  # planned fact id -> the id of the fact stored before it
) -> Operation:
    retired = None
    if op.existing is not None and op.kind in (OperationKind.UPDATE, OperationKind.DELETE):
        when = op.new.valid_at if op.new is not None and op.new.valid_at else observed_at
        retired = op.existing.relation.model_copy(
            update={"invalid_at": when, "invalid_reason": op.reason}
        )
    if op.kind is OperationKind.DELETE:
        assert retired is not None
        return Operation(kind=op.kind, relation=retired, reason=op.reason)
    if op.kind is OperationKind.NOOP:
        assert op.existing is not None
        return Operation(kind=op.kind, relation=op.existing.relation, reason=op.reason)
    assert op.new is not None
    src, tgt = entities[op.new.source_key], entities[op.new.target_key]
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
        episode_ids=(episode_id,),
    )
    if op.new.id in restated:
        relation = relation.model_copy(update={"id": restated[op.new.id]})
        if op.kind is OperationKind.ADD:
            return Operation(
                kind=OperationKind.NOOP, relation=relation, reason="stored by a concurrent add"
            )
    return Operation(kind=op.kind, relation=relation, previous=retired, reason=op.reason)


def _default_llm(config: GraphMemConfig) -> LLM | None:
    if config.llm.api_key is None and config.llm.base_url is None:
        return None  # add() and LLM linking say how to configure one
    from graphmem.adapters.openai_llm import OpenAIChatLLM

    return OpenAIChatLLM(config.llm)


def _default_embedder(config: GraphMemConfig) -> Embedder:
    if config.embedding_provider == "openai":
        from graphmem.adapters.openai_embedder import OpenAIEmbedder

        key = config.llm.api_key
        return OpenAIEmbedder(
            config.embedding_model,
            config.embedding_dimensions,
            base_url=config.embedding_base_url or config.llm.base_url,
            api_key=key.get_secret_value() if key else None,
            timeout_seconds=config.llm.timeout_seconds,
            max_retries=config.llm.max_retries,
        )
    from graphmem.adapters.sentence_transformers_embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(config.embedding_model, backend=config.embedding_backend)
