"""Schema migrations, every shipped Cypher file against the server, and index use."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import GraphDatabase

from graphmem import GraphMemConfig, GraphMemory, SchemaError
from graphmem.effects import Statement
from graphmem.localserver import Neo4jServer
from graphmem.store import Neo4jStore
from graphmem.store.queries import cypher_dir, load_migrations, load_query
from graphmem.testing import HashingEmbedder, Script
from tests.conftest import Cypher

SCANS = {
    "AllNodesScan",
    "NodeByLabelScan",
    "DirectedAllRelationshipsScan",
    "UndirectedAllRelationshipsScan",
    "DirectedRelationshipTypeScan",
    "UndirectedRelationshipTypeScan",
}


def _driver(server: Neo4jServer) -> Any:
    return GraphDatabase.driver(server.uri, auth=server.auth)


def test_migrations_run_twice_without_error(neo4j_server: Neo4jServer, cypher: Cypher) -> None:
    with _driver(neo4j_server) as driver:
        store = Neo4jStore(driver)
        latest = max(v for v, _, _ in load_migrations())
        assert store.migrate(384) == latest
        assert store.migrate(384) == latest
        # Forced re-run of every statement: each one is idempotent on its own.
        for _, _, statements in load_migrations():
            for statement in statements:
                driver.execute_query(statement, {"dimensions": 384})
    names = {r["name"] for r in cypher("SHOW INDEXES YIELD name RETURN name", {})}
    assert {
        "entity_embedding",
        "fact_embedding",
        "entity_name_scoped",
        "fact_text_scoped",
        "entity_scope_name",
        "fact_scope",
    } <= names
    assert not {"entity_name", "fact_text"} & names  # replaced by the scoped ones (0005)


def test_an_embedder_of_another_size_is_refused(neo4j_server: Neo4jServer) -> None:
    with _driver(neo4j_server) as driver, pytest.raises(SchemaError, match="384"):
        Neo4jStore(driver).migrate(128)
    config = GraphMemConfig(neo4j=neo4j_server.config(), embedding_dimensions=128)
    with pytest.raises(SchemaError):
        GraphMemory(config, embedder=HashingEmbedder(128))


QUERY_NAMES = sorted(p.stem for p in (cypher_dir() / "queries").glob("*.cypher"))
VARIANTS = sorted(p.stem for p in (cypher_dir() / "queries" / "cypher25").glob("*.cypher"))


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_query_file_passes_explain(neo4j_server: Neo4jServer, name: str) -> None:
    with _driver(neo4j_server) as driver:
        driver.execute_query("EXPLAIN " + load_query(name))
        if Neo4jStore(driver).server.filtered_vector_search:  # the Cypher 25 variant too
            driver.execute_query("EXPLAIN " + load_query(name, "25"))


def test_the_server_decides_the_query_variants(neo4j_server: Neo4jServer, cypher: Cypher) -> None:
    """2026+: vector indexes hold scope_key and the Cypher 25 variants run; an index built
    without it (a database from 5.26) is rebuilt by migrate(). 5.26: the Cypher 5 queries."""
    assert VARIANTS == ["resolve_entities", "search", "search_memories", "similar_memories"]
    with _driver(neo4j_server) as driver:
        store = Neo4jStore(driver)
        store.migrate(384)
        info = store.server
        assert info.release >= (5, 26)
        indexes = "SHOW VECTOR INDEXES YIELD name, properties RETURN name, properties"
        if not info.filtered_vector_search:
            assert info.release < (2026, 1) and store.dialect == "5"
            assert all(r["properties"] == ["embedding"] for r in cypher(indexes, {}))
            return
        assert store.dialect == "25"
        driver.execute_query("DROP INDEX fact_embedding IF EXISTS")
        driver.execute_query("DROP INDEX entity_embedding IF EXISTS")
        [(_, _, unfiltered)] = [m for m in load_migrations() if m[0] == 3]
        for statement in unfiltered:  # 0003: the vector indexes as 5.26 has them
            driver.execute_query(statement, {"dimensions": 384})
        assert Neo4jStore(driver).dialect == "5"  # what a 5.26 database looks like here
        upgraded = Neo4jStore(driver)
        upgraded.migrate(384)
        assert upgraded.dialect == "25"
    by_name = {r["name"]: r["properties"] for r in cypher(indexes, {})}
    assert (
        by_name["fact_embedding"]
        == by_name["entity_embedding"]
        == by_name["memory_embedding"]
        == ["embedding", "scope_key"]
    )


def _operators(plan: Any) -> set[str]:
    found = {plan["operatorType"].split("@")[0]}
    for child in plan.get("children", []):
        found |= _operators(child)
    return found


@pytest.mark.parametrize(
    "query",
    [
        "search",
        "resolve_entities",
        "list_facts",
        "load_context",
        "apply_plan",
        "delete_scope",
        "delete_fact",
        "search_memories",
        "similar_memories",
        "list_memories",
        "delete_memory",
    ],
)
def test_queries_use_indexes_not_scans(
    neo4j_server: Neo4jServer, memory: GraphMemory, script: Script, uid: str, query: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("chess", "Game")], [(uid, "plays", "chess")])
    memory.add("I play chess.", user_id=uid)  # labels and indexes exist and hold data
    memory.add_memories([f"{uid} plays chess"], user_id=uid, resolver="rules")
    with _driver(neo4j_server) as driver:
        plan = driver.execute_query(
            "EXPLAIN " + load_query(query, memory.store.dialect)
        ).summary.plan
    used = _operators(plan)
    assert not used & SCANS, f"{query} scans: {used & SCANS}"


def _rows_of(plan: Any, needle: str) -> int:
    own = plan.get("rows", 0) if needle in plan.get("args", {}).get("Details", "") else 0
    return int(own) + sum(_rows_of(c, needle) for c in plan.get("children", []))


def test_the_vector_index_path_never_reads_the_whole_scope(
    neo4j_server: Neo4jServer, config: GraphMemConfig, minilm: Any, uid: str
) -> None:
    """Guards a planner trap: a WHERE before a MATCH does not stop an index seek, so the
    exact-scan branch must get its seek value from the gate itself."""
    cfg = config.model_copy(
        update={
            "llm": config.llm.model_copy(update={"base_url": None, "api_key": None}),
            "retrieval": config.retrieval.model_copy(update={"exact_scan_max": 0}),
        }
    )
    with GraphMemory(cfg, embedder=minilm) as mem:
        mem.add_triplets([(f"p{i}", "likes", f"thing {i}") for i in range(60)], user_id=uid)
        calls: list[dict[str, Any]] = []
        real = mem.store.run

        def recording(statement: Statement) -> Any:
            if statement.name == "search":
                calls.append(dict(statement.params))
            return real(statement)

        mem.store.run = recording  # type: ignore[method-assign]
        mem.search("who likes thing 7?", user_id=uid)
        query = load_query("search", mem.store.dialect)
    with _driver(neo4j_server) as driver:
        plan = driver.execute_query("PROFILE " + query, calls[0]).summary.profile
    assert _rows_of(plan, "f:Fact(scope_key)") == 0
    assert _rows_of(plan, "e:Entity(scope_key)") == 0
