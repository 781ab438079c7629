"""What small models wrote on a real server (issue 31: D5-D14), through add() on a real Neo4j:
each mistake is kept out or refused, said in AddResult.skipped, and the true facts stay."""

from __future__ import annotations

import json

import pytest

from graphmem import GraphMemConfig, GraphMemory
from graphmem.errors import LLMOutputError
from graphmem.ports import Embedder
from graphmem.testing import RawReply, Script


def _reasons(result: object) -> list[str]:
    return [s.reason for s in result.skipped]  # type: ignore[attr-defined]


def _current(memory: GraphMemory, uid: str) -> set[str]:
    return {r.fact for r in memory.get_all(user_id=uid)}


def test_junk_endpoints_pronouns_self_loops_and_sentences_are_kept_out(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("Lisbon", "City"), ("Lia", "Person")],
        [
            ("I", "lives_in", "Lisbon"),  # D6: a pronoun is the speaker
            ("my sister", "lives_in", "Lisbon"),  # D6: not an extracted entity
            ("Lia", "has_child", "Lia"),  # D13
            (uid, "is_the_one_who_told_me_about_the_new_flat_in", "Lisbon"),  # D6
            ("Lia", "is_daughter_of", "user"),
        ],
    )
    result = memory.add("I live in Lisbon with my daughter Lia.", user_id=uid)
    assert _current(memory, uid) == {f"{uid} lives in Lisbon", f"Lia is daughter of {uid}"}
    reasons = _reasons(result)
    assert "'my sister' is not one of the entities extracted from the messages" in reasons
    assert "a fact relating a thing to itself" in reasons
    assert any(r.startswith("the relation is not a short verb phrase") for r in reasons)
    assert not any(e.name in ("I", "user") for e in result.entities)


def test_the_speaker_is_named_as_configured_in_every_prompt(
    config: GraphMemConfig, minilm: Embedder, script: Script, uid: str
) -> None:
    named = config.model_copy(update={"speaker_name": "Alice"})
    with GraphMemory(named, embedder=minilm) as memory:
        script.enqueue_extraction(
            [("Alice", "Person"), ("Lisbon", "City")], [("I", "lives_in", "Lisbon")]
        )
        memory.add("I live in Lisbon.", user_id=uid)
        assert _current(memory, uid) == {"Alice lives in Lisbon"}
    prompts = [m["content"] for r in script.requests for m in r.messages if m["role"] == "system"]
    assert all("name it Alice" in p or "source is Alice" in p for p in prompts)
    assert not any(uid in p for p in prompts)


def test_a_message_name_names_the_speaker(memory: GraphMemory, script: Script, uid: str) -> None:
    script.enqueue_extraction(
        [("Marta", "Person"), ("Porto", "City")], [("me", "lives_in", "Porto")]
    )
    memory.add([{"role": "user", "name": "Marta", "content": "I live in Porto."}], user_id=uid)
    assert _current(memory, uid) == {"Marta lives in Porto"}
    assert "name it Marta" in script.requests[0].messages[0]["content"]


def test_a_fact_of_the_context_extracted_again_is_skipped_not_made_current_again(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("San Francisco", "City")], [(uid, "lives_in", "San Francisco")]
    )
    memory.add("I live in San Francisco.", user_id=uid)
    # D10: the 1.5B model extracted the earlier message's fact again, one turn late.
    script.enqueue_extraction(
        [(uid, "Person"), ("San Francisco", "City"), ("New York", "City")],
        [(uid, "lives_in", "San Francisco"), (uid, "lives_in", "New York")],
    )
    script.enqueue_decisions(("UPDATE", "N1", "E1", "moved"))
    result = memory.add("I just moved to New York.", user_id=uid)
    assert "it restates the earlier conversation, not the new messages" in _reasons(result)
    assert _current(memory, uid) == {f"{uid} lives in New York"}


def test_a_retirement_that_makes_no_sense_is_refused_and_the_true_fact_kept(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("vegetarian", "Diet")], [(uid, "is", "vegetarian")]
    )
    memory.add("I am vegetarian.", user_id=uid)
    script.enqueue_extraction([(uid, "Person"), ("UCSF", "Org")], [(uid, "works_at", "UCSF")])
    script.enqueue_decisions(("UPDATE", "N1", "E1", "new info"))  # D11
    result = memory.add("I work at UCSF.", user_id=uid)
    assert _current(memory, uid) == {f"{uid} is vegetarian", f"{uid} works at UCSF"}
    [refused] = [s for s in result.skipped if s.item == f"UPDATE {uid} is vegetarian"]
    assert "no new fact of the same entity" in refused.reason


def test_another_persons_fact_cannot_retire_the_users(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("UCSF", "Org")], [(uid, "works_at", "UCSF")])
    memory.add("I work at UCSF.", user_id=uid)
    script.enqueue_extraction([("Max", "Person"), ("UCSF", "Org")], [("Max", "works_at", "UCSF")])
    script.enqueue_decisions(("UPDATE", "N1", "E1", "replaced"), ("DELETE", None, "E1", "old"))
    memory.add([{"role": "user", "content": "Max works at UCSF too."}], user_id=uid)
    assert _current(memory, uid) == {f"{uid} works at UCSF", "Max works at UCSF"}


