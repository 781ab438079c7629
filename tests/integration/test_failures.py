"""Bad LLM output and timeouts: a typed error, and nothing written."""

from __future__ import annotations

import pytest

from graphmem import GraphMemConfig, GraphMemory, LLMConfig, LLMOutputError, LLMTimeoutError
from graphmem.ports import Embedder
from graphmem.testing import DelayedReply, OpenAICompatibleServer, RawReply, Script
from tests.conftest import Cypher


def _nothing_written(cypher: Cypher, uid: str) -> bool:
    rows = cypher(
        "MATCH (s:Scope {scope_key: $k}) RETURN count(s) AS n "
        "UNION ALL MATCH (e:Episode) WHERE e.scope_key = $k RETURN count(e) AS n "
        "UNION ALL MATCH (e:Entity) WHERE e.scope_key = $k RETURN count(e) AS n",
        {"k": f'["{uid}",null,null]'},
    )
    return all(r["n"] == 0 for r in rows)


def test_a_reply_that_breaks_the_schema_raises_with_the_raw_text(
    memory: GraphMemory, script: Script, uid: str, cypher: Cypher
) -> None:
    script.enqueue("extract_entities", RawReply('{"entities": "not a list"}'), RawReply("sorry!"))
    with pytest.raises(LLMOutputError) as caught:
        memory.add("I live in Rome.", user_id=uid)
    assert caught.value.raw_text == "sorry!"
    assert caught.value.role == "extract_entities"
    assert _nothing_written(cypher, uid)


def test_a_malformed_reply_is_retried_once_with_the_error(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue("extract_entities", RawReply("{}"))
    script.enqueue_extraction([(uid, "Person"), ("Rome", "City")], [(uid, "lives_in", "Rome")])
    result = memory.add("I live in Rome.", user_id=uid)
    assert [op.relation.target for op in result.operations] == ["Rome"]
    assert result.usage.by_role["extract_entities"] == 2
    retry_prompt = script.requests[1].messages[-1]["content"]
    assert "entities" in retry_prompt and "schema" in retry_prompt


def test_a_failing_resolver_leaves_nothing_half_written(
    memory: GraphMemory, script: Script, uid: str, cypher: Cypher
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Rome", "City")], [(uid, "lives_in", "Rome")])
    memory.add("I live in Rome.", user_id=uid)
    before = cypher(
        "MATCH (e:Episode) WHERE e.scope_key = $k RETURN count(e) AS n",
        {"k": f'["{uid}",null,null]'},
    )[0]["n"]
    script.enqueue_extraction([(uid, "Person"), ("Milan", "City")], [(uid, "lives_in", "Milan")])
    script.enqueue("resolve_updates", RawReply("nope"), RawReply("still nope"))
    with pytest.raises(LLMOutputError):
        memory.add("I moved to Milan.", user_id=uid)
    after = cypher(
        "MATCH (e:Episode) WHERE e.scope_key = $k RETURN count(e) AS n",
        {"k": f'["{uid}",null,null]'},
    )[0]["n"]
    assert after == before
    assert [r.target for r in memory.get_all(user_id=uid)] == ["Rome"]


def test_a_timeout_raises_a_retryable_error_and_writes_nothing(
    neo4j_server: object, minilm: Embedder, uid: str, cypher: Cypher, config: GraphMemConfig
) -> None:
    script = Script()
    with OpenAICompatibleServer(script) as slow:
        script.enqueue("extract_entities", DelayedReply(3.0, {"entities": []}))
        cfg = config.model_copy(
            update={
                "llm": LLMConfig(
                    model="scripted",
                    base_url=slow.base_url,
                    api_key="k",
                    timeout_seconds=0.5,
                    max_retries=0,
                )
            }
        )
        with GraphMemory(cfg, embedder=minilm) as mem, pytest.raises(LLMTimeoutError) as caught:
            mem.add("I live in Rome.", user_id=uid)
    assert caught.value.is_retryable()
    assert _nothing_written(cypher, uid)
