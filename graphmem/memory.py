"""GraphMemory: the public entry point (blocking). Wires the stages; holds no Cypher and no
prompt text. The operations themselves are steps (graphmem.pipeline), shared with
AsyncGraphMemory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Self, TypeVar, overload

from graphmem.config import GraphMemConfig
from graphmem.defaults import check_embedder, default_embedder, default_llm, default_reranker
from graphmem.drivers import SyncDriver
from graphmem.effects import Step
from graphmem.models import (
    AddResult,
    ForgetResult,
    Memory,
    Relation,
    Scope,
    SearchResult,
    Usage,
)
from graphmem.pipeline.inputs import MemoryInputArg, MessagesInput, TripletInput
from graphmem.pipeline.operations import MemoryOperations
from graphmem.ports import LLM, Embedder, Reranker
from graphmem.store import Neo4jStore
from graphmem.summaries import SummaryRefresher

__all__ = ["GraphMemory"]

T = TypeVar("T")


class GraphMemory:
    """Long-term graph memory for agents, stored in Neo4j.

    >>> with GraphMemory(config, llm=llm, embedder=embedder) as mem:
    ...     mem.add("I'm vegetarian and I avoid dairy.", user_id="alice")
    ...     mem.search("What should I cook for Alice tonight?", user_id="alice")

    :class:`graphmem.AsyncGraphMemory` has the same methods as coroutines.
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
        self._llm = llm if llm is not None else default_llm(self.config)
        self._embedder = embedder if embedder is not None else default_embedder(self.config)
        self._store = store if store is not None else Neo4jStore.connect(self.config.neo4j)
        reranker = reranker if reranker is not None else default_reranker(self.config)
        self._ops = MemoryOperations(
            self.config, has_llm=self._llm is not None, has_reranker=reranker is not None
        )
        self._driver = SyncDriver(
            self._store, self._embedder, self._llm, reranker, self._schedule_summary
        )
        self._summaries = SummaryRefresher(self._driver.run, self._ops.extractor)
        if migrate:
            try:
                self._store.verify()
                check_embedder(self._embedder, self.config)
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
        self._driver.close()
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def store(self) -> Neo4jStore:
        return self._store

    def _run(self, step: Step[T]) -> T:
        return self._driver.run(step)

    def _schedule_summary(self, scope: Scope) -> None:
        self._summaries.schedule(scope)

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
        return self._run(
            self._ops.add(
                messages,
                Scope.of(user_id, agent_id, run_id),
                metadata=metadata,
                timestamp=timestamp,
                idempotency_key=idempotency_key,
            )
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
        return self._run(
            self._ops.add_triplets(
                triplets,
                Scope.of(user_id, agent_id, run_id),
                metadata=metadata,
                timestamp=timestamp,
                single_valued=single_valued,
                resolver=resolver,
                match_similar=match_similar,
                batch_size=batch_size,
                idempotency_key=idempotency_key,
            )
        )

    def add_memories(
        self,
        memories: Iterable[MemoryInputArg],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
        resolver: Literal["auto", "llm", "rules"] = "auto",
        batch_size: int = 500,
        idempotency_key: str | None = None,
    ) -> AddResult:
        """Remember memories you already have as text (the Mem0 variant), without extraction.

        Items are strings, ``MemoryInput`` objects or dicts with ``text`` and optionally
        ``valid_at`` and ``metadata``. A text already stored in the scope (up to case and
        spaces) is confirmed, not duplicated; the others are compared with their most similar
        stored memories by the LLM update resolver (``resolver="llm"``, the default when an LLM
        is configured) or added as they are (``"rules"``). Written in batches of
        ``batch_size``, one transaction each, in ``valid_at`` order; with ``idempotency_key``
        a retry writes only the batches not yet stored (batch i > 0 is keyed
        ``"{key}/{i}"``)."""
        return self._run(
            self._ops.add_memories(
                memories,
                Scope.of(user_id, agent_id, run_id),
                metadata=metadata,
                timestamp=timestamp,
                resolver=resolver,
                batch_size=batch_size,
                idempotency_key=idempotency_key,
            )
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
        return self._run(self._ops.refresh_summary(Scope.of(user_id, agent_id, run_id)))

    def wait_for_summaries(self, timeout_seconds: float | None = None) -> bool:
        """Wait until the background summary refreshes are done; False at the timeout."""
        return self._summaries.wait(timeout_seconds)

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
        "cross_encoder". No LLM call unless ``entity_linking="llm"``.

        With ``GraphMemConfig(variant="mem0")`` or ``"both"``, ``memories`` holds the scope's
        natural-language memories found by the semantic and keyword channels, fused the same
        way (time and metadata filters apply; a relations or entity-type filter leaves none)."""
        return self._run(
            self._ops.search(
                query,
                Scope.of(user_id, agent_id, run_id),
                limit=limit,
                include_invalid=include_invalid,
                as_of=as_of,
                entity_linking=entity_linking,
                depth=depth,
                channels=channels,
                rerank=rerank,
                entity_types=entity_types,
                relations=relations,
                since=since,
                until=until,
                metadata=metadata,
            )
        )

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
        return self._run(
            self._ops.export(
                Scope.of(user_id, agent_id, run_id), include_invalid=include_invalid, format=format
            )
        )

    def get_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 1000,
    ) -> list[Relation]:
        """The scope's currently valid facts, earliest valid_at first (memories:
        ``get_memories``)."""
        return self._run(
            self._ops.list_facts(
                Scope.of(user_id, agent_id, run_id),
                include_invalid=False,
                entity=None,
                since=None,
                until=None,
                limit=limit,
            )
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
        """Every fact of the scope, invalidated ones included (with when and why), in valid
        time (earliest valid_at first); optionally only those about ``entity`` or created in
        [since, until)."""
        return self._run(
            self._ops.list_facts(
                Scope.of(user_id, agent_id, run_id),
                include_invalid=True,
                entity=entity,
                since=since,
                until=until,
                limit=limit,
            )
        )

    def get_memories(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 1000,
    ) -> list[Memory]:
        """The scope's currently valid memories (the Mem0 variant), earliest valid_at first."""
        return self._run(
            self._ops.list_memories(
                Scope.of(user_id, agent_id, run_id),
                include_invalid=False,
                since=None,
                until=None,
                limit=limit,
            )
        )

    def memory_history(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[Memory]:
        """Every memory of the scope (the Mem0 variant), retired ones included (with when and
        why, and ``replaced_by`` after an UPDATE), earliest valid_at first; optionally only
        those created in [since, until)."""
        return self._run(
            self._ops.list_memories(
                Scope.of(user_id, agent_id, run_id),
                include_invalid=True,
                since=since,
                until=until,
                limit=limit,
            )
        )

    def delete(
        self,
        relation_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        erase_episodes: bool = False,
    ) -> int:
        """Erase one fact (or, with the Mem0 variant, one memory) of the scope for good, by its
        id (unlike a contradiction, which keeps history).

        The episodes that stated it keep their raw text unless ``erase_episodes=True``, which
        blanks their messages, text and metadata too (the episodes stay, marked ``erased_at``,
        as the source of the other facts they stated). Returns the number of episodes erased."""
        return self._run(
            self._ops.delete(
                relation_id, Scope.of(user_id, agent_id, run_id), erase_episodes=erase_episodes
            )
        )

    def delete_all(
        self, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> int:
        """Erase everything this one exact scope holds; returns the number of nodes deleted.

        Only the exact scope: memories written with (alice, run 1) stay after
        ``delete_all(user_id="alice")``. To erase everything about alice, use ``forget``."""
        return self._run(self._ops.delete_all(Scope.of(user_id, agent_id, run_id)))

    def forget(
        self, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> ForgetResult:
        """Erase every scope that holds the given ids, with everything in it: facts (valid and
        retired), entities, episodes with their raw messages, the summary and the Scope node.

        ``forget(user_id="alice")`` erases (alice), (alice, agent a), (alice, run 1), ...;
        with several ids, the scopes holding all of them. Nothing is kept for history: use
        this to honour "forget everything about me". An add still running for the user when
        this runs may write after it; run it again once the user's agents have stopped."""
        return self._run(self._ops.forget(user_id, agent_id, run_id))
