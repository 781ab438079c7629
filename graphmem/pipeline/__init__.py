"""The memory operations as steps (graphmem.effects), shared by GraphMemory and
AsyncGraphMemory, and the stages both variants share: inputs checked (``inputs``), the
operations that run either variant's pipeline (``operations``: graphmem.mem0g, graphmem.mem0),
the one write transaction of an add (``write``) and the results it reports (``outcomes``)."""
