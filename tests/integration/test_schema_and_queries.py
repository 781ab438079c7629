"""Schema migrations, every shipped Cypher file against the server, and index use."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import GraphDatabase

from graphmem import GraphMemConfig, GraphMemory, SchemaError
from graphmem.localserver import Neo4jServer
from graphmem.store import Neo4jStore
from graphmem.store.queries import cypher_dir, load_migrations
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


@pytest.mark.parametrize(
    "path", sorted((cypher_dir() / "queries").glob("*.cypher")), ids=lambda p: p.name
)
def test_every_query_file_passes_explain(neo4j_server: Neo4jServer, path: Any) -> None:
    with _driver(neo4j_server) as driver:
        driver.execute_query("EXPLAIN " + path.read_text())


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
    ],
)
def test_queries_use_indexes_not_scans(
    neo4j_server: Neo4jServer, memory: GraphMemory, script: Script, uid: str, query: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("chess", "Game")], [(uid, "plays", "chess")])
    memory.add("I play chess.", user_id=uid)  # labels and indexes exist and hold data
    with _driver(neo4j_server) as driver:
        plan = driver.execute_query(
            "EXPLAIN " + (cypher_dir() / "queries" / f"{query}.cypher").read_text(),
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
        real = mem.store.search
        mem.store.search = lambda p: calls.append(p) or real(p)  # type: ignore[method-assign]
        mem.search("who likes thing 7?", user_id=uid)
    with _driver(neo4j_server) as driver:
        query = (cypher_dir() / "queries" / "search.cypher").read_text()
        plan = driver.execute_query("PROFILE " + query, calls[0]).summary.profile
    assert _rows_of(plan, "f:Fact(scope_key)") == 0
    assert _rows_of(plan, "e:Entity(scope_key)") == 0
