"""What one add costs and records: round trips, LLM calls, provenance, the summary."""

from __future__ import annotations

from graphmem import GraphMemConfig, GraphMemory, OperationKind
from graphmem.models import normalize_name
from graphmem.ports import Embedder
from graphmem.testing import HTTPErrorReply, Script
from tests.conftest import Cypher


def test_an_add_takes_at_most_four_round_trips_whatever_the_number_of_triplets(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    people = [f"friend {i}" for i in range(12)]
    script.enqueue_extraction(
        [(uid, "Person")] + [(p, "Person") for p in people], [(uid, "knows", p) for p in people]
    )
    first = memory.add("I know twelve people.", user_id=uid)
    assert len(first.operations) == 12
    assert first.neo4j_queries <= 4
    assert first.usage.llm_calls == 2  # nothing to conflict with: no resolver call

    script.enqueue_extraction(
        [(uid, "Person")] + [(p, "Person") for p in people],
        [(uid, "works_with", p) for p in people],
    )
    script.enqueue_decisions(*[("ADD", f"N{i}", None, "new") for i in range(1, 13)])
    second = memory.add("I work with all of them.", user_id=uid)
    assert second.neo4j_queries <= 4
    assert second.usage.llm_calls == 3  # one resolver call for all twelve
    assert second.usage.prompt_tokens > 0 and second.usage.completion_tokens > 0


def test_every_fact_traces_back_to_the_words_it_came_from(
    memory: GraphMemory, script: Script, uid: str, cypher: Cypher
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Acme", "Company")], [(uid, "works_at", "Acme")])
    first = memory.add("I work at Acme.", user_id=uid, metadata={"channel": "chat"})
    script.enqueue_extraction(
        [(uid, "Person"), ("Globex", "Company")], [(uid, "works_at", "Globex")]
    )
    script.enqueue_decisions(("UPDATE", "N1", "E1", "changed jobs"))
    second = memory.add("I now work at Globex.", user_id=uid)

    update = second.of_kind(OperationKind.UPDATE)[0]
    assert update.previous is not None and update.previous.target == "Acme"
    rows = cypher(
        "MATCH (ep:Episode {id: $ep})-[link]->(f:Fact) "
        "OPTIONAL MATCH (f)-[:SUPERSEDES]->(old:Fact) "
        "RETURN type(link) AS link, f.target AS target, old.target AS replaced, ep.text AS text",
        {"ep": second.episode_id},
    )
    assert {(r["link"], r["target"]) for r in rows} == {
        ("ADDED", "Globex"),
        ("INVALIDATED", "Acme"),
    }
    assert {r["replaced"] for r in rows if r["link"] == "ADDED"} == {"Acme"}
    assert all("Globex" in r["text"] for r in rows)
    [acme] = [r for r in memory.history(user_id=uid) if r.target == "Acme"]
    assert acme.episode_ids == (first.episode_id,)
    assert acme.invalid_reason == "changed jobs"
    # The typed relationship Browser shows carries the same validity.
    typed = cypher(
        "MATCH (:Entity {scope_key: $k, normalized_name: $me})-[r:WORKS_AT]->(c) "
        "RETURN c.name AS company, r.invalid_at IS NULL AS valid",
        {"k": f'["{uid}",null,null]', "me": normalize_name(uid)},
    )
    assert {(r["company"], r["valid"]) for r in typed} == {("Acme", False), ("Globex", True)}


def test_the_rolling_summary_is_refreshed_after_the_add_and_used_as_context(
    config: GraphMemConfig, minilm: Embedder, script: Script, uid: str, cypher: Cypher
) -> None:
    cfg = config.model_copy(update={"summary_every": 2, "context_messages": 1})
    with GraphMemory(cfg, embedder=minilm) as mem:
        script.enqueue_extraction([])
        first = mem.add("Hi, I'm planning a trip.", user_id=uid)
        script.enqueue_extraction([])
        script.enqueue("summarize", {"summary": "The user plans a trip to Japan."})
        second = mem.add("It's to Japan in May.", user_id=uid)
        # Due now, but refreshed after the add returned: never a 4th call inside an add.
        for result in (first, second):
            assert "summarize" not in result.usage.by_role
        assert mem.wait_for_summaries(30)
        assert script.calls("summarize") == 1
        summarize_prompt = next(r for r in script.requests if r.role == "summarize")
        assert "planning a trip" in summarize_prompt.messages[1]["content"]
        assert "Japan in May" in summarize_prompt.messages[1]["content"]
        script.enqueue_extraction([])
        mem.add("Any tips?", user_id=uid)
    [row] = cypher(
        "MATCH (s:Scope {scope_key: $k}) RETURN s.summary AS text, s.summarized_count AS n",
        {"k": f'["{uid}",null,null]'},
    )
    assert row == {"text": "The user plans a trip to Japan.", "n": 2}
    third_prompt = script.requests[-1].messages[1]["content"]
    assert "The user plans a trip to Japan." in third_prompt
    assert "It's to Japan in May." in third_prompt  # the last M = 1 message
    assert "planning a trip" not in third_prompt  # older than M, only in the summary


def test_a_failed_background_summary_lags_and_is_retried_after_the_next_add(
    config: GraphMemConfig, minilm: Embedder, script: Script, uid: str, cypher: Cypher
) -> None:
    cfg = config.model_copy(update={"summary_every": 1})
    with GraphMemory(cfg, embedder=minilm) as mem:
        script.enqueue_extraction([])
        script.enqueue("summarize", HTTPErrorReply(500), HTTPErrorReply(500))
        first = mem.add("I was born in Porto.", user_id=uid)
        assert mem.wait_for_summaries(30)
        assert first.operations == ()  # the add itself is unaffected
        rows = cypher(
            "MATCH (s:Scope {scope_key: $k}) RETURN s.summary AS text",
            {"k": f'["{uid}",null,null]'},
        )
        assert rows == [{"text": None}]
        script.enqueue_extraction([])
        script.enqueue("summarize", {"summary": "Born in Porto; now in Lisbon."})
        mem.add("Now I live in Lisbon.", user_id=uid)
        assert mem.wait_for_summaries(30)
    [row] = cypher(
        "MATCH (s:Scope {scope_key: $k}) RETURN s.summary AS text, s.summarized_count AS n",
        {"k": f'["{uid}",null,null]'},
    )
    assert row == {"text": "Born in Porto; now in Lisbon.", "n": 2}
    retried = [r for r in script.requests if r.role == "summarize"][-1].messages[1]["content"]
    assert "Porto" in retried and "Lisbon" in retried  # nothing said was skipped


def test_manual_summaries_are_refreshed_only_when_asked(
    config: GraphMemConfig, minilm: Embedder, script: Script, uid: str
) -> None:
    cfg = config.model_copy(update={"summary_every": 1, "summary_refresh": "manual"})
    with GraphMemory(cfg, embedder=minilm) as mem:
        script.enqueue_extraction([])
        mem.add("I collect stamps.", user_id=uid)
        assert mem.wait_for_summaries(5)
        assert script.calls("summarize") == 0
        script.enqueue("summarize", {"summary": "The user collects stamps."})
        usage = mem.refresh_summary(user_id=uid)
        assert usage is not None and usage.by_role == {"summarize": 1}
        assert mem.refresh_summary(user_id=uid) is None  # nothing new since
        assert mem.refresh_summary(user_id=f"{uid}-nobody") is None
        assert script.calls("summarize") == 1


def test_tool_call_structured_output_works_end_to_end(
    config: GraphMemConfig, minilm: Embedder, script: Script, uid: str, llm_server: object
) -> None:
    cfg = config.model_copy(
        update={"llm": config.llm.model_copy(update={"structured_output": "tool_call"})}
    )
    with GraphMemory(cfg, embedder=minilm) as mem:
        script.enqueue_extraction([(uid, "Person"), ("jazz", "Music")], [(uid, "likes", "jazz")])
        result = mem.add("I like jazz.", user_id=uid)
    assert [op.relation.fact for op in result.operations] == [f"{uid} likes jazz"]
    sent = llm_server.http_requests[-1]  # type: ignore[attr-defined]
    assert sent["tool_choice"]["function"]["name"] == "extract_relations"
    assert "response_format" not in sent
