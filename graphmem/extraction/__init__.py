"""Extraction phase: messages -> entities (LLM 1) -> triplets (LLM 2)."""

from graphmem.extraction.extractor import Conversation, Extraction, Extractor

__all__ = ["Conversation", "Extraction", "Extractor"]
