"""Run a step (graphmem.effects): perform what it yields and send the answers back in.

``SyncDriver`` blocks (GraphMemory); ``AsyncDriver`` awaits (AsyncGraphMemory): Neo4j through
the async driver, the LLM through an async client, the embedder and a cross-encoder on worker
threads so the event loop stays free. A failure is thrown into the step, whose own ``except``
clauses (a lost commit, a concurrent idempotency key) handle it as they would in plain code.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from graphmem.effects import (
    Chat,
    Effect,
    Embed,
    QueryCount,
    ScheduleSummary,
    Score,
    Statement,
    Step,
    Together,
)
from graphmem.errors import ConfigurationError
from graphmem.models import Scope
from graphmem.ports import LLM, AsyncLLM, ChatReply, ChatRequest, Embedder, Reranker

if TYPE_CHECKING:
    from graphmem.store import AsyncNeo4jStore, Neo4jStore

__all__ = ["AsyncDriver", "SyncDriver"]

T = TypeVar("T")


def _no_llm() -> ConfigurationError:
    return ConfigurationError("this call needs an LLM: pass llm=..., or set OPENAI_API_KEY")


class SyncDriver:
    def __init__(
        self,
        store: Neo4jStore,
        embedder: Embedder,
        llm: LLM | None,
        reranker: Reranker | None,
        schedule_summary: Callable[[Scope], None],
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._llm = llm
        self._reranker = reranker
        self._schedule_summary = schedule_summary
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()  # GraphMemory is called from many threads

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def run(self, step: Step[T]) -> T:
        run = _Run(step)
        while (effect := run.next()) is not None:
            try:
                run.answer(self._perform(effect))
            except Exception as exc:
                run.fail(exc)
        return run.value

    def _perform(self, effect: Effect) -> Any:
        match effect:
            case Statement():
                return self._store.run(effect)
            case Embed(texts=texts):
                return self._embedder.embed(list(texts))
            case Chat(request=request):
                if self._llm is None:
                    raise _no_llm()
                return self._llm.complete(request)
            case Score(query=query, texts=texts):
                assert self._reranker is not None
                return self._reranker.score(query, list(texts))
            case Together(statements=statements):
                return self._together(statements)
            case ScheduleSummary(scope=scope):
                self._schedule_summary(scope)
                return None
        raise TypeError(f"unknown effect {effect!r}")

    def _together(self, statements: tuple[Statement, ...]) -> list[Any]:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(8, thread_name_prefix="graphmem-search")
            pool = self._pool
        others = [pool.submit(self._store.run, s) for s in statements[1:]]
        try:
            first = self._store.run(statements[0])
        except BaseException:
            for future in others:
                future.cancel()  # their own failures, if any, are not the one to report
            raise
        return [first, *(future.result() for future in others)]


class AsyncDriver:
    def __init__(
        self,
        store: AsyncNeo4jStore,
        embedder: Embedder,
        llm: AsyncLLM | LLM | None,
        reranker: Reranker | None,
        schedule_summary: Callable[[Scope], None],
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._complete = _async_complete(llm)
        self._reranker = reranker
        self._schedule_summary = schedule_summary

    async def run(self, step: Step[T]) -> T:
        run = _Run(step)
        while (effect := run.next()) is not None:
            try:
                run.answer(await self._perform(effect))
            except Exception as exc:
                run.fail(exc)
        return run.value

    async def _perform(self, effect: Effect) -> Any:
        match effect:
            case Statement():
                return await self._store.run(effect)
            case Embed(texts=texts):
                return await asyncio.to_thread(self._embedder.embed, list(texts))
            case Chat(request=request):
                if self._complete is None:
                    raise _no_llm()
                return await self._complete(request)
            case Score(query=query, texts=texts):
                assert self._reranker is not None
                return await asyncio.to_thread(self._reranker.score, query, list(texts))
            case Together(statements=statements):
                tasks = [asyncio.ensure_future(self._store.run(s)) for s in statements]
                try:
                    return list(await asyncio.gather(*tasks))
                except BaseException:
                    for task in tasks:
                        task.cancel()
                    raise
            case ScheduleSummary(scope=scope):
                self._schedule_summary(scope)
                return None
        raise TypeError(f"unknown effect {effect!r}")


class _Run(Generic[T]):
    """One step's progress: the next effect to perform, the answers sent back, the round
    trips counted (QueryCount is answered here, without the driver)."""

    def __init__(self, step: Step[T]) -> None:
        self._step = step
        self._answer: Any = None
        self._failure: Exception | None = None
        self._queries = 0
        self.value: T

    def next(self) -> Effect | None:
        """The next effect to perform, or None when the step has returned (see ``value``)."""
        while True:
            try:
                if self._failure is not None:
                    failure, self._failure = self._failure, None
                    effect = self._step.throw(failure)
                else:
                    effect = self._step.send(self._answer)
            except StopIteration as stop:
                self.value = cast(T, stop.value)
                return None
            self._answer = None
            if not isinstance(effect, QueryCount):
                break
            self._answer = self._queries
        if isinstance(effect, Statement):
            self._queries += 1
        elif isinstance(effect, Together):
            self._queries += len(effect.statements)
        return effect

    def answer(self, value: Any) -> None:
        self._answer = value

    def fail(self, failure: Exception) -> None:
        self._failure = failure


def _async_complete(
    llm: AsyncLLM | LLM | None,
) -> Callable[[ChatRequest], Awaitable[ChatReply]] | None:
    """The LLM's ``complete`` as a coroutine: awaited if it is one, else on a worker thread
    (a blocking LLM such as graphmem.testing.ScriptedLLM still works)."""
    if llm is None:
        return None
    if inspect.iscoroutinefunction(llm.complete):
        return cast(Callable[[ChatRequest], Awaitable[ChatReply]], llm.complete)
    blocking = cast(LLM, llm)

    async def complete(request: ChatRequest) -> ChatReply:
        return await asyncio.to_thread(blocking.complete, request)

    return complete
