"""The I/O a memory operation asks for, as data, so one pipeline serves both APIs.

Each operation (an add, a search, a delete) is written once as a generator, a *step*, that
yields what it needs done: a Cypher statement run, texts embedded, an LLM asked. A driver
performs each request and sends the answer back in (or throws the failure in, where the step's
own ``except`` handles it). :mod:`graphmem.drivers` has the two drivers: blocking calls for
``GraphMemory`` and awaited ones for ``AsyncGraphMemory``. The steps hold the logic; the
drivers hold none, so the two classes cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from graphmem.models import Scope
from graphmem.ports import ChatRequest

__all__ = [
    "Chat",
    "Effect",
    "Embed",
    "QueryCount",
    "ScheduleSummary",
    "Score",
    "Statement",
    "Step",
    "Together",
    "alongside",
    "done",
]

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Statement:
    """One Cypher file of cypher/queries run with ``params``; answered with its rows.

    ``mode``: "read" (an auto-commit read, retried when safe), "write" (one managed write
    transaction) or "auto_commit" (a write that batches itself with CALL ... IN TRANSACTIONS).
    ``shape``: "rows" answers the list of rows, "one" the first row, "optional" the first row
    or None."""

    name: str
    params: Mapping[str, Any]
    mode: Literal["read", "write", "auto_commit"] = "read"
    shape: Literal["rows", "one", "optional"] = "one"


@dataclass(frozen=True, slots=True)
class Embed:
    """Unit vectors for ``texts``, in order."""

    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Chat:
    """One structured-output LLM request; answered with a ``ChatReply``."""

    request: ChatRequest


@dataclass(frozen=True, slots=True)
class Score:
    """Cross-encoder relevance of each text to ``query``."""

    query: str
    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Together:
    """Statements run at the same time (on a thread each, or as concurrent tasks);
    answered with their answers, in order."""

    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class QueryCount:
    """How many Neo4j round trips this operation has made so far."""


@dataclass(frozen=True, slots=True)
class ScheduleSummary:
    """Refresh this scope's rolling summary after the operation, off its path."""

    scope: Scope


Effect = Statement | Embed | Chat | Score | Together | QueryCount | ScheduleSummary
Step = Generator[Effect, Any, T]


def done(value: T) -> Step[T]:
    """A step that needs no I/O (e.g. the rule resolver's decisions)."""
    return value
    yield  # pragma: no cover  (makes this function a generator)


def alongside(first: Step[T], second: Step[U]) -> Step[tuple[T, U]]:
    """Two independent steps run as one: where both ask for embeddings at once, one request
    embeds the texts of both; where both ask for a read statement, the two run at the same
    time (``Together``). Everything else runs one after the other, ``first``'s first, so LLM
    calls keep their order. A failure of a shared request is thrown into ``first`` (and into
    ``second`` if ``first`` handles it)."""
    a, b = _Cursor(first), _Cursor(second)
    while not (a.done and b.done):
        shared = _shared(a.effect, b.effect) if not (a.done or b.done) else None
        if shared is not None:
            try:
                answer = yield shared
            except Exception as exc:  # the steps decide what a failure means
                a.throw(exc)
                b.throw(exc)
                continue
            a_answer, b_answer = _split(shared, answer, a.effect)
            a.send(a_answer)
            b.send(b_answer)
            continue
        current = b if a.done else a
        assert current.effect is not None  # a step that has not returned waits on an effect
        try:
            answer = yield current.effect
        except Exception as exc:
            current.throw(exc)
            continue
        current.send(answer)
    return a.value, b.value


def _shared(x: Effect | None, y: Effect | None) -> Effect | None:
    if isinstance(x, Embed) and isinstance(y, Embed):
        return Embed(x.texts + y.texts)
    if isinstance(x, Statement) and isinstance(y, Statement) and x.mode == y.mode == "read":
        return Together((x, y))
    return None


def _split(shared: Effect, answer: Any, first: Effect | None) -> tuple[Any, Any]:
    if isinstance(shared, Embed):
        assert isinstance(first, Embed)
        return answer[: len(first.texts)], answer[len(first.texts) :]
    return answer[0], answer[1]


class _Cursor:
    """A step and the effect it waits on (None once it has returned; then ``value``)."""

    def __init__(self, step: Step[Any]) -> None:
        self._step = step
        self.effect: Effect | None = None
        self.done = False
        self.value: Any = None
        self.send(None)

    def send(self, answer: Any) -> None:
        self._advance(lambda: self._step.send(answer))

    def throw(self, failure: Exception) -> None:
        self._advance(lambda: self._step.throw(failure))

    def _advance(self, move: Callable[[], Effect]) -> None:
        try:
            self.effect = move()
        except StopIteration as stop:
            self.effect, self.done, self.value = None, True, stop.value
