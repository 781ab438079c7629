"""Every error graphmem raises derives from :class:`GraphMemError`.

The tree::

    GraphMemError
    ├── ConfigurationError        settings are missing or inconsistent
    ├── ScopeError                no user_id / agent_id / run_id was given, or one is malformed
    ├── InvalidInputError         messages, triplets or ids that cannot be used as given
    ├── NotFoundError             the id does not exist in the given scope
    ├── LLMError                  the language model did not give a usable answer
    │   ├── LLMOutputError        the reply broke the expected schema (carries the raw text)
    │   │   └── LLMTruncatedError the reply was cut at the output-token bound
    │   ├── LLMTimeoutError       the request timed out (retryable)
    │   ├── LLMRateLimitError     the provider throttled us (retryable)
    │   └── LLMUnavailableError   connection failures and 5xx answers (retryable)
    ├── EmbeddingError            the embedder failed or returned vectors of the wrong size
    ├── StoreError                Neo4j refused or failed a query
    │   ├── CommitUnknownError    the connection died while committing: retry with the same
    │   │                         idempotency_key and the write is applied exactly once
    │   └── SchemaError           the database schema does not match this configuration
    └── LocalServerError          a local Neo4j could not be found or started

``is_retryable()`` tells whether the same call may succeed later unchanged. An error raised
by an add carries ``usage``: the LLM calls and tokens it spent before it failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphmem.models import Usage

__all__ = [
    "CommitUnknownError",
    "ConfigurationError",
    "EmbeddingError",
    "GraphMemError",
    "InvalidInputError",
    "LLMError",
    "LLMOutputError",
    "LLMRateLimitError",
    "LLMTimeoutError",
    "LLMTruncatedError",
    "LLMUnavailableError",
    "LocalServerError",
    "NotFoundError",
    "SchemaError",
    "ScopeError",
    "StoreError",
]


class GraphMemError(Exception):
    """Root of graphmem's errors."""

    retryable: bool = False
    # What the failed operation spent on the LLM before it failed (set by add).
    usage: Usage | None = None

    def is_retryable(self) -> bool:
        return self.retryable


class ConfigurationError(GraphMemError):
    """Settings are missing or inconsistent."""


class ScopeError(GraphMemError, ValueError):
    """A call had no scope, or a scope id that cannot be used."""


class InvalidInputError(GraphMemError, ValueError):
    """Input that cannot be used as given; the message says what to change."""


class NotFoundError(GraphMemError, LookupError):
    """The id does not exist in the given scope (it may exist in another one)."""


class LLMError(GraphMemError):
    """The language model did not give a usable answer."""

    def __init__(self, message: str, *, role: str | None = None) -> None:
        super().__init__(message)
        self.role = role


class LLMOutputError(LLMError):
    """The model's reply did not match the response schema, after all retries."""

    def __init__(self, message: str, *, role: str | None = None, raw_text: str = "") -> None:
        super().__init__(message, role=role)
        self.raw_text = raw_text


class LLMTruncatedError(LLMOutputError):
    """The reply was cut at the output-token bound (``finish_reason == "length"``): raise
    ``LLMConfig.max_output_tokens`` (GRAPHMEM_LLM_MAX_TOKENS), or send less per call. Not
    re-asked: at temperature 0 the same request is cut the same way."""


class LLMTimeoutError(LLMError):
    retryable = True


class LLMRateLimitError(LLMError):
    retryable = True


class LLMUnavailableError(LLMError):
    retryable = True


class EmbeddingError(GraphMemError):
    """The embedder failed, or returned vectors of an unexpected size."""


class StoreError(GraphMemError):
    """Neo4j refused or failed a query. ``code`` is Neo4j's status code, when it gave one."""

    def __init__(self, message: str, *, retryable: bool = False, code: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class CommitUnknownError(StoreError):
    """The connection died while a write was committing: it may or may not have landed.

    Retrying the same call with ``idempotency_key`` (the key is on the error) applies the write
    exactly once: if it landed, the retry returns what was stored instead of writing again."""

    def __init__(self, message: str, *, idempotency_key: str) -> None:
        super().__init__(message, retryable=True)
        self.idempotency_key = idempotency_key


class SchemaError(StoreError):
    """The database schema does not match this configuration (e.g. embedding size)."""


class LocalServerError(GraphMemError):
    """A local Neo4j server could not be found or started."""
