"""What was told stays told: look-alike names are not merged, true variants are, in any script.

Real Neo4j, real MiniLM (whose similarity between "iPhone 14" and "iPhone 15" is what used to
merge them), the real openai adapter against the loopback server answering scripted replies."""

from __future__ import annotations

import json

import pytest

from graphmem import GraphMemory, OperationKind
from graphmem.testing import Script, adding_resolver
from tests.conftest import Cypher


def _entities(cypher: Cypher, uid: str) -> list[str]:
    rows = cypher(
        "MATCH (e:Entity {scope_key: $k}) RETURN e.name AS name ORDER BY name",
        {"k": json.dumps([uid, None, None], separators=(",", ":"))},
    )
    return [r["name"] for r in rows]


def test_forty_numbered_items_stay_forty_facts(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    resolver = adding_resolver(same=lambda new, stored: True)  # even a yes-man LLM
    script.respond_with(
        lambda r: {"summary": "Bob likes items."} if r.role == "summarize" else resolver(r)
    )
    for n in range(1, 41):
        script.enqueue_extraction(
            [("Bob", "Person"), (f"item {n}", "Thing")], [("Bob", "likes", f"item {n}")]
        )
        result = memory.add(f"Bob likes item {n}.", user_id=uid)
        assert [op.kind for op in result.operations] == [OperationKind.ADD], n
        # Entity questions ride in the resolver call (the summary refresh is counted apart).
        assert result.usage.llm_calls - result.usage.by_role.get("summarize", 0) <= 3
    facts = {r.fact for r in memory.get_all(user_id=uid)}
    assert facts == {f"Bob likes item {n}" for n in range(1, 41)}
    # Never asked about "item 7" ~ "item 3": numbers differ, so they are not questions at all.
    asked = [r for r in script.requests if "SAME ENTITY" in str(r.messages[-1]["content"])]
    assert asked == []


@pytest.mark.parametrize(
    "pair",
    [
        ("iPhone 14", "iPhone 15", "Product"),
        ("Trip to Japan 2023", "Trip to Japan 2024", "Trip"),
        ("Flat 3B", "Flat 4B", "Flat"),
        ("Alice Smith", "Bob Smith", "Person"),
        ("Paris, Texas", "Paris, France", "City"),
    ],
)
def test_look_alike_names_keep_their_own_facts(
    memory: GraphMemory,
    script: Script,
    cypher: Cypher,
    uid: str,
    pair: tuple[str, str, str],
) -> None:
    first, second, type_ = pair
    script.respond_with(adding_resolver(same=lambda new, stored: True))
    for name in (first, second):
        script.enqueue_extraction([(uid, "Person"), (name, type_)], [(uid, "owns", name)])
        memory.add(f"I own {name}.", user_id=uid)
    assert {r.target for r in memory.get_all(user_id=uid)} == {first, second}
    assert _entities(cypher, uid) == sorted([uid, first, second])


def test_the_llm_decides_a_true_variant_inside_the_resolver_call(
    memory: GraphMemory, script: Script, cypher: Cypher, uid: str
) -> None:
    script.enqueue_extraction(
        [("Robert Smith", "Person"), ("tea", "Drink")], [("Robert Smith", "likes", "tea")]
    )
    memory.add("Robert Smith likes tea.", user_id=uid)
    script.respond_with(
        adding_resolver(same=lambda new, stored: (new, stored) == ("Robert", "Robert Smith"))
    )
    script.enqueue_extraction(
        [("Robert", "Person"), ("coffee", "Drink")], [("Robert", "likes", "coffee")]
    )
    result = memory.add("Robert likes coffee too.", user_id=uid)

    assert result.usage.llm_calls == 3  # entities, relations, one resolver call for all
    prompt = str(script.requests[-1].messages[-1]["content"])
    assert "M1: Robert (Person) ~ Robert Smith (Person)" in prompt
    # asked a question, so the reply schema has room for its answer
    assert list(script.requests[-1].json_schema["properties"]) == ["decisions", "entities"]
    assert {(r.source, r.target) for r in memory.get_all(user_id=uid)} == {
        ("Robert Smith", "tea"),
        ("Robert Smith", "coffee"),
    }
    assert _entities(cypher, uid) == ["Robert Smith", "coffee", "tea"]
    assert [e.name for e in result.entities if e.name.startswith("Robert")] == ["Robert Smith"]


def test_a_variant_the_llm_rejects_stays_a_separate_entity(
    memory: GraphMemory, script: Script, cypher: Cypher, uid: str
) -> None:
    script.enqueue_extraction(
        [("New York", "City"), (uid, "Person")], [(uid, "visited", "New York")]
    )
    memory.add("I visited New York.", user_id=uid)
    script.respond_with(adding_resolver(same=lambda new, stored: False))
    script.enqueue_extraction(
        [("New York City", "City"), (uid, "Person")], [(uid, "lives_in", "New York City")]
    )
    memory.add("I live in New York City.", user_id=uid)
    assert "New York City" in _entities(cypher, uid) and "New York" in _entities(cypher, uid)


def test_without_an_llm_only_safe_normalizations_merge(
    memory: GraphMemory, cypher: Cypher, uid: str
) -> None:
    memory.add_triplets([("Zoë O'Neil", "likes", "Café Central")], user_id=uid, resolver="rules")
    again = memory.add_triplets(
        [("zoe oneil", "likes", "cafe central"), ("Zoe", "likes", "Café Central")],
        user_id=uid,
        resolver="rules",
    )
    kinds = sorted(op.kind.value for op in again.operations)
    assert kinds == ["ADD", "NOOP"]  # the variant restates; "Zoe" alone is someone else
    assert _entities(cypher, uid) == ["Café Central", "Zoe", "Zoë O'Neil"]


def test_unusable_extractions_are_reported_not_dropped(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("Lisbon", "City"), ("   ", "Thing")],
        [(uid, "lives_in", "Lisbon"), (uid, "→", "Lisbon"), ("  ", "likes", "Lisbon")],
    )
    result = memory.add("I live in Lisbon.", user_id=uid)
    assert [op.relation.fact for op in result.operations] == [f"{uid} lives in Lisbon"]
    reasons = {s.item: s.reason for s in result.skipped}
    assert len(result.skipped) == 3, reasons
    assert any("→" in item and "no letters or digits" in why for item, why in reasons.items())
    assert sum("blank" in why for why in reasons.values()) == 2
