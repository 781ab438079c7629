"""The Mem0 variant: natural-language memories beside the graph (GraphMemConfig.variant).

- ``update``: the update phase (similar stored memories, one resolver call, the write's
  parameters);
- ``retrieval``: dense + keyword search over memories, fused, without an LLM call.
Extraction is ``graphmem.extraction.Extractor.extract_memories``; the write is the graph's
one transaction (``graphmem.pipeline.write``), so "both" stores the two in one commit."""
