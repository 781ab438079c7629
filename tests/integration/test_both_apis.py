"""One behavioural suite, run against GraphMemory and AsyncGraphMemory alike (real Neo4j, real
MiniLM, the real openai clients, blocking and async, against the loopback server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import pytest

from graphmem import (
    ConfigurationError,
    GraphMemConfig,
    InvalidInputError,
    LLMOutputError,
    NotFoundError,
    OperationKind,
    Scope,
    ScopeError,
)
from graphmem.ports import Embedder
from graphmem.testing import BoltFaultProxy, DecisionsByText, RawReply, Script
from tests.conftest import Cypher
from tests.integration.apis import KINDS, Kind, open_memory
from tests.integration.faults import APPLY_PLAN, episodes, relations, snapshot


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> Kind:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def api(kind: Kind, config: GraphMemConfig, minilm: Embedder) -> Iterator[Any]:
    with open_memory(kind, config, embedder=minilm) as mem:
        yield mem


def test_an_add_extracts_resolves_and_writes_in_three_round_trips(
    api: Any, script: Script, cypher: Cypher, uid: str
) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("Lisbon", "City"), ("Python 3.12", "Software")],
        [(uid, "lives_in", "Lisbon"), (uid, "uses", "Python 3.12")],
    )
    result = api.add("I live in Lisbon and code in Python 3.12.", user_id=uid)

    assert [op.kind for op in result.operations] == [OperationKind.ADD, OperationKind.ADD]
    assert result.neo4j_queries == 3  # context, entity resolution, the write
    assert result.usage.by_role == {"extract_entities": 1, "extract_relations": 1}
    assert relations(api.get_all(user_id=uid)) == [
        (uid, "lives_in", "Lisbon"),
        (uid, "uses", "Python 3.12"),
    ]
    assert episodes(cypher, Scope(user_id=uid)) == 1


def test_a_contradiction_retires_the_old_fact_and_keeps_its_history(
    api: Any, script: Script, uid: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Lisbon", "City")], [(uid, "lives_in", "Lisbon")])
    api.add("I live in Lisbon.", user_id=uid, timestamp=datetime(2024, 1, 1, tzinfo=UTC))
    script.enqueue_extraction([(uid, "Person"), ("Kraków", "City")], [(uid, "lives_in", "Kraków")])
    script.enqueue(
        "resolve_updates",
        DecisionsByText((("UPDATE", f"{uid} lives in Kraków", f"{uid} lives in Lisbon", "moved"),)),
    )
    moved = api.add("I moved to Kraków.", user_id=uid, timestamp=datetime(2025, 6, 1, tzinfo=UTC))

    [update] = moved.operations
    assert update.kind is OperationKind.UPDATE
    # no look-alike names were asked about: the reply schema leaves their answers out
    [asked] = [r for r in script.requests if r.role == "resolve_updates"]
    assert list(asked.json_schema["properties"]) == ["decisions"]
    assert update.previous is not None and update.previous.target == "Lisbon"
    assert relations(api.get_all(user_id=uid)) == [(uid, "lives_in", "Kraków")]
    old = [r for r in api.history(user_id=uid) if r.target == "Lisbon"]
    assert [(r.invalid_reason, r.invalid_at) for r in old] == [
        ("moved", datetime(2025, 6, 1, tzinfo=UTC))
    ]
    then = api.search(
        "Where does the user live?", user_id=uid, as_of=datetime(2024, 6, 1, tzinfo=UTC)
    )
    assert [r.target for r in then.relations] == ["Lisbon"]
    now = api.search("Where does the user live?", user_id=uid)
    assert [r.target for r in now.relations] == ["Kraków"]


def test_a_retried_add_with_its_key_is_answered_from_the_graph(
    api: Any, script: Script, cypher: Cypher, uid: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("tea", "Drink")], [(uid, "likes", "tea")])
    first = api.add("I like tea.", user_id=uid, idempotency_key="m-1")
    again = api.add("I like tea.", user_id=uid, idempotency_key="m-1")  # no reply enqueued

    assert (first.replayed, again.replayed) == (False, True)
    assert again.episode_id == first.episode_id
    assert again.usage.llm_calls == 0
    # The key is looked up by the context query: no round trip more than an add without one.
    assert (first.neo4j_queries, again.neo4j_queries) == (3, 2)
    assert episodes(cypher, Scope(user_id=uid)) == 1


def test_triplets_in_batches_follow_time_and_single_valued_rules(
    api: Any, cypher: Cypher, uid: str
) -> None:
    result = api.add_triplets(
        [
            {"source": "Ana", "relation": "works_at", "target": "Acme", "valid_at": "2021-01-01"},
            {
                "source": "Ana",
                "relation": "works_at",
                "target": "Initech",
                "valid_at": "2023-01-01",
            },
            ("Ana", "speaks", "Português"),
        ],
        user_id=uid,
        single_valued=["works_at"],
        resolver="rules",
        batch_size=2,
        idempotency_key="load-1",
    )

    assert len(result.episode_ids) == 2
    assert relations(api.get_all(user_id=uid)) == [
        ("Ana", "speaks", "Português"),
        ("Ana", "works_at", "Initech"),
    ]
    [retired] = [r for r in api.history(user_id=uid) if not r.valid]
    assert (retired.target, retired.invalid_at) == ("Acme", datetime(2023, 1, 1, tzinfo=UTC))
    before = snapshot(cypher, Scope(user_id=uid))
    again = api.add_triplets(
        [("Ana", "works_at", "Acme"), ("Ana", "works_at", "Initech"), ("Ana", "speaks", "x")],
        user_id=uid,
        resolver="rules",
        batch_size=2,
        idempotency_key="load-1",
    )
    assert again.replayed
    assert snapshot(cypher, Scope(user_id=uid)) == before


def test_search_filters_by_relation_metadata_and_time(api: Any, uid: str) -> None:
    api.add_triplets(
        [
            {"source": "Mia", "relation": "likes", "target": "jazz", "metadata": {"src": "chat"}},
            {"source": "Mia", "relation": "plays", "target": "jazz piano"},
            {"source": "Mia", "relation": "likes", "target": "jazz festivals"},
        ],
        user_id=uid,
        resolver="rules",
        timestamp=datetime(2024, 3, 1, tzinfo=UTC),
    )

    plays = api.search("Mia and jazz", user_id=uid, relations=["plays"])
    assert [(r.relation.relation, r.target) for r in plays.relations] == [("plays", "jazz piano")]
    tagged = api.search("Mia and jazz", user_id=uid, metadata={"src": "chat"})
    assert [r.target for r in tagged.relations] == ["jazz"]
    assert (
        api.search("Mia and jazz", user_id=uid, since=datetime(2024, 4, 1, tzinfo=UTC)).relations
        == ()
    )
    everything = api.search("Mia and jazz", user_id=uid)
    assert {r.target for r in everything.relations} == {"jazz", "jazz piano", "jazz festivals"}
    assert "Mia" in everything.to_context()


def test_scopes_never_see_each_other(api: Any, uid: str) -> None:
    other = f"{uid}-other"
    api.add_triplets([("Ana", "likes", "tea")], user_id=uid, resolver="rules")
    api.add_triplets([("Ana", "likes", "coffee")], user_id=other, resolver="rules")
    api.add_triplets([("Ana", "likes", "mate")], user_id=uid, run_id="r1", resolver="rules")

    assert relations(api.get_all(user_id=uid)) == [("Ana", "likes", "tea")]
    assert [r.target for r in api.search("What does Ana like?", user_id=uid).relations] == ["tea"]
    [coffee] = api.get_all(user_id=other)
    with pytest.raises(NotFoundError):
        api.delete(coffee.id, user_id=uid)
    assert api.delete_all(user_id=uid, run_id="r1") > 0
    assert relations(api.get_all(user_id=uid)) == [("Ana", "likes", "tea")]
    forgotten = api.forget(user_id=uid)
    assert forgotten.scopes == (Scope(user_id=uid),)
    assert api.get_all(user_id=uid) == []
    assert relations(api.get_all(user_id=other)) == [("Ana", "likes", "coffee")]


def test_delete_erases_a_fact_and_optionally_its_words(
    api: Any, script: Script, cypher: Cypher, uid: str
) -> None:
    script.enqueue_extraction([(uid, "Person"), ("Oslo", "City")], [(uid, "lives_in", "Oslo")])
    added = api.add("I live in Oslo, my PIN is 4321.", user_id=uid)
    fact_id = added.operations[0].relation.id

    assert api.delete(fact_id, user_id=uid, erase_episodes=True) == 1
    with pytest.raises(NotFoundError):
        api.delete(fact_id, user_id=uid)
    assert api.history(user_id=uid) == []
    rows = cypher(
        "MATCH (ep:Episode) WHERE ep.scope_key = $k RETURN ep.text AS text",
        {"k": Scope(user_id=uid).key},
    )
    assert all("4321" not in (r["text"] or "") for r in rows)


def test_export_gives_the_scope_graph_as_json(api: Any, uid: str) -> None:
    api.add_triplets([("Zoë", "owns", "a cat named Mochi")], user_id=uid, resolver="rules")

    data = api.export(user_id=uid)
    assert {e["name"] for e in data["entities"]} == {"Zoë", "a cat named Mochi"}
    assert [(r["source"], r["relation"], r["target"]) for r in data["relations"]] == [
        ("Zoë", "owns", "a cat named Mochi")
    ]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda api, uid: api.add("   ", user_id=uid), InvalidInputError),
        (lambda api, uid: api.add("hello"), ScopeError),
        (lambda api, uid: api.add_triplets([], user_id=uid), InvalidInputError),
        (lambda api, uid: api.search("x", user_id=uid, limit=0), InvalidInputError),
        (lambda api, uid: api.search("x", user_id=uid, rerank="cross_encoder"), ConfigurationError),
        (lambda api, uid: api.history(user_id=uid, limit=0), InvalidInputError),
        (lambda api, uid: api.export(user_id=uid, format="xml"), InvalidInputError),
        (lambda api, uid: api.forget(), ScopeError),
    ],
)
def test_bad_input_is_a_typed_error_and_writes_nothing(
    api: Any, cypher: Cypher, uid: str, call: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        call(api, uid)
    assert snapshot(cypher, Scope(user_id=uid)) == []


def test_a_reply_that_keeps_breaking_the_schema_is_a_typed_error(
    api: Any, script: Script, cypher: Cypher, uid: str
) -> None:
    script.enqueue("extract_entities", *[RawReply("not json")] * 5)
    with pytest.raises(LLMOutputError) as caught:
        api.add("I like tea.", user_id=uid)
    assert caught.value.raw_text == "not json"
    assert snapshot(cypher, Scope(user_id=uid)) == []


def test_summaries_are_refreshed_in_the_background_after_adds(
    kind: Kind, config: GraphMemConfig, minilm: Embedder, script: Script, cypher: Cypher, uid: str
) -> None:
    cfg = config.model_copy(update={"summary_every": 2})
    with open_memory(kind, cfg, embedder=minilm) as mem:
        script.enqueue_extraction([]).enqueue_extraction([])
        script.enqueue("summarize", {"summary": "The user hikes and paints."})
        mem.add("I hike.", user_id=uid)
        mem.add("I paint.", user_id=uid)
        assert mem.wait_for_summaries(30)
    [row] = cypher(
        "MATCH (s:Scope {scope_key: $k}) RETURN s.summary AS text, s.summarized_count AS n",
        {"k": Scope(user_id=uid).key},
    )
    assert row == {"text": "The user hikes and paints.", "n": 2}
    assert script.calls("summarize") == 1


def test_a_commit_whose_answer_was_lost_is_found_not_written_twice(
    kind: Kind, config: GraphMemConfig, minilm: Embedder, cypher: Cypher, uid: str
) -> None:
    target = urlparse(config.neo4j.uri)
    with BoltFaultProxy(target.hostname or "127.0.0.1", target.port or 7687) as proxy:
        neo4j = config.neo4j.model_copy(update={"uri": proxy.uri})
        with open_memory(kind, config.model_copy(update={"neo4j": neo4j}), embedder=minilm) as mem:
            proxy.arm("drop_after", query_contains=APPLY_PLAN)
            result = mem.add_triplets([("Ana", "likes", "tea")], user_id=uid, resolver="rules")
            assert proxy.fired == 1
            assert result.replayed
            assert relations(mem.get_all(user_id=uid)) == [("Ana", "likes", "tea")]
    assert episodes(cypher, Scope(user_id=uid)) == 1
