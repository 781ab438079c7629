"""Fuzzing through the public API on a real Neo4j: any name, type, relation, scope id, metadata
and query either round-trips exactly or raises a typed GraphMemError; nothing else happens, and
a bystander scope is never touched. GRAPHMEM_FUZZ_EXAMPLES sets the number of cases."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem import GraphMemConfig, GraphMemError, GraphMemory, OperationKind, Scope
from graphmem.localserver import Neo4jServer
from graphmem.ports import Embedder
from graphmem.text import normalize_relation
from tests.conftest import Cypher
from tests.integration.faults import snapshot

EXAMPLES = int(os.environ.get("GRAPHMEM_FUZZ_EXAMPLES", "40"))

# Any Unicode, control characters and lone surrogates included; short and very long.
_any_text = st.text(st.characters(codec=None), max_size=40) | st.sampled_from(
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
_metadata = st.none() | st.dictionaries(
    _any_text,
    st.none() | st.booleans() | st.integers() | st.floats() | _any_text | st.lists(_any_text),
    max_size=3,
)


Fuzzed = tuple[GraphMemory, Cypher, Scope, list[str]]


@pytest.fixture(scope="module")
def fuzz_memory(neo4j_server: Neo4jServer, minilm: Embedder, cypher: Cypher) -> Iterator[Fuzzed]:
    """One GraphMemory for every example, and a bystander scope no example may touch."""
    bystander = Scope(user_id=f"bystander-{uuid.uuid4().hex[:8]}")
    config = GraphMemConfig(neo4j=neo4j_server.config())
    with GraphMemory(config, llm=None, embedder=minilm) as mem:
        mem.add_triplets([("Ana", "likes", "tea")], user_id=bystander.user_id, resolver="rules")
        yield mem, cypher, bystander, snapshot(cypher, bystander)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("CI") == "true",
)
@given(
    source=_any_text,
    relation=_any_text,
    target=_any_text,
    source_type=st.none() | _any_text,
    user_id=_any_text,
    metadata=_metadata,
    query=_any_text,
)
def test_any_input_round_trips_or_raises_a_typed_error(
    fuzz_memory: Fuzzed,
    source: str,
    relation: str,
    target: str,
    source_type: str | None,
    user_id: str,
    metadata: dict[str, Any] | None,
    query: str,
) -> None:
    memory, cypher, bystander, before = fuzz_memory
    user = f"fuzz-{uuid.uuid4().hex[:6]}-{user_id}"
    triplet = {
        "source": source,
        "relation": relation,
        "target": target,
        "source_type": source_type,
    }
    try:
        result = memory.add_triplets([triplet], user_id=user, metadata=metadata, resolver="rules")
    except GraphMemError:
        result = None
    if result is not None:
        stored = {r.id: r for r in memory.get_all(user_id=user)}
        [op] = result.operations
        assert op.kind is OperationKind.ADD
        fact = stored[op.relation.id]
        # Told exactly: names as given, each run of white space (\r, \n, tabs...) one space;
        # the relation in its canonical form.
        assert (fact.source, fact.target) == (" ".join(source.split()), " ".join(target.split()))
        assert fact.relation == normalize_relation(relation)
    with contextlib.suppress(GraphMemError):
        memory.search(query, user_id=user)
    memory.forget(user_id=user)  # a valid scope: no error is acceptable here
    assert snapshot(cypher, bystander) == before
