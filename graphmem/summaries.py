"""The rolling conversation summary, refreshed off the add path.

The paper gives the extractors a summary of the conversation besides its last messages. Writing
that summary is an LLM call of its own; inside ``add`` it made one add in twenty cost a 4th call
and its latency. Here an add only notices that the summary is due; the refresh runs after the
add returned, on one background thread per GraphMemory (or when the caller asks for it). A
refresh that fails is logged and tried again after the next add: the summary only lags."""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from datetime import UTC, datetime

from graphmem.extraction import Extractor
from graphmem.models import Message, Scope, Usage
from graphmem.store import Neo4jStore
from graphmem.structured import UsageMeter

__all__ = ["SummaryRefresher"]

logger = logging.getLogger("graphmem.summaries")

# Messages one refresh reads at most (a scope that fell far behind is summarized from its
# latest messages; the older ones are in the previous summary or in the graph already).
_MAX_PENDING_MESSAGES = 200


class SummaryRefresher:
    def __init__(self, store: Neo4jStore, extractor: Extractor | None, every: int) -> None:
        self._store = store
        self._extractor = extractor
        self._every = every
        self._lock = threading.Lock()
        self._pending: dict[str, Future[Usage | None]] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False
        self.usage = UsageMeter()  # what the background refreshes have cost so far

    def due(self, message_count: int, summarized_count: int) -> bool:
        return (
            self._extractor is not None
            and bool(self._every)
            and (message_count - summarized_count >= self._every)
        )

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

    def _refresh_logged(self, scope: Scope) -> Usage | None:
        try:
            usage = self.refresh(scope)
        except Exception:  # the summary lags; the next add schedules it again
            logger.warning("rolling summary refresh failed for scope %s", scope.key, exc_info=True)
            return None
        if usage is not None:
            self.usage.merge(usage)
        return usage

    def refresh(self, scope: Scope) -> Usage | None:
        """Refresh now, in this thread; None when nothing is waiting to be summarized."""
        if self._extractor is None:
            return None
        rows = self._store.summary_context(scope.key, _MAX_PENDING_MESSAGES)
        if not rows:
            return None
        ctx = rows[0]
        pending = [Message(**m) for ep in ctx["pending"] for m in json.loads(ep["messages_json"])]
        if not pending:
            return None
        meter = UsageMeter()
        text = self._extractor.summarize(ctx["summary"], pending, meter)
        covered = max(int(ep["last_seq"]) for ep in ctx["pending"])
        self._store.set_summary(scope.key, text, covered, datetime.now(UTC))
        return meter.usage()

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
