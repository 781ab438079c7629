"""AsyncGraphMemory: GraphMemory's API as coroutines, for agents that run on asyncio.

The operations are the same steps GraphMemory runs (graphmem.pipeline); only the driver
differs: Neo4j through the neo4j async driver, the LLM through the openai async client, the
embedder on a worker thread so a search never blocks the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Self, TypeVar, overload

from graphmem.config import GraphMemConfig
from graphmem.defaults import check_embedder, default_embedder, default_reranker
from graphmem.drivers import AsyncDriver
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
from graphmem.ports import LLM, AsyncLLM, Embedder, Reranker
from graphmem.store import AsyncNeo4jStore
from graphmem.summaries import AsyncSummaryRefresher

__all__ = ["AsyncGraphMemory"]

T = TypeVar("T")


class AsyncGraphMemory:
    """Long-term graph memory for agents on asyncio; every method of
    :class:`graphmem.GraphMemory`, awaited, with the same arguments, results and errors.

    >>> async with AsyncGraphMemory(config, embedder=embedder) as mem:
    ...     await mem.add("I'm vegetarian and I avoid dairy.", user_id="alice")
    ...     await mem.search("What should I cook for Alice tonight?", user_id="alice")

    Bound to the event loop it is first used on (the neo4j async driver is). Without
    ``async with``, the first call connects and migrates; ``await mem.close()`` at the end.
    ``llm`` may be async (``graphmem.adapters.AsyncOpenAIChatLLM``, the default) or blocking
    (run on a worker thread)."""

    def __init__(
        self,
        config: GraphMemConfig | None = None,
        *,
        llm: AsyncLLM | LLM | None = None,
        embedder: Embedder | None = None,
        reranker: Reranker | None = None,
        store: AsyncNeo4jStore | None = None,
        migrate: bool = True,
    ) -> None:
        self.config = config or GraphMemConfig()
        self._owns_llm = llm is None  # close the client graphmem made, not the caller's
        self._llm = llm if llm is not None else default_async_llm(self.config)
        self._embedder = embedder if embedder is not None else default_embedder(self.config)
        self._store = store if store is not None else AsyncNeo4jStore.connect(self.config.neo4j)
        reranker = reranker if reranker is not None else default_reranker(self.config)
        self._ops = MemoryOperations(
            self.config, has_llm=self._llm is not None, has_reranker=reranker is not None
        )
        self._driver = AsyncDriver(
            self._store, self._embedder, self._llm, reranker, self._schedule_summary
        )
        self._summaries = AsyncSummaryRefresher(self._driver.run, self._ops.extractor)
        self._migrate = migrate
        self._opened = False
        self._opening: asyncio.Lock | None = None

    @classmethod
    def from_env(cls, **overrides: Any) -> AsyncGraphMemory:
        """Settings from the environment (NEO4J_URI, OPENAI_API_KEY, ... see the README)."""
        return cls(GraphMemConfig.from_env(), **overrides)

    async def open(self) -> None:
        """Check the server and the embedder, apply schema migrations (once; the first call
        does it when this was not called)."""
        if self._opened:
            return
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._opened:
                return
            if self._migrate:
                await self._store.verify()
                check_embedder(self._embedder, self.config)
                await self._store.migrate(self.config.embedding_dimensions)
            self._opened = True

    async def close(self) -> None:
        """Finish background summary refreshes (up to a minute), then close the driver and
        the LLM client graphmem created."""
        await self._summaries.close()
        await self._store.close()
        close = getattr(self._llm, "close", None)
        if self._owns_llm and close is not None:
            await close()

    async def __aenter__(self) -> Self:
        try:
            await self.open()
        except BaseException:
            await self._store.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def store(self) -> AsyncNeo4jStore:
        return self._store

    async def _run(self, step: Step[T]) -> T:
        if not self._opened:
            await self.open()
        return await self._driver.run(step)

    def _schedule_summary(self, scope: Scope) -> None:
        self._summaries.schedule(scope)

    # -- add --------------------------------------------------------------------------------

    async def add(
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
        """As :meth:`GraphMemory.add`."""
        return await self._run(
            self._ops.add(
                messages,
                Scope.of(user_id, agent_id, run_id),
                metadata=metadata,
                timestamp=timestamp,
                idempotency_key=idempotency_key,
            )
        )

    async def add_triplets(
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
        """As :meth:`GraphMemory.add_triplets`."""
        return await self._run(
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

    async def add_memories(
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
        """As :meth:`GraphMemory.add_memories`."""
        return await self._run(
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

    async def refresh_summary(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> Usage | None:
        """As :meth:`GraphMemory.refresh_summary`."""
        return await self._run(self._ops.refresh_summary(Scope.of(user_id, agent_id, run_id)))

    async def wait_for_summaries(self, timeout_seconds: float | None = None) -> bool:
        """Wait until the background summary refreshes are done; False at the timeout."""
        return await self._summaries.wait(timeout_seconds)

    # -- search -----------------------------------------------------------------------------

    async def search(
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
        """As :meth:`GraphMemory.search`."""
        return await self._run(
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
    async def export(
        self,
        *,
        user_id: str | None = ...,
        agent_id: str | None = ...,
        run_id: str | None = ...,
        include_invalid: bool = ...,
        format: Literal["json"] = ...,
    ) -> dict[str, Any]: ...

    @overload
    async def export(
        self,
        *,
        user_id: str | None = ...,
        agent_id: str | None = ...,
        run_id: str | None = ...,
        include_invalid: bool = ...,
        format: Literal["networkx"],
    ) -> Any: ...

    async def export(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        include_invalid: bool = True,
        format: Literal["json", "networkx"] = "json",
    ) -> Any:
        """As :meth:`GraphMemory.export`."""
        return await self._run(
            self._ops.export(
                Scope.of(user_id, agent_id, run_id), include_invalid=include_invalid, format=format
            )
        )

    async def get_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 1000,
    ) -> list[Relation]:
        """As :meth:`GraphMemory.get_all`."""
        return await self._run(
            self._ops.list_facts(
                Scope.of(user_id, agent_id, run_id),
                include_invalid=False,
                entity=None,
                since=None,
                until=None,
                limit=limit,
            )
        )

    async def history(
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
        """As :meth:`GraphMemory.history`."""
        return await self._run(
            self._ops.list_facts(
                Scope.of(user_id, agent_id, run_id),
                include_invalid=True,
                entity=entity,
                since=since,
                until=until,
                limit=limit,
            )
        )

    async def get_memories(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 1000,
    ) -> list[Memory]:
        """As :meth:`GraphMemory.get_memories`."""
        return await self._run(
            self._ops.list_memories(
                Scope.of(user_id, agent_id, run_id),
                include_invalid=False,
                since=None,
                until=None,
                limit=limit,
            )
        )

    async def memory_history(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[Memory]:
        """As :meth:`GraphMemory.memory_history`."""
        return await self._run(
            self._ops.list_memories(
                Scope.of(user_id, agent_id, run_id),
                include_invalid=True,
                since=since,
                until=until,
                limit=limit,
            )
        )

    async def delete(
        self,
        relation_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        erase_episodes: bool = False,
    ) -> int:
        """As :meth:`GraphMemory.delete`."""
        return await self._run(
            self._ops.delete(
                relation_id, Scope.of(user_id, agent_id, run_id), erase_episodes=erase_episodes
            )
        )

    async def delete_all(
        self, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> int:
        """As :meth:`GraphMemory.delete_all`."""
        return await self._run(self._ops.delete_all(Scope.of(user_id, agent_id, run_id)))

    async def forget(
        self, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> ForgetResult:
        """As :meth:`GraphMemory.forget`."""
        return await self._run(self._ops.forget(user_id, agent_id, run_id))


def default_async_llm(config: GraphMemConfig) -> AsyncLLM | None:
    if config.llm.api_key is None and config.llm.base_url is None:
        return None  # add() and LLM linking say how to configure one
    from graphmem.adapters.openai_llm import AsyncOpenAIChatLLM

    return AsyncOpenAIChatLLM(config.llm)
