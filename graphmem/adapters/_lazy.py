"""Load a sentence-transformers model once, on first use, from any thread."""

from __future__ import annotations

from collections.abc import Callable
from threading import Lock
from typing import Any

from graphmem.errors import GraphMemError

__all__ = ["LazyModel"]


class LazyModel:
    def __init__(self, load: Callable[[], Any], error: type[GraphMemError], what: str) -> None:
        self._load = load
        self._error = error
        self._what = what
        self._model: Any = None
        self._lock = Lock()

    def get(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    self._model = self._load()
                except Exception as exc:  # any load failure: name the model and the fix
                    raise self._error(
                        f"could not load {self._what}: {exc}. Pass a local model folder, "
                        "or make the model hub reachable."
                    ) from exc
            return self._model
