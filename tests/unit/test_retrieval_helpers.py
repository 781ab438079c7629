import re

from graphmem.retrieval import fulltext_query, mentions_self, reciprocal_rank_fusion
from graphmem.retrieval.fusion import shared_ranks


def test_fulltext_query_keeps_only_plain_words() -> None:
    query = fulltext_query('What does "Alice" think of title:(x OR y) AND \\ foo~ NOT bar*?')
    assert query is not None
    for term in query.split(" OR "):
        assert re.fullmatch(r"\w+(~1)?", term), term
    assert "alice" in query and "AND" not in query.replace(" OR ", " ")


def test_fulltext_query_makes_long_words_fuzzy_and_drops_stop_words() -> None:
    assert fulltext_query("where is the restaurant") == "restaurant~1"
    assert fulltext_query("what is it?") is None


def test_self_references_are_detected() -> None:
    assert mentions_self("What should I cook tonight?")
    assert mentions_self("my allergies")
    assert not mentions_self("Illinois imaging")


def test_rank_fusion_rewards_items_found_by_both_channels() -> None:
    fused = reciprocal_rank_fusion({"entity": ["a", "b"], "semantic": ["c", "b"]})
    assert fused[0][0] == "b" and fused[0][2] == ("entity", "semantic")
    assert [item for item, _, _ in fused] == ["b", "a", "c"]
    assert fused[1][1] == fused[2][1] < fused[0][1] <= 1.0
    assert reciprocal_rank_fusion({"x": ["only"], "y": ["only"]})[0][1] == 1.0


def test_tied_scores_share_their_mean_rank() -> None:
    assert shared_ranks([9.0, 5.0, 5.0, 5.0, 1.0]) == [1.0, 3.0, 3.0, 3.0, 5.0]
    assert shared_ranks([2.0, 2.0]) == [1.5, 1.5]
    assert shared_ranks([]) == []


def test_a_channel_that_ties_everything_cannot_reorder_the_others() -> None:
    # keyword: every memory matched only the shared name, in an arbitrary order.
    cities = [f"city {i}" for i in (12, 2, 3, 4, 5)]
    keyword = [*cities, "kayak"]
    semantic = ["kayak", *cities]
    weights = {"semantic": 1.0, "keyword": 0.5}
    fused = reciprocal_rank_fusion(
        {"semantic": semantic, "keyword": keyword},
        k=5,
        weights=weights,
        ranks={"keyword": shared_ranks([1.3] * 6)},
    )
    assert [item for item, _, _ in fused] == semantic
    unshared = reciprocal_rank_fusion(
        {"semantic": semantic, "keyword": keyword}, k=5, weights=weights
    )
    assert unshared[0][0] == "city 12"  # what the tie did before ranks were shared
