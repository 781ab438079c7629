"""Search over the Mem0 variant's memories as a step: a semantic (vector) and a keyword
(full-text) channel in one query, fused by reciprocal rank. No LLM call."""

from __future__ import annotations

from typing import Any

from graphmem.config import RetrievalConfig
from graphmem.effects import Step
from graphmem.models import Memory, Scope, ScoredMemory
from graphmem.retrieval.fusion import reciprocal_rank_fusion, shared_ranks
from graphmem.retrieval.linking import scoped_fulltext_query
from graphmem.retrieval.retriever import SearchOptions, index_k
from graphmem.retrieval.widening import widened
from graphmem.store import statements
from graphmem.times import storable

__all__ = ["MEMORY_CHANNELS", "search_memories"]

MEMORY_CHANNELS = ("semantic", "keyword")


def search_memories(
    query: str,
    scope: Scope,
    options: SearchOptions,
    embedding: list[float],
    config: RetrievalConfig,
) -> Step[tuple[ScoredMemory, ...]]:
    """The scope's memories most relevant to ``query``, best first. A filter on relations or
    entity types asks for facts, which memories are not: then there are none."""
    channels = [c for c in options.channels if c in MEMORY_CHANNELS]
    if not channels or options.relations is not None or options.entity_types is not None:
        return ()
    params = _params(query, scope, options, embedding, config)
    row = yield statements.search_memories(params)
    row = yield from widened(statements.search_memories, params, row, "memories")
    details = {m["id"]: m for m in row["memories"]}
    fused = reciprocal_rank_fusion(
        {ch: [hit["id"] for hit in row[ch]] for ch in channels},
        k=config.fusion_k,
        weights=config.channel_weights,
        # Memories mostly name the same person: keyword scores tie often, and a tie has no order.
        ranks={ch: shared_ranks([hit["score"] for hit in row[ch]]) for ch in channels},
    )
    return tuple(
        ScoredMemory(memory=Memory.from_record(details[i]), score=score, channels=found)
        for i, score, found in fused[: options.limit]
        if i in details
    )


def _params(
    query: str,
    scope: Scope,
    options: SearchOptions,
    embedding: list[float],
    config: RetrievalConfig,
) -> dict[str, Any]:
    """The parameters of cypher/queries/search_memories.cypher."""
    candidates = max(options.limit * 2, config.candidates)
    filtered = any((options.as_of, options.since, options.until, options.metadata))
    return {
        "scope_key": scope.key,
        "embedding": embedding,
        "limit": candidates,
        "channels": [c for c in options.channels if c in MEMORY_CHANNELS],
        "memory_query": scoped_fulltext_query("text", scope.token, query, fuzzy=False),
        "exact_max": config.exact_scan_max,
        "oversample": config.oversample,
        "max_k": config.max_k,
        "k": index_k(candidates, config.oversample, filtered=filtered),
        "k_factor": 1,
        "include_invalid": options.include_invalid,
        "as_of": storable(options.as_of) if options.as_of else None,
        "since": storable(options.since) if options.since else None,
        "until": storable(options.until) if options.until else None,
        "metadata": dict(options.metadata) if options.metadata else None,
    }
