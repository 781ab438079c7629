"""Local embeddings with sentence-transformers (default: all-MiniLM-L6-v2, 384 dimensions)."""

from __future__ import annotations

from collections.abc import Sequence
from threading import Lock
from typing import Any

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
        self._name = model
        self._device = device
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = Lock()

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self._name, device=self._device)
                except Exception as exc:  # any load failure: name the model and the fix
                    raise EmbeddingError(
                        f"could not load the embedding model {self._name!r}: {exc}. "
                        "Pass a local model folder, or make the model hub reachable."
                    ) from exc
            return self._model

    @property
    def dimensions(self) -> int:
        model = self._loaded()
        # Renamed in sentence-transformers 5.x; keep older releases working.
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._loaded().encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [list(map(float, row)) for row in vectors.tolist()]
