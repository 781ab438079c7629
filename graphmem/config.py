"""Settings. Frozen pydantic models; the environment is read only by ``from_env()``."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from graphmem.errors import ConfigurationError

__all__ = ["GraphMemConfig", "LLMConfig", "Neo4jConfig", "RetrievalConfig", "is_nearby"]

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Neo4jConfig(_Frozen):
    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: SecretStr | None = None
    database: str | None = None  # None: the server's default database
    # A server that does not answer is a retryable StoreError after this long, not a hang.
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=600)
    # How long a transient failure (deadlock, leader switch, restart) is retried before the
    # StoreError; 0 turns retries off. The driver's own default is 30 s.
    retry_seconds: float = Field(default=15.0, ge=0, le=3600)


class LLMConfig(_Frozen):
    """Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure, Ollama, vLLM, ...)."""

    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout_seconds: float = Field(default=60.0, gt=0)
    # Retries with backoff on rate limits, timeouts, connection errors and 5xx. None: 3 for
    # a remote endpoint, 0 for a server on this machine or a private network: such servers
    # (llama.cpp, Ollama) often serve one request at a time and keep generating after the
    # client gives up, so a re-sent request only queues behind the abandoned one.
    max_retries: int | None = Field(default=None, ge=0, le=10)
    # Extra attempts when the reply does not match the response schema.
    max_output_retries: int = Field(default=1, ge=0, le=5)
    # How the reply is held to its JSON schema. "auto": json_schema where the endpoint accepts
    # it, else a forced tool call, else json_object with the schema in the prompt; chosen on
    # the first request the endpoint refuses, once per client.
    structured_output: Literal["auto", "json_schema", "tool_call", "json_object"] = "auto"
    # The bound on every reply's length: a reply cut there is an LLMTruncatedError, not a
    # schema mismatch to re-ask. Without it a degenerate grammar-constrained reply can run
    # until the server's context is full.
    max_output_tokens: int = Field(default=4096, ge=16, le=1_000_000)
    # The request field that carries the bound: "auto" sends max_completion_tokens to OpenAI
    # and Azure OpenAI (their newer models refuse max_tokens) and max_tokens elsewhere (what
    # llama.cpp, Ollama, vLLM and most compatible servers read).
    max_tokens_field: Literal["auto", "max_tokens", "max_completion_tokens"] = "auto"
    temperature: float | None = 0.0

    def retries(self) -> int:
        """``max_retries``, or its default for where the endpoint is."""
        if self.max_retries is not None:
            return self.max_retries
        return 0 if is_nearby(self.base_url) else 3

    def token_field(self) -> str:
        """The request field that bounds the reply's length."""
        if self.max_tokens_field != "auto":
            return self.max_tokens_field
        host = (urlsplit(self.base_url).hostname or "") if self.base_url else "api.openai.com"
        openai_host = host.endswith(("openai.com", "openai.azure.com"))
        return "max_completion_tokens" if openai_host else "max_tokens"


