"""Fuzzing through the public API on a real Neo4j (bench/reliability/fuzz.py holds the property;
the benchmark runs 10,000 cases): any input round-trips exactly or raises a typed GraphMemError,
and a bystander scope is never touched. GRAPHMEM_FUZZ_EXAMPLES sets the number of cases."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from graphmem import GraphMemConfig, GraphMemory
from graphmem.localserver import Neo4jServer
from graphmem.ports import Embedder
from tests.conftest import Cypher

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "reliability"))

from fuzz import CASE, Bystander, check_case

EXAMPLES = int(os.environ.get("GRAPHMEM_FUZZ_EXAMPLES", "40"))


@pytest.fixture(scope="module")
def fuzzed(
    neo4j_server: Neo4jServer, minilm: Embedder, cypher: Cypher
) -> Iterator[tuple[GraphMemory, Bystander]]:
    config = GraphMemConfig(neo4j=neo4j_server.config())
    with GraphMemory(config, llm=None, embedder=minilm) as mem:
        yield mem, Bystander(mem, cypher)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("CI") == "true",
)
@given(**CASE)
def test_any_input_round_trips_or_raises_a_typed_error(
    fuzzed: tuple[GraphMemory, Bystander], **case: Any
) -> None:
    memory, bystander = fuzzed
    check_case(memory, bystander, Counter(), **case)
