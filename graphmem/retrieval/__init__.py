"""Retrieval: entity-centric subgraph + semantic triplet search, fused."""

from graphmem.retrieval.fusion import reciprocal_rank_fusion
from graphmem.retrieval.linking import fulltext_query, mentions_self, scoped_fulltext_query

__all__ = [
    "fulltext_query",
    "mentions_self",
    "reciprocal_rank_fusion",
    "scoped_fulltext_query",
]
