"""Bulk import: resumed after a kill with nothing written twice; conversations replayed
without an LLM call once stored."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from graphmem import GraphMemory
from graphmem.importer import import_conversation, import_key, read_conversation
from graphmem.localserver import Neo4jServer
from graphmem.models import Scope
from graphmem.testing import Script
from tests.conftest import Cypher
from tests.integration.cli_helpers import GRAPHMEM, cli_env, graphmem_json

BATCH = 40
TRIPLETS = 1200


def _episodes(cypher: Cypher, uid: str) -> int:
    rows = cypher(
        "MATCH (ep:Episode) WHERE ep.scope_key = $key RETURN count(ep) AS n",
        {"key": Scope.of(uid, None, None).key},
    )
    return int(rows[0]["n"])


def _stored(cypher: Cypher, uid: str) -> list[tuple[str, str, str]]:
    rows = cypher(
        "MATCH (f:Fact) WHERE f.scope_key = $key RETURN f.source AS s, f.relation AS r, "
        "f.target AS t",
        {"key": Scope.of(uid, None, None).key},
    )
    return [(r["s"], r["r"], r["t"]) for r in rows]


def test_an_import_killed_midway_resumes_without_duplicates(
    neo4j_server: Neo4jServer, cypher: Cypher, tmp_path: Path, uid: str
) -> None:
    path = tmp_path / "people.jsonl"
    rows = [
        {"source": f"Person {i}", "relation": "knows", "target": f"Person {i + 1}"}
        for i in range(TRIPLETS)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    env = cli_env(neo4j_server)
    args = ["import", str(path), "--user", uid, "--batch-size", str(BATCH), "--resolver", "rules"]
    with subprocess.Popen([GRAPHMEM, *args], env=env, stderr=subprocess.PIPE, text=True) as first:
        deadline = time.monotonic() + 240
        while _episodes(cypher, uid) < 3:  # killed once a few batches are in
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline, "no batch was written in time"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    written_before = _episodes(cypher, uid)
    assert 3 <= written_before < TRIPLETS // BATCH

    report = graphmem_json(env, *args)
    assert report["batches"] == TRIPLETS // BATCH
    assert report["batches_replayed"] == written_before
    assert report["batches_written"] == TRIPLETS // BATCH - written_before
    assert report["key"] == import_key(path)
    stored = _stored(cypher, uid)
    assert len(stored) == len(set(stored)) == TRIPLETS
    assert set(stored) == {(r["source"], r["relation"], r["target"]) for r in rows}

    again = graphmem_json(env, *args)  # a completed import run again writes nothing
    assert again["batches_written"] == 0 and len(_stored(cypher, uid)) == TRIPLETS


def test_a_conversation_import_replays_what_it_stored(
    memory: GraphMemory, script: Script, tmp_path: Path, uid: str
) -> None:
    path = tmp_path / "chat.json"
    said = [("Ich heiße Jonas.", "2024-05-01"), ("I work at Zalando.", "2024-05-02")]
    path.write_text(
        json.dumps([{"content": c, "timestamp": f"{d}T09:00:00+02:00"} for c, d in said]),
        encoding="utf-8",
    )
    turns = read_conversation(path)
    script.enqueue_extraction([("Jonas", "Person")], [])
    script.enqueue_extraction(
        [("Jonas", "Person"), ("Zalando", "Organization")], [("Jonas", "works_at", "Zalando")]
    )
    scope = Scope.of(uid, None, None)
    first = import_conversation(memory, turns, key="chat-1", scope=scope)
    assert (first.written, first.replayed) == (2, 0)
    calls = len(script.requests)
    second = import_conversation(memory, turns, key="chat-1", scope=scope)
    assert (second.written, second.replayed) == (0, 2)
    assert len(script.requests) == calls  # no LLM call for what is stored
    facts = memory.get_all(user_id=uid)
    assert [(f.source, f.target) for f in facts] == [("Jonas", "Zalando")]
    assert facts[0].valid_at.isoformat() == "2024-05-02T09:00:00+02:00"
