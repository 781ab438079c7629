"""The two external boundaries: a chat LLM and a text embedder.

Implementations: ``graphmem.adapters`` (OpenAI-compatible endpoints, blocking and async;
sentence-transformers) and ``graphmem.testing`` (scripted LLM, deterministic embedder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["LLM", "AsyncLLM", "ChatReply", "ChatRequest", "Embedder", "Reranker"]


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One structured-output request. ``role`` names the LLM role (e.g. "extract_entities")
    and doubles as the schema / tool name on the wire."""

    role: str
    messages: Sequence[Mapping[str, str]]  # {"role": ..., "content": ...}
    json_schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ChatReply:
    text: str  # the JSON the model produced (message content or tool-call arguments)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: bool = False  # cut at the output-token bound (finish_reason "length")


@runtime_checkable
class LLM(Protocol):
    def complete(self, request: ChatRequest) -> ChatReply:
        """Send one request; raise graphmem.errors.LLMError subclasses on failure."""
        ...


@runtime_checkable
class AsyncLLM(Protocol):
    """An LLM for AsyncGraphMemory (which also accepts a blocking :class:`LLM`, run on a
    worker thread)."""

    async def complete(self, request: ChatRequest) -> ChatReply:
        """Send one request; raise graphmem.errors.LLMError subclasses on failure."""
        ...


@runtime_checkable
class Embedder(Protocol):
    @property
    def dimensions(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-normalised vectors, one per text, in order."""
        ...


@runtime_checkable
class Reranker(Protocol):
    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        """Relevance of each text to the query (higher is better), in order."""
        ...