def is_nearby(base_url: str | None) -> bool:
    """Whether an endpoint is on this machine or a private network (a self-hosted server)."""
    if not base_url:
        return False
    host = urlsplit(base_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


class RetrievalConfig(_Frozen):
    limit: int = Field(default=10, ge=1, le=1000)
    # "embedding": link the query to entities by vector + full-text index, no LLM call.
    # "llm": the paper's way, one LLM call that names the query's entities.
    entity_linking: Literal["embedding", "llm"] = "embedding"
    depth: int = Field(default=2, ge=1, le=2)
    # Cosine similarity a query must reach to link to an entity.
    entity_link_threshold: float = Field(default=0.5, ge=-1.0, le=1.0)
    max_linked_entities: int = Field(default=3, ge=1, le=100)
    # Candidates each channel contributes before fusion: max(limit * 2, this).
    candidates: int = Field(default=20, ge=1, le=1000)
    # Neo4j 2026+ filters vector lookups by scope inside the index: it is asked for
    # candidates x oversample neighbours (x oversample again under a time, relation, type or
    # metadata filter): the index is approximate. Neo4j 5.26 has no filtered vector search and the
    # indexes are shared by every scope: the index is asked for k = candidates x oversample x
    # (database / scope) neighbours, at most `max_k`; a scope of at most `exact_scan_max` facts
    # (or entities) that k would not beat (scope <= k: a small scope in a large database) is
    # scanned exactly (~13 us per node).
    exact_scan_max: int = Field(default=2000, ge=0)
    oversample: float = Field(default=2.0, ge=1.0, le=100.0)
    max_k: int = Field(default=10_000, ge=10, le=100_000)
    # Relationships expanded per linked entity (hubs are covered by the other channels).
    # Each fact scored costs a read of its 384-float embedding and a cosine (~30 us together on
    # this machine): these bounds are the entity channel's cost. 50 / 3 / 15 (was 100 / 4 / 50)
    # kept recall@10 1.0 at 1k and 10k facts on bench/retrieval with ~half the facts scored.
    max_expand: int = Field(default=50, ge=1, le=100_000)
    # Depth 2 follows only this many first hops, the most similar to the query.
    beam: int = Field(default=3, ge=1, le=100)
    # Relationships read per followed first hop: a hub (a city) reached on the first hop would
    # otherwise add thousands of strangers' facts to score.
    max_expand_second: int = Field(default=15, ge=1, le=100_000)
    # Depth 2 does not pass through an entity with more facts than this (a city, an employer):
    # the max_expand_second of them it would read are an arbitrary sample of strangers' facts.
    # At the 100k-fact scope of bench/retrieval most followed first hops end in such hubs:
    # skipping them took entity (depth 2) p50 14.0 -> 11.1 ms, hybrid 16.6 -> 14.2 ms, recall
    # unchanged (1.0; multi-hop 1.0). Smaller scopes there have no entity past 100 facts.
    hub_degree: int = Field(default=100, ge=1, le=1_000_000)
    # Added to a subgraph fact's similarity when a word of its relation is in the query.
    # 0.2 (was 0.1): with the first hop's words counted only from the query's subject, 2-hop
    # answers ("X's sister's city") ranked first on bench/retrieval at 1k and 10k facts.
    relation_bonus: float = Field(default=0.2, ge=0.0, le=1.0)
    # Rank-fusion weight per channel, chosen on the benchmark corpus (bench/retrieval): only the
    # entity channel follows structure (multi-hop answers are found by it alone), and keyword
    # search matches words, not meaning. Equal weights buried 2-hop answers (recall 0).
    # The k of reciprocal rank fusion: weight / (k + rank). A small k lets a channel's first
    # ranks count for more than agreement between channels lower down: with the usual 60,
    # facts that all three channels found lower down buried the entity channel's 2-hop answers
    # (hybrid recall@10 0.94 where the entity channel alone had 1.0, bench/retrieval 1k); 5
    # gave hybrid 1.0 at 1k and 10k.
    fusion_k: int = Field(default=5, ge=0, le=1000)
    # The semantic channel runs as its own query beside the entity and keyword channels (two
    # sessions at once), so the server works on both together; False: one query, one session.
    concurrent_channels: bool = True
    # ... but only for scopes of at least this many facts (as the scope's last search counted
    # them). Below it the second thread costs more than it saves: on 2 cores, search p50 at a
    # 1k-fact scope was 8.0 ms as one query and 13.0 ms as two; at 10k, 16.1 and 12.9 ms.
    concurrent_min_facts: int = Field(default=5_000, ge=0)
    channel_weights: dict[str, float] = Field(
        default_factory=lambda: {"entity": 3.0, "semantic": 1.0, "keyword": 0.5}
    )
    rerank: Literal["none", "mmr", "entity_distance", "recency", "cross_encoder"] = "none"
    mmr_diversity: float = Field(default=0.5, ge=0.0, le=1.0)  # 0: relevance only
    recency_half_life_days: float = Field(default=365.0, gt=0)
    # A sentence-transformers CrossEncoder (hub name or folder) for rerank="cross_encoder".
    cross_encoder_model: str | None = None


class GraphMemConfig(_Frozen):
    neo4j: Neo4jConfig = Neo4jConfig()
    llm: LLMConfig = LLMConfig()
    # Which of the Mem0 paper's architectures add() writes and search() reads: "mem0g" the
    # graph (entities and (source, relation, target) facts), "mem0" natural-language memories
    # (dense retrieval), "both" the two from one add. add_triplets writes the graph either way.
    variant: Literal["mem0g", "mem0", "both"] = "mem0g"
    # The Mem0 update phase shows each candidate memory its this-many most similar stored ones.
    similar_memories: int = Field(default=5, ge=1, le=50)
    # The name the prompts give the user ("I", "me", "my" become this name). None: the name
    # on the user's messages (Message.name) when they carry one, else the scope's user_id (or
    # agent_id), so "u_123" is what a model sees when nothing better is known.
    speaker_name: str | None = Field(default=None, min_length=1, max_length=100)
    # Retirements the update resolver decides are applied only where they are structurally
    # plausible: a fact retires a fact of the same source entity with the same relation (or
    # one of an exclusive group: lives_in / moved_to, works_at / works_for, ...); a memory
    # retires a memory about the same subject. Others are refused, the old fact kept and the
    # refusal listed in AddResult.skipped. "off": every retirement is applied as decided.
    retirement_guard: Literal["structural", "off"] = "structural"
    # Relations that replace one another (a value of one retires a value of another for the
    # same source), added to the built-in groups (graphmem.resolution.guards).
    exclusive_relations: tuple[tuple[str, ...], ...] = ()
    # "sentence-transformers": a local model; "openai": any OpenAI-compatible /v1/embeddings
    # endpoint at embedding_base_url (default: the LLM's base_url), with the LLM's API key.
    embedding_provider: Literal["sentence-transformers", "openai"] = "sentence-transformers"
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_dimensions: int = Field(default=384, ge=1, le=4096)
    embedding_base_url: str | None = None
    # sentence-transformers only: "auto" runs the model with onnxruntime when it can (same
    # vectors, 3-4x faster per query on CPU), else torch; "onnx" / "torch" force one.
    embedding_backend: Literal["auto", "onnx", "torch"] = "auto"
    # Entity resolution (graphmem/resolution/names.py): names with equal keys are one entity;
    # a stored name at least this similar (cosine) to a new one, and not kept apart by the
    # rules (a number, qualifier or given name differs), is asked about in the resolver call.
    # Similarity alone never merges.
    entity_match_threshold: float = Field(default=0.7, ge=-1.0, le=1.0)
    entity_candidates: int = Field(default=50, ge=1, le=1000)
    entity_questions_per_name: int = Field(default=3, ge=0, le=20)
    max_entity_questions: int = Field(default=20, ge=0, le=200)  # per resolver call
    # Context for extraction: the last M messages and a rolling summary refreshed
    # every N messages (the paper's M = 10).
    context_messages: int = Field(default=10, ge=0, le=100)
    summary_every: int = Field(default=20, ge=0, le=10_000)  # 0 turns the summary off
    # The relationship call gets the new messages, the extracted entities and only this many
    # earlier messages: the summary and the rest of the context went to the entity call.
    relation_context_messages: int = Field(default=2, ge=0, le=100)
    # "background": an add that makes the summary due refreshes it after it returns, on a
    # background thread (never a 4th LLM call inside the add); "manual": only
    # GraphMemory.refresh_summary() does.
    summary_refresh: Literal["background", "manual"] = "background"
    # Relations that hold one value at a time per source (a new value retires the old one when
    # add_triplets resolves conflicts by rules), e.g. ("lives_in", "works_at").
    single_valued_relations: tuple[str, ...] = ()
    retrieval: RetrievalConfig = RetrievalConfig()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GraphMemConfig:
        """Build a configuration from environment variables (see the README's table)."""
        env = os.environ if environ is None else environ
        neo4j: dict[str, object] = {}
        llm: dict[str, object] = {}
        top: dict[str, object] = {}
        _take(env, "NEO4J_URI", neo4j, "uri")
        _take(env, "NEO4J_USER", neo4j, "user")
        _take(env, "NEO4J_USERNAME", neo4j, "user")
        _take(env, "NEO4J_PASSWORD", neo4j, "password")
        _take(env, "NEO4J_DATABASE", neo4j, "database")
        _take(env, "OPENAI_API_KEY", llm, "api_key")
        _take(env, "OPENAI_BASE_URL", llm, "base_url")
        _take(env, "GRAPHMEM_LLM_MODEL", llm, "model")
        _take(env, "GRAPHMEM_LLM_TIMEOUT", llm, "timeout_seconds")
        _take(env, "GRAPHMEM_LLM_STRUCTURED_OUTPUT", llm, "structured_output")
        _take(env, "GRAPHMEM_LLM_MAX_TOKENS", llm, "max_output_tokens")
        _take(env, "GRAPHMEM_LLM_MAX_RETRIES", llm, "max_retries")
        _take(env, "GRAPHMEM_SPEAKER_NAME", top, "speaker_name")
        _take(env, "GRAPHMEM_EMBEDDING_PROVIDER", top, "embedding_provider")
        _take(env, "GRAPHMEM_EMBEDDING_MODEL", top, "embedding_model")
        _take(env, "GRAPHMEM_EMBEDDING_BASE_URL", top, "embedding_base_url")
        _take(env, "GRAPHMEM_EMBEDDING_BACKEND", top, "embedding_backend")
        _take(env, "GRAPHMEM_EMBEDDING_DIMENSIONS", top, "embedding_dimensions")
        _take(env, "GRAPHMEM_ENTITY_MATCH_THRESHOLD", top, "entity_match_threshold")
        _take(env, "GRAPHMEM_VARIANT", top, "variant")
        try:
            return cls.model_validate({**top, "neo4j": neo4j, "llm": llm})
        except ValidationError as exc:
            raise ConfigurationError(
                f"invalid graphmem settings in the environment: {exc}"
            ) from exc


def _take(env: Mapping[str, str], name: str, into: dict[str, object], key: str) -> None:
    value = env.get(name)
    if value:
        into[key] = value
