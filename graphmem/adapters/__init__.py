"""Providers: the only code that imports openai and sentence_transformers."""

from graphmem.adapters.cross_encoder import CrossEncoderReranker
from graphmem.adapters.openai_embedder import OpenAIEmbedder
from graphmem.adapters.openai_llm import AsyncOpenAIChatLLM, OpenAIChatLLM
from graphmem.adapters.sentence_transformers_embedder import SentenceTransformerEmbedder

__all__ = [
    "AsyncOpenAIChatLLM",
    "CrossEncoderReranker",
    "OpenAIChatLLM",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
]
