"""Local embeddings with sentence-transformers (default: all-MiniLM-L6-v2, 384 dimensions)."""

from __future__ import annotations

from collections.abc import Sequence

from graphmem.adapters._lazy import LazyModel
from graphmem.config import DEFAULT_EMBEDDING_MODEL
from graphmem.errors import EmbeddingError

__all__ = ["SentenceTransformerEmbedder"]


class SentenceTransformerEmbedder:
    """Loads the model on first use; a hub name or a local folder both work."""

    def __init__(
        self,
        model: str = DEFAULT_EMBEDDING_MODEL,
        *,
        device: str | None = None,
        batch_size: int = 64,
    ) -> None:
        def load() -> object:
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(model, device=device)

        self._model = LazyModel(load, EmbeddingError, f"the embedding model {model!r}")
        self._batch_size = batch_size

    @property
    def dimensions(self) -> int:
        model = self._model.get()
        # Renamed in sentence-transformers 5.x; keep older releases working.
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.get().encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [list(map(float, row)) for row in vectors.tolist()]
