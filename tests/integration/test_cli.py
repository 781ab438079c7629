"""The installed ``graphmem`` command, in a subprocess, on the real Neo4j: every memory
operation, human and --json output, and the exit codes of typed errors."""

from __future__ import annotations

import json
from pathlib import Path

from graphmem.localserver import Neo4jServer
from graphmem.testing import OpenAICompatibleServer, Script
from tests.integration.cli_helpers import cli_env, graphmem, graphmem_json


def test_every_operation_from_the_shell(
    neo4j_server: Neo4jServer, tmp_path: Path, uid: str
) -> None:
    env = cli_env(neo4j_server)
    facts = tmp_path / "facts.csv"
    facts.write_text(
        "source,relation,target,valid_at\n"
        "Zoë Müller,lives_in,Paris,2019-01-01T00:00:00+00:00\n"
        "Zoë Müller,lives_in,東京,2022-06-01T00:00:00+09:00\n"
        "Zoë Müller,works_at,Python 3.12 Foundation,2020-01-01T00:00:00+00:00\n",
        encoding="utf-8",
    )
    imported = graphmem_json(
        env, "import", str(facts), "--user", uid, "--resolver", "rules",
        "--single-valued", "lives_in",
    )  # fmt: skip
    assert imported["items"] == 3 and imported["batches_written"] == 1

    current = graphmem_json(env, "list", "--user", uid)
    assert {(f["source"], f["relation"], f["target"]) for f in current} == {
        ("Zoë Müller", "lives_in", "東京"),
        ("Zoë Müller", "works_at", "Python 3.12 Foundation"),
    }
    history = graphmem_json(env, "history", "--user", uid)
    paris = next(f for f in history if f["target"] == "Paris")
    assert paris["invalid_at"] is not None  # retired by the move, kept for history

    found = graphmem_json(env, "search", "Where does Zoë live?", "--user", uid, "--limit", "3")
    assert found["relations"][0]["relation"]["target"] == "東京"
    assert "東京" in found["context"]
    human = graphmem(env, "search", "Where does Zoë live?", "--user", uid)
    assert human.returncode == 0 and "Zoë Müller lives in 東京" in human.stdout

    out = tmp_path / "export.json"
    assert graphmem(env, "export", "--user", uid, "-o", str(out)).returncode == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert len(exported["relations"]) == 3

    job = next(f for f in current if f["relation"] == "works_at")
    deleted = graphmem(env, "delete", job["id"], "--user", uid)
    assert deleted.returncode == 0 and job["id"] in deleted.stdout
    again = graphmem(env, "delete", job["id"], "--user", uid)
    assert again.returncode == 3 and "NotFoundError" in again.stderr

    assert graphmem(env, "forget", "--user", uid).returncode == 1  # asks; no terminal says no
    assert len(graphmem_json(env, "list", "--user", uid)) == 1
    forgotten = graphmem_json(env, "forget", "--user", uid, "--yes")
    assert forgotten["nodes_deleted"] > 0
    assert graphmem_json(env, "list", "--user", uid) == []


def test_add_from_the_shell_with_an_llm(
    neo4j_server: Neo4jServer, llm_server: OpenAICompatibleServer, script: Script, uid: str
) -> None:
    script.enqueue_extraction(
        [("Ana", "Person"), ("Lisboa", "City")], [("Ana", "lives_in", "Lisboa")]
    )
    env = cli_env(neo4j_server, llm_server)
    done = graphmem(env, "add", "-", "--user", uid, "--name", "Ana", stdin="Moro em Lisboa.\n")
    assert done.returncode == 0, done.stderr
    assert "ADD" in done.stdout and "Lisboa" in done.stdout
    facts = graphmem_json(env, "list", "--user", uid)
    assert [(f["source"], f["target"]) for f in facts] == [("Ana", "Lisboa")]


def test_the_mem0_variant_from_the_shell(
    neo4j_server: Neo4jServer, llm_server: OpenAICompatibleServer, script: Script, uid: str
) -> None:
    script.enqueue_memories("Ana mora em Lisboa")
    env = {**cli_env(neo4j_server, llm_server), "GRAPHMEM_VARIANT": "mem0"}
    done = graphmem(env, "add", "Moro em Lisboa.", "--user", uid)
    assert done.returncode == 0, done.stderr
    assert "ADD" in done.stdout and "Ana mora em Lisboa" in done.stdout
    listed = graphmem_json(env, "list", "--user", uid)
    assert listed["facts"] == [] and [m["text"] for m in listed["memories"]] == [
        "Ana mora em Lisboa"
    ]
    found = graphmem(env, "search", "Onde mora a Ana?", "--user", uid)
    assert found.returncode == 0 and "Ana mora em Lisboa" in found.stdout
    memory_id = listed["memories"][0]["id"]
    assert graphmem(env, "delete", memory_id, "--user", uid).returncode == 0
    assert graphmem_json(env, "history", "--user", uid) == {"facts": [], "memories": []}


def test_typed_errors_become_messages_and_exit_codes(
    neo4j_server: Neo4jServer, tmp_path: Path, uid: str
) -> None:
    env = cli_env(neo4j_server)
    no_scope = graphmem(env, "search", "anything")
    assert no_scope.returncode == 64 and "ScopeError" in no_scope.stderr
    no_llm = graphmem(env, "add", "I like tea", "--user", uid)
    assert no_llm.returncode == 78 and "OPENAI_API_KEY" in no_llm.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("source,relation,target\nA,,B\n", encoding="utf-8")
    refused = graphmem(env, "import", str(bad), "--user", uid)
    assert refused.returncode == 65 and "bad.csv:2" in refused.stderr
    naive = graphmem(env, "search", "x", "--user", uid, "--as-of", "2024-01-01T00:00:00")
    assert naive.returncode == 2 and "no UTC offset" in naive.stderr
    unreachable = graphmem(env | {"NEO4J_URI": "bolt://127.0.0.1:9"}, "list", "--user", uid)
    assert unreachable.returncode == 75 and "run the same command again" in unreachable.stderr
