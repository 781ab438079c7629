"""The Mem0g variant: the memory graph (GraphMemConfig.variant "mem0g", the default, or "both").

- ``update``: the update phase (embed the draft, one query for what the store knows, one
  resolver call, the write's parameters);
- entity resolution and the conflict planner: ``graphmem.resolution``;
- retrieval (entity subgraph + semantic + keyword, fused): ``graphmem.retrieval``.
Extraction (entities, then relations) is ``graphmem.extraction.Extractor.extract``. The
shared stages (inputs, the one write transaction, results) are in ``graphmem.pipeline``; the
Mem0 variant is ``graphmem.mem0``."""
