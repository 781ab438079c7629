"""The memory operations as steps (graphmem.effects), shared by GraphMemory and
AsyncGraphMemory: inputs checked, the Mem0g add pipeline, search, reads and deletes."""
