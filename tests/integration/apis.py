"""Both public classes behind one blocking interface, so one suite tests both.

``AsyncGraphMemory`` is driven from an ``asyncio.Runner`` (one event loop for its whole life,
as the neo4j async driver wants); the suite calls ``api.add(...)`` either way."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from graphmem import AsyncGraphMemory, GraphMemConfig, GraphMemory

Kind = Literal["sync", "async"]
KINDS: tuple[Kind, ...] = ("sync", "async")


class AwaitedMemory:
    """An AsyncGraphMemory whose coroutines are run to completion on one loop."""

    def __init__(self, memory: AsyncGraphMemory, runner: asyncio.Runner) -> None:
        self.memory = memory
        self.runner = runner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.memory, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.runner.run(attr(*args, **kwargs))

        return call


@contextmanager
def open_memory(kind: Kind, config: GraphMemConfig, **kwargs: Any) -> Iterator[Any]:
    """A GraphMemory, or an AsyncGraphMemory behind AwaitedMemory, closed at the end."""
    if kind == "sync":
        with GraphMemory(config, **kwargs) as mem:
            yield mem
        return
    with asyncio.Runner() as runner:
        memory = AsyncGraphMemory(config, **kwargs)
        try:
            runner.run(memory.open())
            yield AwaitedMemory(memory, runner)
        finally:
            runner.run(memory.close())
