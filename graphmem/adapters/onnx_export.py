"""A sentence-transformers model (Transformer + mean Pooling [+ Normalize]) run by onnxruntime.

The model is exported once with torch into graphmem's cache folder (never into the model's own
folder, which may sit read-only inside site-packages) and reloaded from there in ~0.2 s. Pooling
and normalization are inside the exported graph, so one call returns the sentence vectors; they
match the torch pipeline to ~1e-7. Models of another shape are refused with
``UnsupportedModelError``, and the caller falls back to torch."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["OnnxSentenceModel", "UnsupportedModelError", "export_dir"]

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class UnsupportedModelError(Exception):
    """This model's pipeline is not Transformer + mean Pooling (+ Normalize)."""


def export_dir(model_dir: Path) -> Path:
    """Where the export of ``model_dir`` lives: keyed by the folder's config and weights."""
    from graphmem.localserver.java_server import cache_dir

    digest = hashlib.sha256(str(model_dir.resolve()).encode())
    for name in ("config.json", "modules.json", "model.safetensors", "pytorch_model.bin"):
        path = model_dir / name
        if path.exists():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache_dir() / "onnx" / digest.hexdigest()[:16]


def _pipeline(model_dir: Path) -> tuple[bool, int]:
    """(normalize, max_seq_length), or UnsupportedModelError."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = model_dir / next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((pooling_dir / "config.json").read_text())
        max_len = int(
            json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
        )
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise UnsupportedModelError(
            f"not a sentence-transformers folder I can read: {exc}"
        ) from exc
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]) or (
        modes != {"pooling_mode_mean_tokens"}
    ):
        raise UnsupportedModelError(f"pipeline {kinds} with pooling {sorted(modes)}")
    if not (model_dir / "tokenizer.json").exists():
        raise UnsupportedModelError("no tokenizer.json (a fast tokenizer is needed)")
    return kinds[-1] == "Normalize", max_len


def _export(model_dir: Path, target: Path, normalize: bool) -> None:
    import torch
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(model_dir)).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1) if normalize else mean

    sample = torch.ones((2, 8), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    # The TorchScript exporter (dynamo=False) needs no onnxscript; its deprecation and tracer
    # warnings are torch's own.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(),
            (sample, sample, torch.zeros_like(sample)),
            str(partial),
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    partial.replace(target)  # atomic: a concurrent process sees no half-written file


class OnnxSentenceModel:
    """Encode with onnxruntime; construct with a local sentence-transformers model folder."""

    def __init__(self, model_dir: str | Path, *, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        normalize, max_len = _pipeline(folder)
        target = export_dir(folder) / "model.onnx"
        if not target.exists():
            _export(folder, target, normalize)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        # Idle worker threads block instead of spinning: a query's embedding is followed at
        # once by the Neo4j query, and spinning threads took the cores the server needed.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(target), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_len)
        self._tokenizer.enable_padding()  # to the longest text of the batch, not a fixed length
        self.dimensions = int(self._session.get_outputs()[0].shape[1] or 0) or len(
            self.encode(["x"])[0]
        )

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        import numpy as np

        encoded = self._tokenizer.encode_batch(list(texts))
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        vectors = self._session.run(None, feed)[0]
        return [list(map(float, row)) for row in vectors.tolist()]
