"""The public memory operations as steps (graphmem.effects): each yields its Neo4j
statements, embeddings and LLM requests, and the driver of GraphMemory or AsyncGraphMemory
performs them. Holds no Cypher and no prompt text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from graphmem.config import GraphMemConfig
from graphmem.effects import Embed, QueryCount, ScheduleSummary, Step, alongside
from graphmem.errors import (
    ConfigurationError,
    GraphMemError,
    InvalidInputError,
    NotFoundError,
)
from graphmem.export import to_json, to_networkx
from graphmem.extraction import Conversation, Extractor
from graphmem.extraction.guards import (
    memory_names,
    memory_too_short,
    restates_context,
    screen_relations,
    speaker_word,
)
from graphmem.mem0.retrieval import search_memories
from graphmem.mem0.update import MemoryUpdate, plan_memories
from graphmem.mem0g.update import (
    PerFact,
    StepResolver,
    Update,
    llm_resolver,
    new_id,
    plan_update,
    rules,
)
from graphmem.models import (
    AddResult,
    ForgetResult,
    Memory,
    MemoryInput,
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
    MemoryInputArg,
    MessagesInput,
    TripletInput,
    batches,
    check_idempotency_key,
    coerce_memory,
    coerce_messages,
    coerce_triplet,
    stored_messages,
    timed,
)
from graphmem.pipeline.outcomes import replayed
from graphmem.pipeline.write import Episode, nothing, write
from graphmem.prompts.memories import ExtractedMemory
from graphmem.resolution import Draft, draft_from_triplets
from graphmem.retrieval.retriever import Retriever, SearchOptions, check_query
from graphmem.store import statements
from graphmem.structured import UsageMeter
from graphmem.summaries import refresh_step
from graphmem.text import normalize_relation, require_unicode
from graphmem.times import parse_stated, storable

__all__ = ["MemoryOperations"]

B = TypeVar("B")  # one batch of a structured ingest


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
        meter = UsageMeter()
        try:
            return (
                yield from self._add(
                    messages,
                    scope,
                    metadata=metadata,
                    timestamp=timestamp,
                    idempotency_key=idempotency_key,
                    meter=meter,
                )
            )
        except GraphMemError as exc:
            exc.usage = meter.usage()  # what the failed add spent, for the caller's accounts
            raise

    def _add(
        self,
        messages: MessagesInput,
        scope: Scope,
        *,
        metadata: Mapping[str, Any] | None,
        timestamp: datetime | None,
        idempotency_key: str | None,
        meter: UsageMeter,
    ) -> Step[AddResult]:
        new = coerce_messages(messages)
        fact_meta = metadata_properties(metadata)
        extractor = self._require_extractor()
        queries_before = yield QueryCount()
        key = check_idempotency_key(idempotency_key)
        cfg = self.config
        ctx = yield statements.load_context(scope.key, cfg.context_messages, key)
        if key is not None and ctx["key_stored"]:
            stored = yield statements.episode_outcome(scope.key, key)
            if stored is not None:
                return replayed(stored, (yield QueryCount()) - queries_before)
        earlier = stored_messages(ctx["recent"])
        recent = earlier[-cfg.context_messages :] if cfg.context_messages else []
        # The add's time ("now" in the prompts): the caller's, else the latest message's.
        said = [storable(m.timestamp) for m in new if m.timestamp is not None]
        when = storable(timestamp) if timestamp else max(said, default=datetime.now(UTC))
        new = timed(new, when)
        episode = Episode(
            id=new_id(),
            observed_at=when,
            messages=new,
            text="\n".join(f"{m.name or m.role}: {m.content}" for m in new),
            metadata=metadata or {},
            fact_meta=fact_meta,
            key=key or "",
        )
        talk = Conversation(new, ctx["summary"], recent, self._speaker(scope, new), when)
        graph_plan, skipped, texts = None, list[tuple[str, str]](), None
        if cfg.variant != "mem0":
            draft, per_fact, skipped, texts = yield from self._extract_graph(talk, meter)
            if draft.entities:
                graph_plan = self._plan_graph(scope, episode, draft, per_fact, meter)
        memory_plan = None
        if cfg.variant != "mem0g":
            if texts is None:  # "mem0"; or "both" when the relation call was not made
                texts = tuple((yield from extractor.extract_memories(talk, meter)))
            texts = _screen_memories(texts, talk, skipped)
            memory_plan = plan_memories(
                cfg,
                scope,
                [(m.text, _stated(m.valid_at, when, m.text, skipped), {}) for m in texts],
                meter=meter,
                output_retries=cfg.llm.max_output_retries,
                now=when,
            )
        graph, memories = yield from _planned(graph_plan, memory_plan)
        if memories is not None:
            skipped += memories.skipped
        skipped += graph.plan.refused
        skipped += meter.dropped
        result = yield from write(scope, episode, graph, memories)
        # The summary is refreshed after the add, never as an extra LLM call inside it.
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
                "skipped": tuple(Skipped(item=i, reason=r) for i, r in skipped),
            }
        )

    def _extract_graph(
        self, talk: Conversation, meter: UsageMeter
    ) -> Step[tuple[Draft, PerFact, list[tuple[str, str]], tuple[ExtractedMemory, ...] | None]]:
        """Mem0g's two extraction calls. Returns the draft, the times the model stated per
        fact, the extracted items that could not be stored (with the reason) and, for variant
        "both", the memories the relation call wrote (None when it was not made)."""
        extraction = yield from self._require_extractor().extract(
            talk, meter, with_memories=self.config.variant == "both"
        )
        now = talk.now
        skipped: list[tuple[str, str]] = []
        relations = extraction.relations
        screened = screen_relations(
            [(r.source, r.relation, r.target) for r in relations],
            (e.name for e in extraction.entities),
            speaker=talk.self_name,
            new=talk.new,
            context=_context_texts(talk),
            one_speaker=len({m.name for m in talk.new if m.role == "user"}) <= 1,
        )
        triplets = [
            _triplet(
                source,
                relations[i].relation,
                target,
                relations[i].valid_at,
                relations[i].invalid_at,
                now,
                skipped,
            )
            for i, source, target in screened.kept
        ]
        # The speaker's pronouns ("I", "user") are the speaker, not entities of their own.
        mentioned = [(e.name, e.type) for e in extraction.entities if not speaker_word(e.name)]
        # Unusable items (a blank name, a relation of punctuation only) are reported on the
        # result as skipped, with the reason; nothing is dropped silently.
        draft = draft_from_triplets(triplets, mentioned)
        skipped = [*screened.skipped, *draft.skipped, *skipped]
        return draft, _per_fact(triplets, {}), skipped, extraction.memories

    def _plan_graph(
        self, scope: Scope, episode: Episode, draft: Draft, per_fact: PerFact, meter: UsageMeter
    ) -> Step[Update]:
        """Mem0g's entity resolution, conflict detection and resolver for ``draft``."""
        return plan_update(
            self.config,
            scope,
            draft,
            resolver=llm_resolver(meter, self.config.llm.max_output_retries),
            per_fact=per_fact,
            fact_meta=episode.fact_meta,
            match_similar=True,
            llm_context=True,
            observed_at=episode.observed_at,
            single_valued=self._singles(()),
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
        singles = self._singles(single_valued or ())
        meter = UsageMeter()
        queries_before = yield QueryCount()
        when = storable(timestamp) if timestamp else datetime.now(UTC)
        for t in items:  # check everything before the first batch is written
            metadata_properties(t.metadata)
            _interval(t, when)
        decide = self._choose_resolver(resolver, singles, meter)

        def write_batch(batch: list[Triplet], batch_key: str | None) -> Step[AddResult]:
            return self._record(
                scope,
                draft_from_triplets(batch, strict=True),
                episode=_ingest_episode(when, metadata, batch_key, f"{len(batch)} triplet(s)"),
                resolver=decide,
                per_fact=_per_fact(batch, call_meta),
                match_similar=match_similar,
                llm_context=resolver != "rules" and self.has_llm,
                single_valued=singles,
            )

        ordered = batches(items, when, singles, batch_size)
        results = yield from _in_batches(scope, key, ordered, write_batch, "add_triplets")
        return _combined(results, meter.usage(), (yield QueryCount()) - queries_before)

    def add_memories(
        self,
        memories: Iterable[MemoryInputArg],
        scope: Scope,
        *,
        metadata: Mapping[str, Any] | None,
        timestamp: datetime | None,
        resolver: Literal["auto", "llm", "rules"],
        batch_size: int,
        idempotency_key: str | None,
    ) -> Step[AddResult]:
        """The Mem0 variant's structured ingest: memories stored as given, no extraction."""
        key = check_idempotency_key(idempotency_key)
        if not 1 <= batch_size <= 10_000:
            raise InvalidInputError(f"batch_size must be within 1..10000, got {batch_size}")
        call_meta = metadata_properties(metadata)
        items = [coerce_memory(m) for m in memories]
        if not items:
            raise InvalidInputError("memories is empty: give at least one text to remember")
        metas = [{**call_meta, **metadata_properties(m.metadata)} for m in items]
        meter = UsageMeter()
        ask = self._memory_resolver(resolver, meter)
        queries_before = yield QueryCount()
        when = storable(timestamp) if timestamp else datetime.now(UTC)
        ordered = sorted(
            zip(items, metas, strict=True),
            key=lambda pair: storable(pair[0].valid_at) if pair[0].valid_at else when,
        )

        def write_batch(
            batch: Sequence[tuple[MemoryInput, dict[str, Any]]], batch_key: str | None
        ) -> Step[AddResult]:
            candidates = [
                (m.text, storable(m.valid_at) if m.valid_at else None, meta) for m, meta in batch
            ]
            update = yield from plan_memories(
                self.config,
                scope,
                candidates,
                meter=ask,
                output_retries=self.config.llm.max_output_retries,
                now=when,
            )
            episode = _ingest_episode(when, metadata, batch_key, f"{len(batch)} memory(ies)")
            return (yield from write(scope, episode, nothing(), update))

        chunks = [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]
        results = yield from _in_batches(scope, key, chunks, write_batch, "add_memories")
        return _combined(results, meter.usage(), (yield QueryCount()) - queries_before)

    def _memory_resolver(self, choice: str, meter: UsageMeter) -> UsageMeter | None:
        """The meter of the LLM resolver's calls, or None to decide by restatement alone."""
        if choice not in ("auto", "llm", "rules"):
            raise InvalidInputError(f"resolver must be 'auto', 'llm' or 'rules', got {choice!r}")
        if choice == "llm" and not self.has_llm:
            raise ConfigurationError("resolver='llm' needs an LLM; use resolver='rules'")
        return meter if choice == "llm" or (choice == "auto" and self.has_llm) else None

    def refresh_summary(self, scope: Scope) -> Step[Usage | None]:
        return refresh_step(scope, self._require_extractor())

    def _speaker(self, scope: Scope, new: Sequence[Message]) -> str:
        """What the prompts call the user: the configured name, else the one name their
        messages carry, else the scope's id."""
        if self.config.speaker_name:
            return self.config.speaker_name
        names = {str(m.name) for m in new if m.role == "user" and m.name}
        if len(names) == 1:
            return names.pop()
        return scope.user_id or scope.agent_id or "user"

    def _singles(self, extra: Iterable[str]) -> frozenset[str]:
        """The relations that hold one value at a time: the config's and the call's."""
        return frozenset(
            normalize_relation(r) for r in (*self.config.single_valued_relations, *extra)
        )

    def _choose_resolver(
        self, choice: str, singles: frozenset[str], meter: UsageMeter
    ) -> StepResolver:
        if choice == "rules" or (choice == "auto" and not self.has_llm):
            return rules(singles)
        if choice in ("llm", "auto"):
            if not self.has_llm:
                raise ConfigurationError("resolver='llm' needs an LLM; use resolver='rules'")
            return llm_resolver(meter, self.config.llm.max_output_retries)
        raise InvalidInputError(f"resolver must be 'auto', 'llm' or 'rules', got {choice!r}")

    def _record(
        self,
        scope: Scope,
        draft: Draft,
        episode: Episode,
        *,
        resolver: StepResolver | None,
        per_fact: PerFact,
        match_similar: bool,
        llm_context: bool = True,
        single_valued: frozenset[str] = frozenset(),
    ) -> Step[AddResult]:
        """Entity resolution, conflict detection and the resolver, then ONE write transaction."""
        update = nothing()
        if draft.entities:
            update = yield from plan_update(
                self.config,
                scope,
                draft,
                resolver=resolver,
                per_fact=per_fact,
                fact_meta=episode.fact_meta,
                match_similar=match_similar,
                llm_context=llm_context,
                observed_at=episode.observed_at,
                single_valued=single_valued,
            )
        result = yield from write(scope, episode, update)
        refused = tuple(Skipped(item=i, reason=r) for i, r in update.plan.refused)
        return result.model_copy(update={"skipped": result.skipped + refused})

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
        metadata_properties(metadata)  # the filter must be storable metadata (typed error)
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
        variant = self.config.variant
        if variant == "mem0g":
            return (yield from self.retriever.search(query, scope, options))
        check_query(query, options)
        embedding = (yield Embed((query,)))[0]
        memories = yield from search_memories(query, scope, options, embedding, cfg)
        if variant == "mem0":
            return SearchResult(
                query=query, relations=(), linked_entities=(), usage=Usage(), memories=memories
            )
        found = yield from self.retriever.search(query, scope, options, embedding)
        return found.model_copy(update={"memories": memories})

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
        params = _listing(scope, include_invalid, since, until, limit)
        params["entity_key"] = normalize_name(entity) if entity else None
        rows = yield statements.list_facts(params)
        return [Relation.from_record(r) for r in rows]

    def list_memories(
        self,
        scope: Scope,
        *,
        include_invalid: bool,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> Step[list[Memory]]:
        rows = yield statements.list_memories(_listing(scope, include_invalid, since, until, limit))
        return [Memory.from_record(r) for r in rows]

    def delete(self, item_id: str, scope: Scope, *, erase_episodes: bool) -> Step[int]:
        """A fact, or (the Mem0 variant) a memory, by id."""
        if not isinstance(item_id, str) or not item_id:
            raise InvalidInputError("relation_id must be a non-empty string")
        now = datetime.now(UTC)
        row = yield statements.delete_fact(scope.key, item_id, erase_episodes, now)
        if not row["deleted"]:
            row = yield statements.delete_memory(scope.key, item_id, erase_episodes, now)
        if not row["deleted"]:
            raise NotFoundError(f"no fact or memory {item_id!r} in scope {scope.key}")
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


def _planned(
    graph: Step[Update] | None, memories: Step[MemoryUpdate] | None
) -> Step[tuple[Update, MemoryUpdate | None]]:
    """The update phases an add needs; with both variants, side by side: one embedding
    request and one concurrent pair of lookups for the two."""
    if graph is not None and memories is not None:
        both: tuple[Update, MemoryUpdate] = yield from alongside(graph, memories)
        return both
    planned_graph = (yield from graph) if graph is not None else nothing()
    planned_memories = (yield from memories) if memories is not None else None
    return planned_graph, planned_memories


def _in_batches(
    scope: Scope,
    key: str | None,
    batches: Sequence[B],
    write_batch: Callable[[B, str | None], Step[AddResult]],
    caller: str,
) -> Step[list[AddResult]]:
    """A structured ingest's batches, one transaction each, in order. With an idempotency key,
    batch i > 0 is keyed "{key}/{i}" and a batch already stored is replayed, not written."""
    results: list[AddResult] = []
    for number, batch in enumerate(batches):
        batch_key = None if key is None else key if number == 0 else f"{key}/{number}"
        if batch_key is not None:
            stored = yield statements.episode_outcome(scope.key, batch_key)
            if stored is not None:
                results.append(replayed(stored, 0))
                continue
        try:
            results.append((yield from write_batch(batch, batch_key)))
        except GraphMemError as exc:
            exc.add_note(
                f"{caller}: {len(results)} of {len(batches)} batches were written before "
                f"this one failed (episodes {[r.episode_id for r in results]}); each batch "
                "is one transaction, so none is half-written"
            )
            raise
    return results


def _ingest_episode(
    when: datetime, metadata: Mapping[str, Any] | None, key: str | None, what: str
) -> Episode:
    """The episode of one structured-ingest batch (no messages: the items are the input)."""
    return Episode(
        id=new_id(),
        observed_at=when,
        messages=[],
        text=f"structured ingest of {what}",
        metadata=metadata or {},
        key=key or "",
    )


def _listing(
    scope: Scope,
    include_invalid: bool,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> dict[str, Any]:
    """The parameters list_facts.cypher and list_memories.cypher share."""
    if limit < 1:
        raise InvalidInputError(f"limit must be at least 1, got {limit}")
    return {
        "scope_key": scope.key,
        "include_invalid": include_invalid,
        "since": storable(since) if since else None,
        "until": storable(until) if until else None,
        "limit": limit,
    }


def _per_fact(batch: Sequence[Triplet], call_meta: Mapping[str, Any]) -> PerFact:
    """Each triplet's own valid interval and metadata (over the call's), by its keys."""
    out: dict[tuple[str, str, str], tuple[datetime | None, datetime | None, dict[str, Any]]] = {}
    for t in batch:
        try:
            relation = normalize_relation(t.relation)
        except InvalidInputError:
            continue  # an unusable relation name: the draft reports it
        out[(normalize_name(t.source), relation, normalize_name(t.target))] = (
            storable(t.valid_at) if t.valid_at else None,
            storable(t.invalid_at) if t.invalid_at else None,
            {**call_meta, **metadata_properties(t.metadata)},
        )
    return out


def _interval(t: Triplet, when: datetime) -> None:
    """A triplet with an end but no start begins at the call's time: it must not end before."""
    if t.invalid_at is not None and t.valid_at is None and storable(t.invalid_at) < when:
        raise InvalidInputError(
            f"triplet {t.source!r} / {t.relation!r} / {t.target!r}: invalid_at "
            f"{t.invalid_at.isoformat()} is before the call's timestamp {when.isoformat()}, "
            "when the fact would begin: give its valid_at too"
        )


def _stated(
    text: str | None, now: datetime, item: str, skipped: list[tuple[str, str]]
) -> datetime | None:
    """A time a model stated, read against the add's time; a bad one is dropped and said."""
    if text is None or not text.strip():
        return None
    try:
        return parse_stated(text, now)
    except ValueError as exc:
        skipped.append((item, f"time dropped: {exc}; the message's time is used"))
        return None


def _triplet(  # noqa: PLR0917 (one caller, the fields of one reply item)
    source: str,
    relation: str,
    target: str,
    valid_text: str | None,
    invalid_text: str | None,
    now: datetime,
    skipped: list[tuple[str, str]],
) -> Triplet:
    """An extracted relation as a Triplet, with the times the model stated when they make
    sense: an end before the start, or an end after the add's time, is dropped and said."""
    what = f"{source} / {relation} / {target}"
    valid_at = _stated(valid_text, now, f"{what}: valid_at {valid_text!r}", skipped)
    invalid_at = _stated(invalid_text, now, f"{what}: invalid_at {invalid_text!r}", skipped)
    if invalid_at is not None:
        start = valid_at or now
        if invalid_at < start:
            why = "time dropped: it is before the fact began"
            skipped.append((f"{what}: invalid_at {invalid_text!r}", why))
            invalid_at = None
        elif invalid_at > now:
            skipped.append(
                (
                    f"{what}: invalid_at {invalid_text!r}",
                    "time dropped: an end after the messages' time is a plan, not history; "
                    "the fact is stored as current",
                )
            )
            invalid_at = None
    return Triplet(
        source=source, relation=relation, target=target, valid_at=valid_at, invalid_at=invalid_at
    )


def _combined(results: Sequence[AddResult], usage: Usage, queries: int) -> AddResult:
    """One result for the batches of an add_triplets call."""
    return AddResult(
        episode_id=results[-1].episode_id,
        episode_ids=tuple(r.episode_id for r in results),
        replayed=all(r.replayed for r in results),
        entities=tuple({e.id: e for r in results for e in r.entities}.values()),
        operations=tuple(op for r in results for op in r.operations),
        memory_operations=tuple(op for r in results for op in r.memory_operations),
        usage=usage,
        neo4j_queries=queries,
    )


def _context_texts(talk: Conversation) -> list[str]:
    """The earlier conversation an extraction call saw, as text."""
    return [*([talk.summary] if talk.summary else []), *(m.content for m in talk.recent)]


def _screen_memories(
    memories: Sequence[ExtractedMemory], talk: Conversation, skipped: list[tuple[str, str]]
) -> tuple[ExtractedMemory, ...]:
    """The extracted memories worth storing: not a word or two ("I", "my"), not a restatement
    of the earlier conversation; the others are listed in ``skipped`` with the reason."""
    new_text = " ".join(m.content for m in talk.new)
    context = _context_texts(talk)
    kept = []
    for m in memories:
        if memory_too_short(m.text):
            skipped.append((m.text, "too short to mean anything on its own"))
        elif restates_context(memory_names(m.text, talk.self_name), new_text, context, every=True):
            skipped.append((m.text, "it restates the earlier conversation, not the new messages"))
        else:
            kept.append(m)
    return tuple(kept)
