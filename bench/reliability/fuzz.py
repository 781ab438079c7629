"""Fuzzing through the public API on a real Neo4j: any name, type, relation, memory text (the
Mem0 variant), scope id, metadata and query either round-trips exactly or raises a typed
GraphMemError; nothing else happens, and a bystander scope is never touched. Shared by
tests/integration/test_fuzz.py (CI) and the benchmark (10,000 cases)."""

from __future__ import annotations

import contextlib
import time
import traceback
import uuid
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem import GraphMemConfig, GraphMemError, GraphMemory, OperationKind, Scope, ScopeError
from graphmem.faultkit import RunQuery
from graphmem.ports import Embedder
from graphmem.testing import scope_snapshot
from graphmem.text import normalize_relation

# Any Unicode, control characters and lone surrogates included; short and very long.
any_text = st.text(st.characters(codec=None), max_size=40) | st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "x" * 5000,
        "'; MATCH (n) DETACH DELETE n //",
        "`) DETACH DELETE n //",
        "$scope_key",
        "Robert'); DROP TABLE facts;--",
        "名前",
        "اسم",
        "\u202eevil",
        "Ünïcödé 🙂",
        "a\tb\nc",
    ]
)
metadata = st.none() | st.dictionaries(
    any_text,
    st.none() | st.booleans() | st.integers() | st.floats() | any_text | st.lists(any_text),
    max_size=3,
)
CASE = {
    "source": any_text,
    "relation": any_text,
    "target": any_text,
    "source_type": st.none() | any_text,
    "memory_text": any_text,
    "user_id": any_text,
    "metadata": metadata,
    "query": any_text,
}


class Bystander:
    """A scope no fuzzed call may touch, and what it held before."""

    def __init__(self, memory: GraphMemory, run: RunQuery) -> None:
        self.scope = Scope(user_id=f"bystander-{uuid.uuid4().hex[:8]}")
        memory.add_triplets([("Ana", "likes", "tea")], user_id=self.scope.user_id, resolver="rules")
        self.run = run
        self.before = scope_snapshot(run, self.scope)

    def untouched(self) -> bool:
        return scope_snapshot(self.run, self.scope) == self.before


def check_case(
    memory: GraphMemory,
    bystander: Bystander,
    outcomes: Counter[str],
    *,
    source: str,
    relation: str,
    target: str,
    source_type: str | None,
    memory_text: str,
    user_id: str,
    metadata: dict[str, Any] | None,
    query: str,
) -> None:
    """One fuzzed case; an AssertionError (or any non-GraphMemError) is a failure."""
    user = f"fuzz-{uuid.uuid4().hex[:6]}-{user_id}"
    triplet = {"source": source, "relation": relation, "target": target, "source_type": source_type}
    bad_scope = False
    try:
        result = memory.add_triplets([triplet], user_id=user, metadata=metadata, resolver="rules")
        outcomes["written"] += 1
    except GraphMemError as exc:
        result = None
        bad_scope = isinstance(exc, ScopeError)
        outcomes[f"refused: {type(exc).__name__}"] += 1
    if result is not None:
        stored = {r.id: r for r in memory.get_all(user_id=user)}
        [op] = result.operations
        assert op.kind is OperationKind.ADD
        fact = stored[op.relation.id]
        # Told exactly: names as given, each run of white space (\r, \n, tabs...) one space;
        # the relation in its canonical form.
        assert (fact.source, fact.target) == (" ".join(source.split()), " ".join(target.split()))
        assert fact.relation == normalize_relation(relation)
    if not bad_scope:
        check_memory(memory, user, memory_text, metadata, outcomes)
    with contextlib.suppress(GraphMemError):
        memory.search(query, user_id=user)
    if bad_scope:  # the id itself was refused: forget refuses it the same way
        try:
            memory.forget(user_id=user)
        except ScopeError:
            pass
        else:
            raise AssertionError(f"forget accepted a user id that add refused: {user!r}")
    else:
        memory.forget(user_id=user)  # a valid scope: no error is acceptable here
    assert bystander.untouched()


def check_memory(
    memory: GraphMemory,
    user: str,
    text: str,
    metadata: dict[str, Any] | None,
    outcomes: Counter[str],
) -> None:
    """The Mem0 variant's structured ingest: stored with its words exactly (each run of white
    space one space), or refused with a typed error and nothing written."""
    before = memory.get_memories(user_id=user)
    try:
        result = memory.add_memories(
            [{"text": text, "metadata": metadata}], user_id=user, resolver="rules"
        )
        outcomes["memory written"] += 1
    except GraphMemError as exc:
        outcomes[f"memory refused: {type(exc).__name__}"] += 1
        assert memory.get_memories(user_id=user) == before
        return
    [op] = result.memory_operations
    assert op.kind is OperationKind.ADD
    [stored] = memory.get_memories(user_id=user)
    assert stored.id == op.memory.id
    assert stored.text == " ".join(text.split())


def run_fuzz(
    config: GraphMemConfig, embedder: Embedder, run: RunQuery, cases: int
) -> dict[str, Any]:
    """``cases`` hypothesis examples; stops at the first failure (hypothesis shrinks it)."""
    outcomes: Counter[str] = Counter()
    failure: str | None = None
    start = time.perf_counter()
    with GraphMemory(config, llm=None, embedder=embedder) as memory:
        bystander = Bystander(memory, run)

        @settings(
            max_examples=cases,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(**CASE)
        def prop(**case: Any) -> None:
            outcomes["cases"] += 1
            check_case(memory, bystander, outcomes, **case)

        try:
            prop()
        except Exception:  # the falsifying example, shrunk: reported, not raised
            failure = traceback.format_exc(limit=3)[-3000:]
        untouched = bystander.untouched()
    return {
        "cases_run": outcomes.pop("cases", 0),
        "failures": 0 if failure is None else 1,
        "first_failure": failure,
        "outcomes": dict(outcomes),
        "seconds": round(time.perf_counter() - start, 1),
        "bystander_untouched": untouched,
    }
