"""CI's small run of the reliability benchmark: the same code as bench/reliability/run.py."""

from __future__ import annotations

import sys
from pathlib import Path

from graphmem import GraphMemConfig
from graphmem.localserver import Neo4jServer
from graphmem.ports import Embedder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "reliability"))

import faults
import run as reliability
from pairs import all_pairs


def test_name_pairs_meet_the_targets(neo4j_server: Neo4jServer, minilm: Embedder) -> None:
    pairs = all_pairs()
    assert len(pairs) >= 300
    sample = pairs[::6]
    names = reliability.run_pairs(GraphMemConfig(neo4j=neo4j_server.config()), minilm, sample)
    for resolver in reliability.RESOLVERS:
        # Names that differ in a number or a given name never merge, whatever the LLM says.
        assert names[resolver]["false_merges_numbers_and_given_names"] == 0, resolver
        assert names[resolver]["safe_variant_recall"] >= 0.95, resolver
    assert names["rules"]["false_merge_rate"] == 0.0


def test_concurrent_writers_leave_no_duplicates(
    neo4j_server: Neo4jServer, minilm: Embedder
) -> None:
    rows = reliability.run_concurrency(
        GraphMemConfig(neo4j=neo4j_server.config()), minilm, adds_per_thread=5, threads=(4,)
    )
    for row in rows:
        assert row["duplicate_entities"] == 0 and row["duplicate_valid_facts"] == 0, row
        assert row["valid_facts"] == row["expected_valid_facts"], row


def test_every_fault_kind_leaves_the_scope_before_or_after_and_a_retry_applies_once(
    neo4j_server: Neo4jServer, minilm: Embedder
) -> None:
    # SIGKILL kinds need a server of their own: tests/integration/test_kill.py covers them.
    result = faults.run_faults(neo4j_server.config(), minilm, rounds=1)
    assert result["cases"] == len(faults.fault_kinds(with_kills=False))
    assert result["not_fired"] == [] and result["faults_injected"] == result["cases"], result
    assert result["partial_writes"] == 0 and result["untyped_errors"] == 0, result
    assert result["retries_applied_once"] == result["cases"], result


def test_an_unreachable_server_is_a_typed_retryable_error() -> None:
    result = faults.time_to_fail(repeats=1, connect_timeout=1.0)
    for name in ("refused", "silent"):
        assert result[name]["errors"] == {"StoreError retryable=True": 1}, result
