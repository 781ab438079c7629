import graphmem


def test_the_public_surface_is_pinned() -> None:
    assert sorted(graphmem.__all__) == sorted(
        [
            "LLM",
            "AddResult",
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
            "LLMUnavailableError",
            "LocalServerError",
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
