"""Retrieval: entity-centric subgraph + semantic triplet search, fused."""

from graphmem.retrieval.fusion import reciprocal_rank_fusion
from graphmem.retrieval.linking import fulltext_query, mentions_self

__all__ = ["fulltext_query", "mentions_self", "reciprocal_rank_fusion"]
