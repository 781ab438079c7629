import inspect

import graphmem


def test_the_public_surface_is_pinned() -> None:
    assert sorted(graphmem.__all__) == sorted(
        [
            "LLM",
            "AddResult",
            "AsyncGraphMemory",
            "AsyncLLM",
            "ChatReply",
            "ChatRequest",
            "CommitUnknownError",
            "ConfigurationError",
            "Embedder",
            "EmbeddingError",
            "EntityRef",
            "ForgetResult",
            "GraphMemConfig",
            "GraphMemError",
            "GraphMemory",
            "InvalidInputError",
            "LLMConfig",
            "LLMError",
            "LLMOutputError",
            "LLMRateLimitError",
            "LLMTimeoutError",
            "LLMTruncatedError",
            "LLMUnavailableError",
            "LocalServerError",
            "Memory",
            "MemoryInput",
            "MemoryOperation",
            "Message",
            "Neo4jConfig",
            "NotFoundError",
            "Operation",
            "OperationKind",
            "Relation",
            "RetrievalConfig",
            "SchemaError",
            "Scope",
            "ScopeError",
            "ScoredMemory",
            "ScoredRelation",
            "SearchResult",
            "Skipped",
            "StoreError",
            "Triplet",
            "Usage",
            "__version__",
        ]
    )
    for name in graphmem.__all__:
        assert hasattr(graphmem, name), name


def test_every_error_derives_from_the_root() -> None:
    for name in graphmem.__all__:
        obj = getattr(graphmem, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, graphmem.GraphMemError), name


def test_the_async_class_has_every_public_method_with_the_same_parameters() -> None:
    sync, aio = graphmem.GraphMemory, graphmem.AsyncGraphMemory
    methods = {n for n, v in vars(sync).items() if callable(v) and not n.startswith("_")}
    methods -= {"close", "from_env"}  # close is a coroutine there too; from_env is a classmethod
    for name in sorted(methods):
        assert inspect.iscoroutinefunction(getattr(aio, name)), name
        assert inspect.signature(getattr(aio, name)) == inspect.signature(getattr(sync, name)), name
    assert inspect.iscoroutinefunction(aio.close)
