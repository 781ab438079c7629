"""Both retrieval channels, the paper's LLM entity linking, depth, and hostile strings."""

from __future__ import annotations

import pytest

from graphmem import GraphMemory, InvalidInputError
from graphmem.models import normalize_name
from graphmem.testing import Script
from tests.conftest import Cypher


def _dog_facts(memory: GraphMemory, script: Script, uid: str) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Max", "Dog")], [(uid, "has_pet", "Max")])
    memory.add("I have a dog called Max.", user_id=uid)
    script.enqueue_extraction(
        [("Max", "Dog"), ("Crissy Field", "Park")], [("Max", "loves_walks_at", "Crissy Field")]
    )
    script.enqueue_decisions(("ADD", "N1", None, "new"))
    memory.add("Max loves walks at Crissy Field.", user_id=uid)


def test_llm_entity_linking_is_one_call_and_finds_the_named_entity(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    _dog_facts(memory, script, uid)
    script.enqueue("query_entities", {"entities": ["Max"]})
    found = memory.search("any outing ideas for the pup?", user_id=uid, entity_linking="llm")
    assert found.usage.llm_calls == 1 and found.usage.by_role == {"query_entities": 1}
    assert "Max" in {e.name for e in found.linked_entities}
    entity_hits = {r.relation.fact for r in found.relations if "entity" in r.channels}
    assert entity_hits == {f"{uid} has pet Max", "Max loves walks at Crissy Field"}


def test_depth_two_reaches_facts_two_hops_from_the_linked_entity(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    _dog_facts(memory, script, uid)
    script.enqueue("query_entities", {"entities": [uid]}, {"entities": [uid]})
    one = memory.search("tell me about them", user_id=uid, entity_linking="llm", depth=1)
    two = memory.search("tell me about them", user_id=uid, entity_linking="llm", depth=2)

    def via_entity(result: object) -> set[str]:
        return {r.relation.fact for r in result.relations if "entity" in r.channels}  # type: ignore[attr-defined]

    assert via_entity(one) == {f"{uid} has pet Max"}
    assert via_entity(two) == {f"{uid} has pet Max", "Max loves walks at Crissy Field"}


def test_typos_in_a_name_still_link_through_the_full_text_index(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    _dog_facts(memory, script, uid)
    found = memory.search("Where does Maxx walk at Crisy Feild?", user_id=uid, limit=3)
    assert {"Max", "Crissy Field"} & {e.name for e in found.linked_entities}
    assert found.relations[0].relation.fact == "Max loves walks at Crissy Field"


def test_hostile_names_are_stored_verbatim_and_break_nothing(
    memory: GraphMemory, script: Script, uid: str, cypher: Cypher
) -> None:
    evil_name = "Robert'}) MATCH (n) DETACH DELETE n //"
    evil_type = "Person`:Admin {x:1}) DELETE n //"
    evil_rel = "likes`]->() MATCH (n) DETACH DELETE n //"
    before = cypher("MATCH (s:Scope) RETURN count(s) AS n", {})[0]["n"]
    script.enqueue_extraction(
        [(evil_name, evil_type), ("tea", "Drink")], [(evil_name, evil_rel, "tea")]
    )
    result = memory.add("Robert likes tea.", user_id=uid)
    [op] = result.operations
    assert op.relation.source == evil_name
    assert op.relation.relation == "likes_match_n_detach_delete_n"
    assert cypher("MATCH (s:Scope) RETURN count(s) AS n", {})[0]["n"] == before + 1
    found = memory.search('") OR 1=1 // title:x AND *', user_id=uid)
    assert all(r.relation.source == evil_name for r in found.relations)
    labels = cypher(
        "MATCH (e:Entity {scope_key: $k, normalized_name: $n}) RETURN labels(e) AS labels",
        {"k": f'["{uid}",null,null]', "n": normalize_name(evil_name)},
    )
    assert labels == [{"labels": ["Entity", "PersonAdminX1DELETEN"]}]


@pytest.mark.parametrize("kwargs", [{"limit": 0}, {"depth": 3}, {"entity_linking": "magic"}])
def test_bad_search_arguments_get_typed_errors(
    memory: GraphMemory, uid: str, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidInputError):
        memory.search("anything", user_id=uid, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        memory.search("   ", user_id=uid)
