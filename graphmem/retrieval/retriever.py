"""Search orchestration: link the query, run the channels in one query, fuse, rerank."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphmem.config import RetrievalConfig
from graphmem.effects import Embed, Score, Step, Together
from graphmem.errors import ConfigurationError, InvalidInputError
from graphmem.models import (
    EntityRef,
    Relation,
    Scope,
    ScoredRelation,
    SearchResult,
    metadata_properties,
    normalize_name,
)
from graphmem.prompts import query_entities as query_entities_prompt
from graphmem.prompts.query_entities import QueryEntities
from graphmem.retrieval import rerank as rr
from graphmem.retrieval.fusion import reciprocal_rank_fusion
from graphmem.retrieval.linking import content_words, mentions_self, scoped_fulltext_query
from graphmem.retrieval.widening import widened
from graphmem.store import statements
from graphmem.structured import UsageMeter, structured
from graphmem.text import normalize_entity_type, normalize_relation
from graphmem.times import from_query, storable

__all__ = ["CHANNELS", "Retriever", "SearchOptions", "check_query", "index_k"]

CHANNELS = ("entity", "semantic", "keyword")

# Scopes whose size the retriever remembers (an int each; the least recently searched go).
_REMEMBERED_SCOPES = 4096


@dataclass(frozen=True, slots=True)
class SearchOptions:
    limit: int
    include_invalid: bool = False
    as_of: datetime | None = None
    entity_linking: str = "embedding"
    depth: int = 1
    channels: tuple[str, ...] = CHANNELS
    rerank: str = "none"
    entity_types: tuple[str, ...] | None = None
    relations: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    metadata: Mapping[str, Any] | None = None

    @property
    def filtered(self) -> bool:
        """Whether a filter beyond scope and validity narrows the facts found (retired facts
        are taken to be few next to current ones; these filters can drop most of them)."""
        return any(
            (
                self.as_of,
                self.entity_types,
                self.relations,
                self.since,
                self.until,
                self.metadata,
            )
        )

    def check(self) -> None:
        if self.limit < 1:
            raise InvalidInputError(f"limit must be at least 1, got {self.limit}")
        if self.depth not in (1, 2):
            raise InvalidInputError(f"depth must be 1 or 2, got {self.depth}")
        if self.entity_linking not in ("embedding", "llm"):
            raise InvalidInputError(
                f"entity_linking must be 'embedding' or 'llm', got {self.entity_linking!r}"
            )
        unknown = set(self.channels) - set(CHANNELS)
        if unknown or not self.channels:
            raise InvalidInputError(f"channels must be a non-empty subset of {CHANNELS}")
        if self.rerank not in rr.RERANKERS:
            raise InvalidInputError(f"rerank must be one of {rr.RERANKERS}, got {self.rerank!r}")
        metadata_properties(self.metadata)  # the same checks as on write


def check_query(query: str, options: SearchOptions) -> None:
    if not isinstance(query, str) or not query.strip():
        raise InvalidInputError("query must be a non-empty string")
    options.check()


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else storable(moment)


class Retriever:
    """Search as a step (graphmem.effects); remembers how large each scope was last seen."""

    def __init__(
        self,
        config: RetrievalConfig,
        *,
        output_retries: int,
        has_llm: bool,
        has_reranker: bool,
    ) -> None:
        self._config = config
        self._output_retries = output_retries
        self._has_llm = has_llm
        self._has_reranker = has_reranker
        self._lock = threading.Lock()  # the sync API searches from many threads
        # Facts per scope as its last search counted them: decides whether the next search of
        # the scope runs its channels as one query or two at once.
        self._scope_facts: OrderedDict[str, int] = OrderedDict()

    def search(
        self,
        query: str,
        scope: Scope,
        options: SearchOptions,
        embedding: list[float] | None = None,
    ) -> Step[SearchResult]:
        """``embedding``: the query's, when the caller embedded it already."""
        check_query(query, options)
        cfg = self._config
        meter = UsageMeter()
        self_name = scope.user_id or scope.agent_id or "user"
        link_keys = [normalize_name(self_name)] if mentions_self(query) else []
        if options.entity_linking == "llm" and "entity" in options.channels:
            link_keys += yield from self._llm_entities(query, self_name, meter)
        if embedding is None:
            embedding = (yield Embed((query,)))[0]
        row = yield from self._query(
            scope.key, self._params(query, scope, options, embedding, link_keys)
        )
        facts = {f["id"]: f for f in row["facts"]}
        hops = {h["id"]: h["hops"] for h in row["entity"]}
        fused = reciprocal_rank_fusion(
            {ch: [h["id"] for h in row[ch]] for ch in CHANNELS if ch in options.channels},
            k=cfg.fusion_k,
            weights=cfg.channel_weights,
        )
        channels = {item: found for item, _, found in fused}
        ranked = yield from self._rerank(
            query,
            embedding,
            options,
            [self._candidate(facts[i], score, hops.get(i)) for i, score, _ in fused if i in facts],
        )
        return SearchResult(
            query=query,
            relations=tuple(
                ScoredRelation(
                    relation=Relation.from_record(facts[c.id]),
                    score=c.score,
                    channels=channels[c.id],
                    hops=c.hops,
                )
                for c in ranked[: options.limit]
            ),
            linked_entities=tuple(
                EntityRef(id=e["id"], name=e["name"], type=e["type"]) for e in row["linked"]
            ),
            usage=meter.usage(),
        )

    def _params(
        self,
        query: str,
        scope: Scope,
        options: SearchOptions,
        embedding: list[float],
        link_keys: list[str],
    ) -> dict[str, Any]:
        """The search query's parameters (cypher/queries/search.cypher)."""
        cfg = self._config
        candidates = max(options.limit * 2, cfg.candidates)
        return {
            "scope_key": scope.key,
            "embedding": embedding,
            "limit": candidates,
            "channels": list(options.channels),
            # Fuzzy terms (typo tolerance) for names only: fuzzy Lucene queries over every
            # fact's text cost far more and matched little the exact terms did not.
            "fact_query": scoped_fulltext_query("fact", scope.token, query, fuzzy=False),
            "entity_query": scoped_fulltext_query("name", scope.token, query),
            "exact_max": cfg.exact_scan_max,
            "oversample": cfg.oversample,
            "max_k": cfg.max_k,
            "k": index_k(candidates, cfg.oversample, filtered=options.filtered),
            "k_factor": 1,
            "entity_k": max(10, 2 * cfg.max_linked_entities),
            "link_keys": link_keys,
            "link_min_score": (1.0 + cfg.entity_link_threshold) / 2.0,
            "max_linked": cfg.max_linked_entities,
            "depth": options.depth,
            "max_expand": cfg.max_expand,
            "beam": cfg.beam,
            "max_expand_second": cfg.max_expand_second,
            "hub_degree": cfg.hub_degree,
            "query_words": content_words(query),
            "relation_bonus": cfg.relation_bonus,
            "include_invalid": options.include_invalid,
            "as_of": _aware(options.as_of),
            "relations": _normalized(options.relations, normalize_relation),
            "entity_types": _normalized(options.entity_types, normalize_entity_type),
            "since": _aware(options.since),
            "until": _aware(options.until),
            "metadata": dict(options.metadata) if options.metadata else None,
            "with_embeddings": options.rerank == "mmr",
        }

    def _query(self, scope_key: str, params: dict[str, Any]) -> Step[Mapping[str, Any]]:
        """The search query; with concurrent_channels and a large scope, the semantic channel
        in a second query at the same time (hybrid p50 20 -> 16 ms at a 100k scope on 2
        cores)."""
        if self._concurrent(scope_key, params["channels"]):
            row = yield from self._two_queries(params)
        else:
            row = yield statements.search(params)
        self._remember(scope_key, int(row["scope_facts"]))
        return (yield from widened(statements.search, params, row, "facts"))

    def _concurrent(self, scope_key: str, channels: list[str]) -> bool:
        cfg = self._config
        if not cfg.concurrent_channels or "semantic" not in channels or len(channels) < 2:
            return False
        if cfg.concurrent_min_facts == 0:
            return True
        with self._lock:
            facts = self._scope_facts.get(scope_key)
        # A scope not searched before runs as one query, which also counts it.
        return facts is not None and facts >= cfg.concurrent_min_facts

    def _remember(self, scope_key: str, facts: int) -> None:
        with self._lock:
            self._scope_facts[scope_key] = facts
            self._scope_facts.move_to_end(scope_key)
            if len(self._scope_facts) > _REMEMBERED_SCOPES:
                self._scope_facts.popitem(last=False)

    def _two_queries(self, params: dict[str, Any]) -> Step[Mapping[str, Any]]:
        channels: list[str] = params["channels"]
        found, rest = yield Together(
            (
                statements.search({**params, "channels": ["semantic"]}),
                statements.search({**params, "channels": [c for c in channels if c != "semantic"]}),
            )
        )
        facts = {f["id"]: f for f in found["facts"]} | {f["id"]: f for f in rest["facts"]}
        return {
            **rest,
            **{key: found[key] for key in ("semantic", "semantic_raw", "semantic_k", "exact")},
            "facts": list(facts.values()),
        }

    def _llm_entities(self, query: str, self_name: str, meter: UsageMeter) -> Step[list[str]]:
        if not self._has_llm:
            raise ConfigurationError(
                "entity_linking='llm' needs an LLM: pass llm=..., or set OPENAI_API_KEY or "
                "OPENAI_BASE_URL; the default 'embedding' linking needs none"
            )
        system, user = query_entities_prompt.build(query, self_name)
        named = yield from structured(
            role=query_entities_prompt.ROLE,
            system=system,
            user=user,
            response_model=QueryEntities,
            meter=meter,
            output_retries=self._output_retries,
        )
        return [normalize_name(n) for n in named.entities if n.strip()]

    @staticmethod
    def _candidate(fact: Mapping[str, Any], score: float, hops: int | None) -> rr.Candidate:
        return rr.Candidate(
            id=fact["id"],
            score=score,
            text=fact["fact"],
            valid_at=from_query(fact["valid_at"]),
            mentions=len(fact.get("episode_ids") or ()),
            hops=hops,
            embedding=fact.get("embedding"),
        )

    def _rerank(
        self,
        query: str,
        embedding: Sequence[float],
        options: SearchOptions,
        items: list[rr.Candidate],
    ) -> Step[list[rr.Candidate]]:
        match options.rerank:
            case "mmr":
                return rr.mmr(items, embedding, options.limit, self._config.mmr_diversity)
            case "entity_distance":
                return rr.by_entity_distance(items)
            case "recency":
                return rr.by_recency(items, datetime.now(UTC), self._config.recency_half_life_days)
            case "cross_encoder":
                if not self._has_reranker:
                    raise ConfigurationError(
                        "rerank='cross_encoder' needs a model: set "
                        "RetrievalConfig(cross_encoder_model=...) or pass reranker=..."
                    )
                scores = yield Score(query, tuple(c.text for c in items))
                return rr.apply_scores(items, dict(zip([c.id for c in items], scores, strict=True)))
            case _:
                return items


def _normalized(values: Sequence[str] | None, normalize: Any) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    return [normalize(v) for v in values]


def index_k(candidates: int, oversample: float, *, filtered: bool) -> int:
    """Neighbours asked of a scope-filtered vector index (Neo4j 2026+) for ``candidates``.

    The index is approximate (HNSW) and holds retired items too: in a 100k-memory scope,
    LIMIT 20 found 0.985 of the exact top 10 and LIMIT 40 0.995, for ~1 ms more
    (bench/results/ann-limit.md). Filters applied after the index (time, relations, types,
    metadata) can drop most of what it returns, so they ask for more again."""
    return math.ceil(candidates * oversample * (oversample if filtered else 1.0))
