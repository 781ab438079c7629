"""Reranking with a sentence-transformers CrossEncoder the user supplies."""

from __future__ import annotations

from collections.abc import Sequence

from graphmem.adapters._lazy import LazyModel
from graphmem.errors import ConfigurationError

__all__ = ["CrossEncoderReranker"]


class CrossEncoderReranker:
    def __init__(self, model: str, *, device: str | None = None) -> None:
        def load() -> object:
            from sentence_transformers import CrossEncoder

            return CrossEncoder(model, device=device)

        self._model = LazyModel(load, ConfigurationError, f"the cross-encoder {model!r}")

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        scores = self._model.get().predict([(query, t) for t in texts], show_progress_bar=False)
        return [float(x) for x in scores]
