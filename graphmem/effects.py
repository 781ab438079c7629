"""The I/O a memory operation asks for, as data, so one pipeline serves both APIs.

Each operation (an add, a search, a delete) is written once as a generator, a *step*, that
yields what it needs done: a Cypher statement run, texts embedded, an LLM asked. A driver
performs each request and sends the answer back in (or throws the failure in, where the step's
own ``except`` handles it). :mod:`graphmem.drivers` has the two drivers: blocking calls for
``GraphMemory`` and awaited ones for ``AsyncGraphMemory``. The steps hold the logic; the
drivers hold none, so the two classes cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
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
    "done",
]

T = TypeVar("T")


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
