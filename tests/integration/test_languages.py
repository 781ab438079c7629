"""Any script, end to end: add, get_all, search, history and the Browser kit keep names,
types and relations exactly as said."""

from __future__ import annotations

import json

import pytest
from neo4j import GraphDatabase

from graphmem import GraphMemory
from graphmem.browser_kit import kit_dir
from graphmem.localserver import Neo4jServer
from graphmem.testing import Script
from tests.conftest import Cypher

# (speaker, speaker type, relation, target, target type, message, query, first relation, label)
CASES = [
    pytest.param(
        (
            "Иван",
            "Человек",
            "живёт в",
            "Москва",
            "Город",
            "Я живу в Москве.",
            "Где живёт Иван?",
            "живёт_в",
            "Город",
        ),
        id="cyrillic",
    ),
    pytest.param(
        ("小明", "人物", "住在", "北京", "城市", "我住在北京。", "小明住在哪里？", "住在", "城市"),
        id="cjk",
    ),
    pytest.param(
        (
            "فاطمة",
            "شخص",
            "تعيش في",
            "القاهرة",
            "مدينة",
            "أعيش في القاهرة",
            "أين تعيش فاطمة؟",
            "تعيش_في",
            "مدينة",
        ),
        id="arabic",
    ),
    pytest.param(
        (
            "Zoë",
            "Personne",
            "très aimé par",
            "Chloé",
            "Personne",
            "Chloé m'aime beaucoup.",
            "Qui aime Zoë ?",
            "très_aimé_par",
            "Personne",
        ),
        id="accented-latin",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_a_fact_in_any_script_is_stored_found_and_shown_exactly(
    memory: GraphMemory,
    script: Script,
    cypher: Cypher,
    neo4j_server: Neo4jServer,
    uid: str,
    case: tuple[str, ...],
) -> None:
    who, who_type, relation, where, where_type, message, query, stored_rel, label = case
    script.enqueue_extraction([(who, who_type), (where, where_type)], [(who, relation, where)])
    result = memory.add(message, user_id=uid)

    fact = f"{who} {relation} {where}"
    assert result.skipped == ()
    assert [op.relation.fact for op in result.operations] == [fact]
    [stored] = memory.get_all(user_id=uid)
    assert (stored.source, stored.relation, stored.target, stored.fact) == (
        who,
        stored_rel,
        where,
        fact,
    )
    assert stored.target_type == label
    found = memory.search(query, user_id=uid)
    assert found.relations and found.relations[0].relation.fact == fact
    assert [r.fact for r in memory.history(user_id=uid, entity=who)] == [fact]

    scope_key = json.dumps([uid, None, None], separators=(",", ":"))
    typed = cypher(
        "MATCH (a:Entity {scope_key: $k})-[r]->(b:Entity) "
        "RETURN type(r) AS type, labels(b) AS labels, r.fact AS fact",
        {"k": scope_key},
    )
    assert typed == [{"type": stored_rel.upper(), "labels": ["Entity", label], "fact": fact}]
    with GraphDatabase.driver(neo4j_server.uri, auth=neo4j_server.auth) as driver:
        rows, _, _ = driver.execute_query(
            (kit_dir() / "03_fact_history.cypher").read_text(),
            {"scope_key": scope_key, "name": who, "relation": stored_rel},
        )
        assert [(r["fact"], r["said"]) for r in rows] == [(fact, f"user: {message}")]
        hood, _, _ = driver.execute_query(
            (kit_dir() / "02_entity_neighbourhood.cypher").read_text(),
            {"scope_key": scope_key, "name": who},
        )
        assert len(hood) == 1


def test_metadata_keys_and_scope_ids_in_any_script(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    user = f"пользователь-{uid}"
    script.enqueue_extraction(
        [("Ana", "Person"), ("Lisboa", "Cidade")], [("Ana", "mora_em", "Lisboa")]
    )
    memory.add("A Ana mora em Lisboa.", user_id=user, metadata={"fonte": "conversa", "ключ": 1})
    found = memory.search("Onde mora a Ana?", user_id=user, metadata={"ключ": 1})
    assert [r.relation.fact for r in found.relations] == ["Ana mora em Lisboa"]
    assert memory.get_all(user_id=uid) == []  # another scope sees nothing
