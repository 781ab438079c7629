"""The openai SDK's embeddings call against the loopback server's /v1/embeddings."""

from collections.abc import Iterator

import pytest

from graphmem import EmbeddingError, GraphMemConfig
from graphmem.adapters import OpenAIEmbedder
from graphmem.defaults import default_embedder as _default_embedder
from graphmem.testing import HashingEmbedder, OpenAICompatibleServer


@pytest.fixture
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(embedder=HashingEmbedder(16)) as s:
        yield s


def test_vectors_come_back_in_order_across_batches(server: OpenAICompatibleServer) -> None:
    texts = ["alice lives in paris", "bob", "carol likes tea", "dave", "erin"]
    embedder = OpenAIEmbedder("m", 16, base_url=server.base_url, batch_size=2, max_retries=0)
    got, expected = embedder.embed(texts), HashingEmbedder(16).embed(texts)
    assert [v == pytest.approx(e) for v, e in zip(got, expected, strict=True)] == [True] * 5
    assert [r["input"] for r in server.embedding_requests] == [texts[0:2], texts[2:4], texts[4:]]
    assert all("dimensions" not in r for r in server.embedding_requests)
    assert embedder.embed([]) == []


def test_dimensions_are_sent_only_when_asked(server: OpenAICompatibleServer) -> None:
    OpenAIEmbedder("m", 16, base_url=server.base_url, send_dimensions=True).embed(["x"])
    assert server.embedding_requests[-1]["dimensions"] == 16


def test_a_size_mismatch_says_which_setting_to_change(server: OpenAICompatibleServer) -> None:
    embedder = OpenAIEmbedder("m", 384, base_url=server.base_url, max_retries=0)
    with pytest.raises(EmbeddingError, match="embedding_dimensions"):
        embedder.embed(["x"])


def test_an_unreachable_endpoint_is_an_embedding_error() -> None:
    with OpenAICompatibleServer() as gone:
        url = gone.base_url
    embedder = OpenAIEmbedder("m", 16, base_url=url, max_retries=0, timeout_seconds=2)
    with pytest.raises(EmbeddingError, match="embedding endpoint failed"):
        embedder.embed(["x"])


def test_the_openai_provider_uses_the_llm_endpoint_unless_told_otherwise(
    server: OpenAICompatibleServer,
) -> None:
    config = GraphMemConfig.model_validate(
        {
            "embedding_provider": "openai",
            "embedding_model": "all-minilm",
            "embedding_dimensions": 16,
            "llm": {"base_url": server.base_url, "api_key": "k", "max_retries": 0},
        }
    )
    embedder = _default_embedder(config)
    assert isinstance(embedder, OpenAIEmbedder)
    assert len(embedder.embed(["hello"])[0]) == 16
    assert server.embedding_requests[-1]["model"] == "all-minilm"
    other = config.model_copy(update={"embedding_base_url": "http://127.0.0.1:9/v1"})
    with pytest.raises(EmbeddingError):
        _default_embedder(other).embed(["hello"])
