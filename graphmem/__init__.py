"""graphmem: long-term graph memory for AI agents, on Neo4j (the Mem0g method)."""

from graphmem.config import GraphMemConfig, LLMConfig, Neo4jConfig, RetrievalConfig
from graphmem.errors import (
    ConfigurationError,
    EmbeddingError,
    GraphMemError,
    InvalidInputError,
    LLMError,
    LLMOutputError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMUnavailableError,
    LocalServerError,
    NotFoundError,
    SchemaError,
    ScopeError,
    StoreError,
)
from graphmem.memory import GraphMemory
from graphmem.models import (
    AddResult,
    EntityRef,
    Message,
    Operation,
    OperationKind,
    Relation,
    Scope,
    ScoredRelation,
    SearchResult,
    Triplet,
    Usage,
)
from graphmem.ports import LLM, ChatReply, ChatRequest, Embedder

__version__ = "0.1.0"

__all__ = [
    "LLM",
    "AddResult",
    "ChatReply",
    "ChatRequest",
    "ConfigurationError",
    "Embedder",
    "EmbeddingError",
    "EntityRef",
    "GraphMemConfig",
    "GraphMemError",
    "GraphMemory",
    "InvalidInputError",
    "LLMConfig",
    "LLMError",
    "LLMOutputError",
    "LLMRateLimitError",
    "LLMTimeoutError",
    "LLMUnavailableError",
    "LocalServerError",
    "Message",
    "Neo4jConfig",
    "NotFoundError",
    "Operation",
    "OperationKind",
    "Relation",
    "RetrievalConfig",
    "SchemaError",
    "Scope",
    "ScopeError",
    "ScoredRelation",
    "SearchResult",
    "StoreError",
    "Triplet",
    "Usage",
    "__version__",
]
