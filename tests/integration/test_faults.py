"""Faults on the shared server: a failed add leaves its scope exactly as before, and a retry
with the same idempotency key is applied once, even when the commit's answer was lost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from graphmem import (
    AddResult,
    EmbeddingError,
    GraphMemConfig,
    GraphMemory,
    InvalidInputError,
    LLMError,
    OperationKind,
    Scope,
)
from graphmem.ports import Embedder
from graphmem.testing import BoltFaultProxy, HTTPErrorReply, Script
from tests.conftest import Cypher
from tests.integration.faults import (
    APPLY_PLAN,
    FailingEmbedder,
    episodes,
    relations,
    snapshot,
)


@pytest.fixture
def proxy(config: GraphMemConfig) -> Iterator[BoltFaultProxy]:
    target = urlparse(config.neo4j.uri)
    with BoltFaultProxy(target.hostname or "127.0.0.1", target.port or 7687) as p:
        yield p


@pytest.fixture
def proxied(
    config: GraphMemConfig, minilm: Embedder, proxy: BoltFaultProxy
) -> Iterator[GraphMemory]:
    neo4j = config.neo4j.model_copy(update={"uri": proxy.uri})
    with GraphMemory(config.model_copy(update={"neo4j": neo4j}), embedder=minilm) as mem:
        yield mem


def test_a_retried_add_with_its_key_is_answered_from_the_graph(
    memory: GraphMemory, script: Script, cypher: Cypher, uid: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Rome", "City")], [(uid, "lives_in", "Rome")])
    first = memory.add("I live in Rome.", user_id=uid, idempotency_key="msg-1")
    # No reply is enqueued: a second run of the add would fail on its first LLM call.
    again = memory.add("I live in Rome.", user_id=uid, idempotency_key="msg-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.episode_id == first.episode_id
    assert [(op.kind, op.relation.id) for op in again.operations] == [
        (op.kind, op.relation.id) for op in first.operations
    ]
    assert {e.id for e in again.entities} == {e.id for e in first.entities}
    assert again.usage.llm_calls == 0
    assert episodes(cypher, Scope(user_id=uid)) == 1
    # The key is per scope: another user may use the same one.
    script.enqueue_extraction([("Bo", "Person"), ("Oslo", "City")], [("Bo", "lives_in", "Oslo")])
    assert not memory.add("Bo lives in Oslo.", user_id=f"{uid}-b", idempotency_key="msg-1").replayed


def test_a_replayed_update_reports_what_it_replaced(
    memory: GraphMemory, cypher: Cypher, uid: str
) -> None:
    memory.add_triplets(
        [("Ana", "lives_in", "Rome")], user_id=uid, single_valued=["lives_in"], resolver="rules"
    )

    def move() -> AddResult:
        return memory.add_triplets(
            [("Ana", "lives_in", "Milan")],
            user_id=uid,
            single_valued=["lives_in"],
            resolver="rules",
            idempotency_key="k",
        )

    moved, again = move(), move()
    assert again.replayed
    [update] = again.of_kind(OperationKind.UPDATE)
    assert update.previous is not None and update.previous.target == "Rome"
    assert [op.kind for op in moved.operations] == [op.kind for op in again.operations]
    assert relations(memory.get_all(user_id=uid)) == [("Ana", "lives_in", "Milan")]


@pytest.mark.parametrize("kind", ["triplets", "memories"])
def test_a_retry_of_a_failed_batched_ingest_writes_only_the_missing_batches(
    config: GraphMemConfig, minilm: Embedder, cypher: Cypher, uid: str, kind: str
) -> None:
    items: list[Any] = (
        [("Ana", "likes", f"book {i}") for i in range(3)]
        if kind == "triplets"
        else [f"Ana mag Buch {i}" for i in range(3)]
    )
    flaky = FailingEmbedder(minilm, fail_on=[2])  # the second batch's embedding fails
    with GraphMemory(config, embedder=flaky) as mem:
        ingest = getattr(mem, f"add_{kind}")

        def stored() -> list[Any]:
            if kind == "triplets":
                return relations(mem.get_all(user_id=uid))
            return sorted(m.text for m in mem.get_memories(user_id=uid))

        with pytest.raises(EmbeddingError) as caught:
            ingest(items, user_id=uid, batch_size=1, idempotency_key="ingest-7", resolver="rules")
        assert f"add_{kind}: 1 of 3 batches were written" in str(caught.value.__notes__)
        assert episodes(cypher, Scope(user_id=uid)) == 1 and stored() == items[:1]

        result = ingest(
            items, user_id=uid, batch_size=1, idempotency_key="ingest-7", resolver="rules"
        )

        assert not result.replayed  # two of its three batches were written now
        assert len(result.episode_ids) == 3
        assert episodes(cypher, Scope(user_id=uid)) == 3
        assert stored() == sorted(items)


@pytest.mark.parametrize("role", ["extract_entities", "extract_relations", "resolve_updates"])
def test_an_llm_failing_at_any_role_leaves_the_scope_as_it_was(
    memory: GraphMemory, script: Script, cypher: Cypher, uid: str, role: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Rome", "City")], [(uid, "lives_in", "Rome")])
    memory.add("I live in Rome.", user_id=uid)
    before = snapshot(cypher, Scope(user_id=uid))

    script.enqueue_extraction([(uid, "Person"), ("Milan", "City")], [(uid, "lives_in", "Milan")])
    script.clear(role)
    script.enqueue(role, HTTPErrorReply(500), HTTPErrorReply(500))
    with pytest.raises(LLMError) as caught:
        memory.add("I moved to Milan.", user_id=uid)

    assert caught.value.is_retryable()
    assert snapshot(cypher, Scope(user_id=uid)) == before


def test_a_failing_embedder_leaves_the_scope_as_it_was(
    config: GraphMemConfig, minilm: Embedder, cypher: Cypher, uid: str
) -> None:
    flaky = FailingEmbedder(minilm, fail_on=[2])
    with GraphMemory(config, embedder=flaky) as mem:
        mem.add_triplets([("Ana", "likes", "tea")], user_id=uid, resolver="rules")
        before = snapshot(cypher, Scope(user_id=uid))
        with pytest.raises(EmbeddingError):
            mem.add_triplets([("Ana", "likes", "coffee")], user_id=uid, resolver="rules")
    assert snapshot(cypher, Scope(user_id=uid)) == before


def test_a_commit_whose_answer_was_lost_is_found_not_written_twice(
    proxied: GraphMemory, proxy: BoltFaultProxy, cypher: Cypher, uid: str
) -> None:
    proxy.arm("drop_after", query_contains=APPLY_PLAN)
    result = proxied.add_triplets([("Ana", "likes", "tea")], user_id=uid, resolver="rules")

    assert proxy.fired == 1
    assert result.replayed  # the write landed; graphmem found it instead of writing again
    assert [op.kind for op in result.operations] == [OperationKind.ADD]
    assert episodes(cypher, Scope(user_id=uid)) == 1
    assert relations(proxied.get_all(user_id=uid)) == [("Ana", "likes", "tea")]


def test_a_commit_that_never_arrived_is_written_once(
    proxied: GraphMemory, proxy: BoltFaultProxy, cypher: Cypher, uid: str
) -> None:
    proxy.arm("drop_before", query_contains=APPLY_PLAN)
    result = proxied.add_triplets(
        [("Ana", "likes", "tea")], user_id=uid, idempotency_key="x", resolver="rules"
    )

    assert proxy.fired == 1
    assert not result.replayed  # it had not landed: graphmem looked, then wrote it
    assert episodes(cypher, Scope(user_id=uid)) == 1
    assert relations(proxied.get_all(user_id=uid)) == [("Ana", "likes", "tea")]


@pytest.mark.parametrize("key", ["", "   ", "k" * 257])
def test_an_unusable_idempotency_key_is_a_typed_error(
    memory: GraphMemory, uid: str, key: str
) -> None:
    with pytest.raises(InvalidInputError, match="idempotency_key"):
        memory.add_triplets(
            [("Ana", "likes", "tea")], user_id=uid, idempotency_key=key, resolver="rules"
        )
