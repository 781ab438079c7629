"""Reranking with a sentence-transformers CrossEncoder the user supplies."""

from __future__ import annotations

from collections.abc import Sequence
from threading import Lock
from typing import Any

from graphmem.errors import ConfigurationError

__all__ = ["CrossEncoderReranker"]


class CrossEncoderReranker:
    def __init__(self, model: str, *, device: str | None = None) -> None:
        self._name = model
        self._device = device
        self._model: Any = None
        self._lock = Lock()

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import CrossEncoder

                    self._model = CrossEncoder(self._name, device=self._device)
                except Exception as exc:  # any load failure: name the model and the fix
                    raise ConfigurationError(
                        f"could not load the cross-encoder {self._name!r}: {exc}"
                    ) from exc
            return self._model

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        scores = self._loaded().predict([(query, t) for t in texts], show_progress_bar=False)
        return [float(x) for x in scores]
