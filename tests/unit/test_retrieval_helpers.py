import re

from graphmem.retrieval import fulltext_query, mentions_self, reciprocal_rank_fusion


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
