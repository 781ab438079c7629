"""The benchmark harnesses' own logic: scoring, the LoCoMo reader, the peer oracle's answers.

A benchmark that scores wrongly or feeds the two systems different knowledge would publish
wrong figures, so the parts that decide those figures are tested like library code."""

import json
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from bench.locomo.dataset import CATEGORIES, DEFAULT_PATH, load, pairs, parse_when
from bench.locomo.metrics import bleu1, token_f1
from bench.locomo.plumbing import plumbing_llm
from bench.peers.conversation import conversations, current_only, turns
from bench.peers.oracle import GroundTruth
from bench.retrieval.corpus import Fact
from graphmem.models import Message
from graphmem.ports import ChatRequest
from graphmem.prompts import entities as entity_prompt
from graphmem.resolution.planner import fact_text


def _fact(rel: str, target: str, year: int) -> Fact:
    return Fact("Ada Abe", rel, target, datetime(year, 6, 1, tzinfo=UTC), target_type="City")


def test_token_f1_and_bleu1_match_hand_computed_values() -> None:
    assert token_f1("The cat sat", "a cat sat down") == pytest.approx(2 * 1.0 * (2 / 3) / (5 / 3))
    assert token_f1("", "") == 1.0
    assert token_f1("dog", "cat") == 0.0
    # 2 of 3 unigrams match; shorter than the 4-word reference: penalty exp(1 - 4/3)
    assert bleu1("cat sat mat", "cat sat on mat") == pytest.approx(1.0 * 2.718281828 ** (-1 / 3))
    assert bleu1("7 May 2023", "7 May 2023") == pytest.approx(1.0)


def test_session_dates_parse_as_the_paper_reads_them() -> None:
    assert parse_when("1:56 pm on 8 May, 2023") == datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
    assert parse_when("10:37 am on 27 June, 2023").hour == 10


def test_locomo_keeps_the_1540_questions_the_paper_scores() -> None:
    assert DEFAULT_PATH.exists(), f"LoCoMo belongs at {DEFAULT_PATH} (the shared/ folder)"
    samples = load()
    assert len(samples) == 10
    questions = [q for s in samples for q in s.questions]
    assert len(questions) == 1540
    assert {q.category for q in questions} == set(CATEGORIES)
    first = samples[0].sessions[0]
    messages = next(pairs(first))
    assert [m["name"] for m in messages] == [samples[0].speakers[0], samples[0].speakers[1]]
    assert all(a.when <= b.when for s in samples for a, b in pairwise(s.sessions))


def test_turns_retire_the_previous_value_of_a_single_valued_relation() -> None:
    facts = [_fact("lives_in", "Lisbon", 2010), _fact("lives_in", "Porto", 2015)]
    got = turns(facts)
    assert [t.text for t in got] == ["Ada Abe lives in Lisbon now.", "Ada Abe lives in Porto now."]
    assert got[1].retires == (facts[0],)
    assert current_only(facts) == ([facts[1]], [facts[0]])