def test_a_careful_models_updates_still_pass(memory: GraphMemory, script: Script, uid: str) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("Lisbon", "City"), ("Acme", "Org")],
        [(uid, "lives_in", "Lisbon"), (uid, "works_at", "Acme")],
    )
    memory.add("I live in Lisbon and work at Acme.", user_id=uid)
    script.enqueue_extraction(
        [(uid, "Person"), ("Berlin", "City"), ("Globex", "Org")],
        [(uid, "moved_to", "Berlin"), (uid, "works_for", "Globex")],
    )
    script.enqueue_decisions(
        ("ADD", "N1", None, "moved"),
        ("DELETE", None, "E1", "moved away"),
        ("UPDATE", "N2", "E2", "new employer"),
    )
    result = memory.add("I moved to Berlin and now work for Globex.", user_id=uid)
    assert _current(memory, uid) == {f"{uid} moved to Berlin", f"{uid} works for Globex"}
    assert not [s for s in result.skipped if s.item.startswith(("UPDATE", "DELETE"))]


def test_ids_in_swapped_fields_are_honoured_and_unknown_ids_reported(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Lisbon", "City")], [(uid, "lives_in", "Lisbon")])
    memory.add("I live in Lisbon.", user_id=uid)
    script.enqueue_extraction([(uid, "Person"), ("Berlin", "City")], [(uid, "lives_in", "Berlin")])
    # D12: what the 1.5B model answered; the meaning is plain from the prefixes.
    script.enqueue_decisions(
        ("DELETE", "E1", "N1", "moved to Berlin"), ("UPDATE", "N1", "E9", "nonsense")
    )
    result = memory.add("I moved to Berlin.", user_id=uid)
    assert _current(memory, uid) == {f"{uid} lives in Berlin"}
    assert "it names 'E9', which is not one of the facts it was shown" in _reasons(result)


def test_the_resolver_is_sent_its_ids_as_enums(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Lisbon", "City")], [(uid, "lives_in", "Lisbon")])
    memory.add("I live in Lisbon.", user_id=uid)
    script.enqueue_extraction([(uid, "Person"), ("Berlin", "City")], [(uid, "lives_in", "Berlin")])
    script.enqueue_decisions(("UPDATE", "N1", "E1", "moved"))
    memory.add("I moved to Berlin.", user_id=uid)
    [asked] = [r for r in script.requests if r.role == "resolve_updates"]
    item = asked.json_schema["properties"]["decisions"]["items"]["properties"]
    assert item["new_id"]["enum"] == ["N1", None] and item["existing_id"]["enum"] == ["E1", None]


def test_one_bad_entity_does_not_sink_the_good_facts_of_the_message(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    entities = [
        {"name": uid, "type": "Person"},
        {"name": "Lisbon", "type": "City"},
        {"name": "a" * 250, "type": "Thing"},  # D14: over the schema's 200 characters
    ]
    script.enqueue("extract_entities", RawReply(json.dumps({"entities": entities})))
    script.enqueue(
        "extract_relations",
        {"relations": [{"source": uid, "relation": "lives_in", "target": "Lisbon"}]},
    )
    result = memory.add("I live in Lisbon.", user_id=uid)
    assert _current(memory, uid) == {f"{uid} lives in Lisbon"}
    assert any("at most 200 characters" in r for r in _reasons(result))
    assert result.usage.llm_calls == 2  # nothing re-asked


def test_a_failed_add_reports_what_it_spent(memory: GraphMemory, script: Script, uid: str) -> None:
    script.enqueue("extract_entities", RawReply("not json"), RawReply("still not"))
    with pytest.raises(LLMOutputError) as caught:
        memory.add("I live in Lisbon.", user_id=uid)
    usage = caught.value.usage
    assert usage is not None and usage.llm_calls == 2 and usage.prompt_tokens > 0
    assert memory.get_all(user_id=uid) == []


@pytest.fixture
def dense(config: GraphMemConfig, minilm: Embedder) -> GraphMemory:
    return GraphMemory(config.model_copy(update={"variant": "mem0"}), embedder=minilm)


def test_one_word_memories_and_context_restatements_are_not_stored(
    dense: GraphMemory, script: Script, uid: str
) -> None:
    with dense as memory:
        script.enqueue_memories(f"{uid} works as a nurse at UCSF")
        memory.add("I work as a nurse at UCSF.", user_id=uid)
        script.enqueue_memories(
            "I", "my", f"{uid} works as a nurse at UCSF", f"{uid} moved to New York"
        )
        script.enqueue(
            "resolve_memories",
            {
                "decisions": [
                    {"operation": "ADD", "new_id": "N1", "existing_id": None, "reason": "x"}
                ]
            },
        )
        result = memory.add("I just moved to New York.", user_id=uid)
        texts = {m.text for m in memory.get_memories(user_id=uid)}
    assert texts == {f"{uid} works as a nurse at UCSF", f"{uid} moved to New York"}
    reasons = {s.item: s.reason for s in result.skipped}
    assert reasons["I"] == reasons["my"] == "too short to mean anything on its own"


def test_a_memory_about_another_subject_cannot_replace_one(
    dense: GraphMemory, script: Script, uid: str
) -> None:
    with dense as memory:
        script.enqueue_memories(f"{uid} works as a nurse at UCSF")
        memory.add("I work as a nurse at UCSF.", user_id=uid)
        script.enqueue_memories("Max works as a nurse at UCSF")
        script.enqueue(
            "resolve_memories",
            {
                "decisions": [
                    {"operation": "UPDATE", "new_id": "N1", "existing_id": "E1", "reason": "x"}
                ]
            },
        )
        result = memory.add(
            [{"role": "user", "content": "Max is a nurse at UCSF too."}], user_id=uid
        )
        texts = {m.text for m in memory.get_memories(user_id=uid)}
    assert texts == {f"{uid} works as a nurse at UCSF", "Max works as a nurse at UCSF"}
    assert any("same subject" in s.reason for s in result.skipped)
