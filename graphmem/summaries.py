"""The rolling conversation summary, refreshed off the add path.

The paper gives the extractors a summary of the conversation besides its last messages. Writing
that summary is an LLM call of its own; inside ``add`` it made one add in twenty cost a 4th call
and its latency. Here an add only notices that the summary is due; the refresh runs after the
add returned, on one background thread per GraphMemory or as a task on AsyncGraphMemory's event
loop (or when the caller asks for it). A refresh that fails is logged and tried again after the
next add: the summary only lags."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from datetime import UTC, datetime

from graphmem.effects import Step, done
from graphmem.extraction import Extractor
from graphmem.models import Scope, Usage
from graphmem.pipeline.inputs import stored_messages
from graphmem.store import statements
from graphmem.structured import UsageMeter

__all__ = ["AsyncSummaryRefresher", "SummaryRefresher", "refresh_step"]

logger = logging.getLogger("graphmem.summaries")

# Messages one refresh reads at most (a scope that fell far behind is summarized from its
# latest messages; the older ones are in the previous summary or in the graph already).
_MAX_PENDING_MESSAGES = 200


def refresh_step(scope: Scope, extractor: Extractor) -> Step[Usage | None]:
    """Fold the scope's messages said since its summary was written into it (one LLM call);
    None when nothing is waiting to be summarized."""
    rows = yield statements.summary_context(scope.key, _MAX_PENDING_MESSAGES)
    if not rows:
        return None
    ctx = rows[0]
    pending = stored_messages(ctx["pending"])
    if not pending:
        return None
    meter = UsageMeter()
    text = yield from extractor.summarize(ctx["summary"], pending, meter)
    covered = max(int(ep["last_seq"]) for ep in ctx["pending"])
    yield statements.set_summary(scope.key, text, covered, datetime.now(UTC))
    return meter.usage()


class _Refresher:
    """What both refreshers share: the refresh, and what the background ones cost."""

    def __init__(self, extractor: Extractor | None) -> None:
        self._extractor = extractor
        self.usage = UsageMeter()  # what the background refreshes have cost so far

    def step(self, scope: Scope) -> Step[Usage | None]:
        if self._extractor is None:
            return done(None)
        return refresh_step(scope, self._extractor)

    def _record(self, scope: Scope, outcome: Usage | BaseException | None) -> None:
        if isinstance(outcome, BaseException):  # the summary lags; the next add asks again
            logger.warning(
                "rolling summary refresh failed for scope %s",
                scope.key,
                exc_info=(type(outcome), outcome, outcome.__traceback__),
            )
        elif outcome is not None:
            self.usage.merge(outcome)


class SummaryRefresher(_Refresher):
    """Background refreshes on one thread, for GraphMemory."""

    def __init__(
        self,
        run: Callable[[Step[Usage | None]], Usage | None],
        extractor: Extractor | None,
    ) -> None:
        super().__init__(extractor)
        self._run = run
        self._lock = threading.Lock()
        self._pending: dict[str, Future[None]] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False

    def schedule(self, scope: Scope) -> None:
        """Refresh ``scope``'s summary in the background (once, however often it is asked)."""
        with self._lock:
            if self._closed or scope.key in self._pending:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="graphmem-summary")
            future = self._executor.submit(self._refresh_logged, scope)
            self._pending[scope.key] = future
            future.add_done_callback(lambda _f: self._done(scope.key))

    def _done(self, key: str) -> None:
        with self._lock:
            self._pending.pop(key, None)

    def _refresh_logged(self, scope: Scope) -> None:
        try:
            self._record(scope, self.refresh(scope))
        except Exception as exc:
            self._record(scope, exc)

    def refresh(self, scope: Scope) -> Usage | None:
        """Refresh now, in this thread; None when nothing is waiting to be summarized."""
        return self._run(self.step(scope))

    def wait(self, timeout_seconds: float | None = None) -> bool:
        """Wait for scheduled refreshes; False if some were still running at the timeout."""
        with self._lock:
            futures = list(self._pending.values())
        _, not_done = wait_all(futures, timeout=timeout_seconds)
        return not not_done

    def close(self, timeout_seconds: float = 60.0) -> None:
        """Let running refreshes finish (up to the timeout), then stop the thread."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            self.wait(timeout_seconds)
            executor.shutdown(wait=False, cancel_futures=True)


class AsyncSummaryRefresher(_Refresher):
    """Background refreshes as tasks on the event loop, for AsyncGraphMemory."""

    def __init__(
        self,
        run: Callable[[Step[Usage | None]], Awaitable[Usage | None]],
        extractor: Extractor | None,
    ) -> None:
        super().__init__(extractor)
        self._run = run
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def schedule(self, scope: Scope) -> None:
        if self._closed or scope.key in self._pending:
            return
        task = asyncio.get_running_loop().create_task(self._refresh_logged(scope))
        self._pending[scope.key] = task
        task.add_done_callback(lambda _t: self._pending.pop(scope.key, None))

    async def _refresh_logged(self, scope: Scope) -> None:
        try:
            self._record(scope, await self.refresh(scope))
        except Exception as exc:
            self._record(scope, exc)

    async def refresh(self, scope: Scope) -> Usage | None:
        return await self._run(self.step(scope))

    async def wait(self, timeout_seconds: float | None = None) -> bool:
        tasks = list(self._pending.values())
        if not tasks:
            return True
        _, not_done = await asyncio.wait(tasks, timeout=timeout_seconds)
        return not not_done

    async def close(self, timeout_seconds: float = 60.0) -> None:
        self._closed = True
        if not await self.wait(timeout_seconds):
            for task in self._pending.values():
                task.cancel()