def test_both_systems_get_the_same_knowledge_in_their_own_shapes() -> None:
    old, new = _fact("lives_in", "Lisbon", 2010), _fact("lives_in", "Porto", 2015)
    later = turns([old, new])[1]
    truth = GroundTruth(turns([old, new]), [])
    # graphmem: the message is found after the earlier conversation, entities as JSON
    said = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
    system, user = entity_prompt.build(
        [Message(content=later.text, timestamp=said)],
        None,
        [Message(content=turns([old])[0].text, timestamp=said)],
        "user",
        said,
    )
    prompt = f"{system}\n{user}"
    content, _ = truth.graphmem("extract_entities", prompt)
    assert json.loads(content or "")["entities"] == [
        {"name": "Ada Abe", "type": "Person"},
        {"name": "Porto", "type": "City"},
    ]
    # graphmem's resolver: the move is an UPDATE of the old home, named by short ids
    resolve = (
        f"EXISTING FACTS\nE1: {fact_text('Ada Abe', 'lives_in', 'Lisbon')} (since 2010-01-01)\n\n"
        f"NEW FACTS\nN1: {fact_text('Ada Abe', 'lives_in', 'Porto')} (since 2015-01-01)"
    )
    content, _ = truth.graphmem("resolve_updates", resolve)
    decisions = json.loads(content or "")["decisions"]
    assert [(d["operation"], d["new_id"], d["existing_id"]) for d in decisions] == [
        ("UPDATE", "N1", "E1")
    ]
    # mem0: the same move is one delete_graph_memory call, in mem0's naming, only when listed
    # mem0's system prompt carries an example with its own "New Information:" line
    system = "Existing Memory: alice -- loves_to_eat -- pizza\nNew Information: Alice also..."
    listed = (
        f"{system}\nHere are the existing memories: ada_abe -- lives_in -- lisbon \n\n "
        f"New Information: {later.text}"
    )
    _, calls = truth.mem0("delete_graph_memory", listed)
    assert calls == [
        (
            "delete_graph_memory",
            {"source": "ada_abe", "relationship": "lives_in", "destination": "lisbon"},
        )
    ]
    _, calls = truth.mem0("delete_graph_memory", f"{system}\nNew Information: {later.text}")
    assert calls == []
    _, calls = truth.mem0("establish_relationships", f"Text: {later.text}")
    assert calls[0][1]["entities"] == [
        {"source": "Ada Abe", "relationship": "lives_in", "destination": "Porto"}
    ]


def test_the_oracle_refuses_a_request_it_has_no_ground_truth_for() -> None:
    truth = GroundTruth(conversations(1, 40, 5)[0].turns, [])
    with pytest.raises(LookupError, match="no benchmark message"):
        truth.mem0("establish_relationships", "Text: something nobody said")


def test_the_plumbing_script_answers_every_role_graphmem_and_the_harness_use() -> None:
    llm = plumbing_llm()
    prompt = (
        "NEW MESSAGES\n[2023-05-08 (Monday) 13:56 UTC+00:00] Caroline: I met Melanie in Paris."
        "\n\nENTITIES\n- Paris (Thing)"
    )
    reply = llm.complete(
        ChatRequest("extract_relations", [{"role": "user", "content": prompt}], {})
    )
    assert json.loads(reply.text)["relations"] == [
        {"source": "Caroline", "relation": "mentions", "target": "Paris"}
    ]
    memories = llm.complete(
        ChatRequest("extract_memories", [{"role": "user", "content": prompt}], {})
    )
    assert json.loads(memories.text)["memories"] == ["Caroline said: I met Melanie in Paris."]
    both = llm.complete(
        ChatRequest(
            "extract_relations",
            [{"role": "user", "content": prompt}],
            {"properties": {"relations": {}, "memories": {}}},
        )
    )
    assert json.loads(both.text)["memories"] == ["Caroline said: I met Melanie in Paris."]
    resolved = llm.complete(
        ChatRequest("resolve_memories", [{"role": "user", "content": "NEW MEMORIES\nN1: x"}], {})
    )
    assert json.loads(resolved.text)["decisions"][0]["operation"] == "ADD"
    with pytest.raises(AssertionError, match="no reply for role"):
        llm.complete(ChatRequest("unknown", [{"role": "user", "content": "x"}], {}))


def test_background_summary_calls_are_counted_apart_from_the_add() -> None:
    from bench.peers.common import Oracle

    before = {"extract_entities": {"requests": 4, "prompt_tokens": 400, "completion_tokens": 40}}
    after = {
        "extract_entities": {"requests": 5, "prompt_tokens": 500, "completion_tokens": 50},
        "summarize": {"requests": 1, "prompt_tokens": 30, "completion_tokens": 9},
        "embeddings": {"requests": 2, "prompt_tokens": 12, "completion_tokens": 0},
    }
    d = Oracle.delta(before, after)
    assert (d["llm_calls"], d["llm_calls_in_add"], d["background_llm_calls"]) == (2, 1, 1)
    assert (d["prompt_tokens"], d["prompt_tokens_in_add"]) == (130, 100)
    assert d["embedding_requests"] == 2
