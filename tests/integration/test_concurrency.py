"""Many writers at once: the database, not timing, keeps one entity per name and one valid fact
per (source, relation, target) in a scope."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from graphmem import GraphMemory, OperationKind
from tests.conftest import Cypher

THREADS = 8


def _duplicates(cypher: Cypher, uid: str) -> tuple[int, int]:
    key = json.dumps([uid, None, None], separators=(",", ":"))
    entities = cypher(
        "MATCH (e:Entity {scope_key: $k}) WITH e.normalized_name AS n, count(*) AS c "
        "WHERE c > 1 RETURN count(*) AS dup",
        {"k": key},
    )[0]["dup"]
    facts = cypher(
        "MATCH (f:Fact {scope_key: $k}) WHERE f.invalid_at IS NULL "
        "WITH f.source_key AS s, f.relation AS r, f.target_key AS t, count(*) AS c "
        "WHERE c > 1 RETURN count(*) AS dup",
        {"k": key},
    )[0]["dup"]
    return int(entities), int(facts)


def test_a_fact_restated_by_many_threads_at_once_is_stored_once(
    memory: GraphMemory, cypher: Cypher, uid: str
) -> None:
    def restate(i: int) -> list[OperationKind]:
        result = memory.add_triplets([("Ana", "lives_in", "Lisbon")], user_id=uid, resolver="rules")
        return [op.kind for op in result.operations]

    with ThreadPoolExecutor(THREADS) as pool:
        kinds = [k for ks in pool.map(restate, range(THREADS * 2)) for k in ks]

    assert kinds.count(OperationKind.ADD) == 1, kinds
    assert kinds.count(OperationKind.NOOP) == THREADS * 2 - 1
    [fact] = memory.get_all(user_id=uid)
    assert len(fact.episode_ids) == THREADS * 2  # every restatement is on record
    assert _duplicates(cypher, uid) == (0, 0)


def test_concurrent_adds_around_one_hub_entity_lose_nothing(
    memory: GraphMemory, cypher: Cypher, uid: str
) -> None:
    def add(i: int) -> None:
        memory.add_triplets(
            [("Bob", "likes", f"item {i}"), ("Bob", "knows", f"Person {i % 5}")],
            user_id=uid,
            resolver="rules",
        )

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(add, range(40)))

    facts = {r.fact for r in memory.get_all(user_id=uid)}
    assert facts == {f"Bob likes item {i}" for i in range(40)} | {
        f"Bob knows Person {i}" for i in range(5)
    }
    assert _duplicates(cypher, uid) == (0, 0)
    constraints = cypher("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names", {})
    assert "fact_scope_key" in constraints[0]["names"]
