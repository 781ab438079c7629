"""The paper's behaviour end to end: real Neo4j, real MiniLM, real openai adapter."""

from __future__ import annotations

from graphmem import GraphMemory, OperationKind
from graphmem.testing import Script
from tests.conftest import Cypher


def test_figure1_dietary_preferences_come_back_for_a_dinner_question(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("vegetarian diet", "Diet"), ("dairy", "Food")],
        [(uid, "follows", "vegetarian diet"), (uid, "avoids", "dairy")],
    )
    memory.add("I'm vegetarian and I avoid dairy.", user_id=uid)
    script.enqueue_extraction(
        [(uid, "Person"), ("hiking", "Activity")], [(uid, "enjoys", "hiking")]
    )
    script.enqueue_decisions(("ADD", "N1", None, "a new hobby, no conflict"))
    memory.add("I went hiking last weekend, I love it.", user_id=uid)

    found = memory.search("Recommend a dinner I can cook tonight", user_id=uid, limit=5)

    facts = found.facts()
    assert any("vegetarian" in f for f in facts), facts
    assert any("dairy" in f for f in facts), facts
    # The two food facts outrank the hobby for a dinner question.
    top_two = " ".join(facts[:2])
    assert "vegetarian" in top_two and "dairy" in top_two, facts
    assert found.usage.llm_calls == 0  # LLM-free search by default


def test_a_contradiction_retires_the_old_fact_but_keeps_it_in_history(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("San Francisco", "City")], [(uid, "lives_in", "San Francisco")]
    )
    first = memory.add("I live in San Francisco.", user_id=uid)
    old_id = first.operations[0].relation.id

    script.enqueue_extraction(
        [(uid, "Person"), ("New York", "City")], [(uid, "lives_in", "New York")]
    )
    script.enqueue_decisions(
        ("ADD", "N1", None, "new city"), ("DELETE", None, "E1", "moved to New York")
    )
    second = memory.add("I moved to New York last month.", user_id=uid)

    kinds = sorted(op.kind.value for op in second.operations)
    assert kinds == ["ADD", "DELETE"]
    deleted = second.of_kind(OperationKind.DELETE)[0]
    assert deleted.relation.id == old_id and not deleted.relation.valid

    current = [r.fact for r in memory.get_all(user_id=uid)]
    assert current == [f"{uid} lives in New York"]
    history = {r.id: r for r in memory.history(user_id=uid)}
    assert history[old_id].invalid_at is not None
    assert history[old_id].invalid_reason == "moved to New York"

    found = memory.search(f"Where does {uid} live?", user_id=uid)
    assert found.relations[0].relation.target == "New York"
    assert all(r.relation.target != "San Francisco" for r in found.relations)
    with_old = memory.search(f"Where does {uid} live?", user_id=uid, include_invalid=True)
    assert {"New York", "San Francisco"} <= {r.relation.target for r in with_old.relations}


def test_name_variants_become_one_entity_and_similar_people_stay_apart(
    memory: GraphMemory, script: Script, uid: str, cypher: Cypher
) -> None:
    for variant in ("Alice", "alice", " ALICE "):
        script.enqueue_extraction(
            [(variant, "Person"), ("tennis", "Sport")], [(variant, "plays", "tennis")]
        )
        result = memory.add(f"{variant} plays tennis.", user_id=uid)
        # The first add creates the fact; restatements are NOOPs decided without the LLM.
        assert result.usage.by_role.get("resolve_updates", 0) == 0
    script.enqueue_extraction(
        [("Alicia Keys", "Person"), ("piano", "Instrument")], [("Alicia Keys", "plays", "piano")]
    )
    memory.add("Alicia Keys plays the piano.", user_id=uid)

    rows = cypher(
        "MATCH (e:Entity) WHERE e.scope_key = $k RETURN e.name AS name, e.mentions AS mentions",
        {"k": f'["{uid}",null,null]'},
    )
    names = {r["name"]: r["mentions"] for r in rows}
    assert sum(1 for n in names if n.strip().casefold() == "alice") == 1
    assert names["Alice"] == 3
    assert "Alicia Keys" in names  # similar, but below the match threshold: its own node
    facts = [r.fact for r in memory.get_all(user_id=uid)]
    assert len([f for f in facts if "tennis" in f]) == 1  # restatements were NOOPs
