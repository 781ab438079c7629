"""The Browser kit: every saved query runs on the server without scans; the guide is served."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from graphmem import GraphMemory
from graphmem.browser_kit import (
    KitServer,
    build_guide,
    kit_dir,
    saved_queries,
    saved_query_files,
)
from graphmem.localserver import Neo4jServer
from graphmem.testing import Script
from tests.integration.test_schema_and_queries import SCANS, _operators

QUERIES = sorted(kit_dir().glob("[0-9][0-9]_*.cypher"))


def test_the_kit_has_the_seven_saved_queries_and_a_style() -> None:
    assert [p.name[3:] for p in QUERIES] == [
        "scope_memory.cypher",
        "entity_neighbourhood.cypher",
        "fact_history.cypher",
        "episode_changes.cypher",
        "invalidated_in_window.cypher",
        "duplicate_looking_entities.cypher",
        "scope_memories.cypher",
    ]
    style = (kit_dir() / "graphmem.grass").read_text()
    assert 'caption: "{display}"' in style and "node.Person" in style


@pytest.mark.parametrize("number", range(len(QUERIES)), ids=lambda i: QUERIES[i].name)
def test_saved_queries_run_as_written_and_use_indexes(
    number: int, neo4j_server: Neo4jServer, memory: GraphMemory, script: Script, uid: str
) -> None:
    # The server's variant: on Neo4j 2026+, 06 searches the scope-filtered vector index.
    path = saved_query_files(memory.store.dialect)[number]
    script.enqueue_extraction([(uid, "Person"), ("Oslo", "City")], [(uid, "lives_in", "Oslo")])
    result = memory.add("I live in Oslo.", user_id=uid)
    memory.add_memories([f"{uid} lives in Oslo"], user_id=uid, resolver="rules")
    params: dict[str, Any] = {
        "scope_key": f'["{uid}",null,null]',
        "name": uid,
        "relation": "lives_in",
        "episode_id": result.episode_id,
        "from": datetime(2000, 1, 1, tzinfo=UTC),
        "to": datetime(2100, 1, 1, tzinfo=UTC),
    }
    with GraphDatabase.driver(neo4j_server.uri, auth=neo4j_server.auth) as driver:
        query = path.read_text()
        driver.execute_query(query, params)
        plan = driver.execute_query("EXPLAIN " + query, params).summary.plan
    assert not _operators(plan) & SCANS
    assert ("SEARCH" in query) == (memory.store.dialect == "25" and "duplicate" in path.name)


def test_retired_facts_are_captioned_with_the_date_they_ended(
    neo4j_server: Neo4jServer, memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Oslo", "City")], [(uid, "lives_in", "Oslo")])
    memory.add("I live in Oslo.", user_id=uid)
    script.enqueue_extraction([(uid, "Person"), ("Bergen", "City")], [(uid, "lives_in", "Bergen")])
    script.enqueue_decisions(("UPDATE", "N1", "E1", "moved"))
    memory.add("I moved to Bergen.", user_id=uid)
    with GraphDatabase.driver(neo4j_server.uri, auth=neo4j_server.auth) as driver:
        rows, _, _ = driver.execute_query(
            (kit_dir() / "01_scope_memory.cypher").read_text(),
            {"scope_key": f'["{uid}",null,null]'},
        )
    captions = sorted(r["r"]["display"] for r in rows if r["r"] is not None)
    assert captions[0] == "lives_in" and captions[1].startswith("lives_in ✗ 20")


def test_the_guide_is_served_on_localhost_with_cors(tmp_path: Path) -> None:
    kit = KitServer(tmp_path).start()
    try:
        assert kit.base_url.startswith("http://localhost:")
        with urllib.request.urlopen(f"{kit.base_url}/guide.html", timeout=5) as response:
            guide = response.read().decode()
            assert response.headers["Access-Control-Allow-Origin"] == "*"
        with urllib.request.urlopen(f"{kit.base_url}/graphmem.grass", timeout=5) as response:
            assert b"node.Entity" in response.read()
    finally:
        kit.stop()
    assert guide == build_guide(f"{kit.base_url}/graphmem.grass")
    assert guide.count("code runnable") >= len(saved_queries()) + 1
    assert f":style {kit.base_url}/graphmem.grass" in guide


def test_export_to_json_and_networkx(memory: GraphMemory, script: Script, uid: str) -> None:
    import json

    script.enqueue_extraction(
        [(uid, "Person"), ("Oslo", "City"), ("ski", "Sport")],
        [(uid, "lives_in", "Oslo"), (uid, "likes", "ski")],
    )
    memory.add("I live in Oslo and I like to ski.", user_id=uid)
    data = memory.export(user_id=uid)
    json.dumps(data)  # serializable as it is
    assert {e["name"] for e in data["entities"]} == {uid, "Oslo", "ski"}
    assert {(r["source"], r["relation"], r["target"], r["valid"]) for r in data["relations"]} == {
        (uid, "lives_in", "Oslo", True),
        (uid, "likes", "ski", True),
    }
    assert all("embedding" not in e for e in data["entities"])
    graph = memory.export(user_id=uid, format="networkx")
    assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 2
    assert memory.export(user_id=f"{uid}-nobody")["entities"] == []
