"""Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Azure, Ollama,
vLLM, text-embeddings-inference, ...), through the official openai SDK."""

from __future__ import annotations

from collections.abc import Sequence

import openai

from graphmem.errors import EmbeddingError

__all__ = ["OpenAIEmbedder"]


class OpenAIEmbedder:
    """One request per ``batch_size`` texts; vectors come back in input order.

    ``dimensions`` is what the vectors must measure. It is sent to the endpoint only when
    ``send_dimensions`` is set (OpenAI's text-embedding-3 models can shorten their vectors;
    most other servers reject the field)."""

    def __init__(
        self,
        model: str,
        dimensions: int,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        send_dimensions: bool = False,
        batch_size: int = 256,
        timeout_seconds: float = 60.0,
        max_retries: int = 3,
        client: openai.OpenAI | None = None,
    ) -> None:
        if dimensions < 1:
            raise ValueError("dimensions must be at least 1")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._model = model
        self._dimensions = dimensions
        self._send_dimensions = send_dimensions
        self._batch_size = batch_size
        self._client = client or openai.OpenAI(
            # Local servers ignore the key but the SDK wants one.
            api_key=api_key or "unused",
            base_url=base_url,
            timeout=timeout_seconds,
            max_retries=max_retries,
        )

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def close(self) -> None:
        self._client.close()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            vectors += self._batch(list(texts[start : start + self._batch_size]))
        return vectors

    def _batch(self, texts: list[str]) -> list[list[float]]:
        try:
            if self._send_dimensions:
                response = self._client.embeddings.create(
                    model=self._model, input=texts, dimensions=self._dimensions
                )
            else:
                response = self._client.embeddings.create(model=self._model, input=texts)
        except openai.OpenAIError as exc:
            raise EmbeddingError(
                f"the embedding endpoint failed for model {self._model!r}: {exc}"
            ) from exc
        rows = sorted(response.data, key=lambda row: row.index)
        if len(rows) != len(texts):
            raise EmbeddingError(
                f"the embedding endpoint returned {len(rows)} vectors for {len(texts)} texts"
            )
        for row in rows:
            if len(row.embedding) != self._dimensions:
                raise EmbeddingError(
                    f"model {self._model!r} returned {len(row.embedding)}-dimensional vectors, "
                    f"expected {self._dimensions}: set embedding_dimensions to match the model"
                )
        return [list(row.embedding) for row in rows]
