"""Neo4j SIGKILLed before, during and after an add's write, then restarted: the scope holds
exactly the state before or exactly the state after, and a retry with the idempotency key
applies the add once; for facts (Mem0g) and memories (the Mem0 variant). Runs its own server
(a kill must not take the shared one down)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from graphmem import (
    CommitUnknownError,
    GraphMemConfig,
    GraphMemory,
    Neo4jConfig,
    Scope,
    StoreError,
)
from graphmem.localserver import LocalNeo4j
from graphmem.ports import Embedder
from graphmem.testing import BoltFaultProxy
from tests.integration.faults import APPLY_PLAN, snapshot


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNeo4j]:
    home: Path = tmp_path_factory.mktemp("neo4j-kill")
    # Transaction logs kept, as in production: recovery after a kill replays them.
    with LocalNeo4j(home, keep_tx_logs=True, heap="512m", pagecache="64m") as s:
        yield s


@pytest.fixture(scope="module")
def proxy(server: LocalNeo4j) -> Iterator[BoltFaultProxy]:
    with BoltFaultProxy("127.0.0.1", server.bolt_port) as p:
        yield p


@pytest.fixture
def mem(proxy: BoltFaultProxy, server: LocalNeo4j, minilm: Embedder) -> Iterator[GraphMemory]:
    config = GraphMemConfig(
        neo4j=Neo4jConfig.model_validate(
            {
                "uri": proxy.uri,
                "password": server.password,
                "connect_timeout_seconds": 2,
                "retry_seconds": 1,
            }
        )
    )
    with GraphMemory(config, llm=None, embedder=minilm) as m:
        yield m


def _scope_snapshot(server: LocalNeo4j, scope: Scope) -> list[str]:
    with GraphDatabase.driver(server.uri, auth=server.auth) as driver:

        def run(query: str, params: dict[str, object]) -> list[dict[str, object]]:
            records, _, _ = driver.execute_query(query, params)  # type: ignore[arg-type]
            return [r.data() for r in records]

        return snapshot(run, scope)


def _episodes(server: LocalNeo4j, scope: Scope) -> int:
    with GraphDatabase.driver(server.uri, auth=server.auth) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (ep:Episode) WHERE ep.scope_key = $k RETURN count(ep) AS n", {"k": scope.key}
        )
        return int(records[0]["n"])


@dataclass(frozen=True)
class Kind:
    """How a test writes "Ana likes <what>" and reads back what the scope currently holds."""

    write: Callable[..., Any]
    read: Callable[[GraphMemory, str], list[str]]


KINDS = {
    "facts": Kind(
        write=lambda mem, uid, what, **kw: mem.add_triplets(
            [("Ana", "likes", what)], user_id=uid, **kw
        ),
        read=lambda mem, uid: sorted(f"Ana likes {r.target}" for r in mem.get_all(user_id=uid)),
    ),
    "memories": Kind(
        write=lambda mem, uid, what, **kw: mem.add_memories(
            [f"Ana likes {what}"], user_id=uid, **kw
        ),
        read=lambda mem, uid: sorted(m.text for m in mem.get_memories(user_id=uid)),
    ),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> Kind:
    return KINDS[request.param]


def test_killed_before_the_write(
    mem: GraphMemory, server: LocalNeo4j, kind: Kind, uid: str
) -> None:
    kind.write(mem, uid, "tea")
    before = _scope_snapshot(server, Scope(user_id=uid))
    server.kill()
    with pytest.raises(StoreError) as caught:
        kind.write(mem, uid, "coffee", idempotency_key="k1")
    assert caught.value.is_retryable()
    server.start()

    assert _scope_snapshot(server, Scope(user_id=uid)) == before
    result = kind.write(mem, uid, "coffee", idempotency_key="k1")
    assert not result.replayed
    assert kind.read(mem, uid) == ["Ana likes coffee", "Ana likes tea"]


def test_killed_while_committing(
    mem: GraphMemory, server: LocalNeo4j, proxy: BoltFaultProxy, kind: Kind, uid: str
) -> None:
    kind.write(mem, uid, "tea")
    before = _scope_snapshot(server, Scope(user_id=uid))
    proxy.arm("drop_before", query_contains=APPLY_PLAN, on_commit=server.kill)
    with pytest.raises(CommitUnknownError) as caught:
        kind.write(mem, uid, "coffee")
    assert caught.value.is_retryable()
    key = caught.value.idempotency_key
    assert f"idempotency_key={key!r}" in str(caught.value)  # the message says how to retry
    server.start()

    assert _scope_snapshot(server, Scope(user_id=uid)) == before  # rolled back, not half-written
    result = kind.write(mem, uid, "coffee", idempotency_key=key)
    assert not result.replayed
    assert _episodes(server, Scope(user_id=uid)) == 2
    assert kind.read(mem, uid) == ["Ana likes coffee", "Ana likes tea"]


def test_killed_after_the_commit(
    mem: GraphMemory, server: LocalNeo4j, proxy: BoltFaultProxy, kind: Kind, uid: str
) -> None:
    kind.write(mem, uid, "tea")
    proxy.arm("drop_after", query_contains=APPLY_PLAN, on_commit=server.kill)
    with pytest.raises(CommitUnknownError) as caught:
        kind.write(mem, uid, "coffee")
    server.start()

    after = _scope_snapshot(server, Scope(user_id=uid))
    assert _episodes(server, Scope(user_id=uid)) == 2  # the commit was durable
    result = kind.write(mem, uid, "coffee", idempotency_key=caught.value.idempotency_key)
    assert result.replayed
    assert _scope_snapshot(server, Scope(user_id=uid)) == after  # the retry wrote nothing
    assert kind.read(mem, uid) == ["Ana likes coffee", "Ana likes tea"]
