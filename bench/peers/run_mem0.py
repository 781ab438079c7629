"""mem0's graph memory (mem0ai 1.0.11, ``MemoryGraph``) in the peer benchmark. Runs in mem0's
own virtual environment (bench/.work/mem0-venv, made by scripts/bench-peers).

    python -m bench.peers.run_mem0 SPEC.json OUT.json

mem0 is configured as its documentation shows for Neo4j, with ``base_label: true`` (its
favourable setting: one ``__Entity__`` label with a ``user_id`` index; without it, mem0's
node searches match every node in the database). Its LLM and embedder are the "openai"
providers pointed at the benchmark's oracle server.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ["MEM0_TELEMETRY"] = "False"

from mem0.configs.base import MemoryConfig
from mem0.memory.graph_memory import MemoryGraph

from bench.peers.common import Key, RoundTrips, Stopwatch, run
from bench.peers.conversation import Turn, current_only, mem0_name, target_type
from bench.retrieval.corpus import Fact, Query


def _key(row: dict[str, str]) -> Key:
    """A mem0 result as the corpus keys facts: its names with spaces again."""
    return (
        row["source"].replace("_", " "),
        row["relationship"],
        row["destination"].replace("_", " "),
    )


class Mem0System:
    def __init__(self, spec: dict[str, Any]) -> None:
        RoundTrips.install()
        self.llm, self.embed = Stopwatch(), Stopwatch()
        config = MemoryConfig(
            llm={
                "provider": "openai",
                "config": {
                    "model": "oracle",
                    "api_key": "unused",
                    "openai_base_url": spec["base_url"],
                },
            },
            embedder={
                "provider": "openai",
                "config": {
                    "model": "all-MiniLM-L6-v2",
                    "api_key": "unused",
                    "openai_base_url": spec["base_url"],
                    "embedding_dims": 384,
                },
            },
            graph_store={
                "provider": "neo4j",
                "config": {
                    "url": spec["neo4j_uri"],
                    "username": "neo4j",
                    "password": spec["neo4j_password"],
                    "base_label": True,
                },
            },
        )
        self.graph = MemoryGraph(config)
        self.graph.llm.generate_response = self.llm.wrap(self.graph.llm.generate_response)
        self.graph.embedding_model.embed = self.embed.wrap(self.graph.embedding_model.embed)
        self.shapes: dict[str, Any] = {}
        # What mem0's graph query found before its BM25 step kept 5: shows where recall is lost.
        self.last_candidates: list[Key] = []
        search_graph_db = self.graph._search_graph_db

        def keep_candidates(*args: Any, **kwargs: Any) -> Any:
            found = search_graph_db(*args, **kwargs)
            self.last_candidates = [_key(r) for r in found]
            return found

        self.graph._search_graph_db = keep_candidates

    def add(self, turn: Turn, user: str) -> None:
        self.graph.add(turn.text, {"user_id": user})

    def search(self, query: Query, user: str) -> list[Key]:
        self.last_candidates = []
        found = self.graph.search(query.text, {"user_id": user}, limit=100)
        return [_key(r) for r in found]

    def bulk_load(self, facts: Sequence[Fact], user: str) -> None:
        """What mem0's add writes for these facts, written in bulk: ``__Entity__`` nodes with a
        type label, name, user_id, created, mentions and the embedding of the name; typed
        relationships with created_at, updated_at, mentions, valid; retired values of
        single-valued relations as mem0's soft delete leaves them (valid false)."""
        if not self.shapes:
            self.shapes["add_path"] = self._shape("user-0")
        valid, retired = current_only(facts)
        types: dict[str, str] = {}
        for f in facts:
            types.setdefault(mem0_name(f.source), f.source_type.lower())
            types.setdefault(mem0_name(f.target), target_type(f).lower())
        names = list(types)
        client = self.graph.embedding_model.client
        vectors: list[list[float]] = []
        for i in range(0, len(names), 256):
            reply = client.embeddings.create(model="all-MiniLM-L6-v2", input=names[i : i + 256])
            vectors += [row.embedding for row in sorted(reply.data, key=lambda r: r.index)]
        driver = self.graph.graph._driver
        nodes = [
            {"name": n, "type": types[n], "embedding": v}
            for n, v in zip(names, vectors, strict=True)
        ]
        for i in range(0, len(nodes), 1000):
            driver.execute_query(
                """
                UNWIND $rows AS row
                MERGE (n:__Entity__ {name: row.name, user_id: $user})
                ON CREATE SET n.created = timestamp(), n.mentions = 1
                SET n:$(row.type)
                WITH n, row
                CALL db.create.setNodeVectorProperty(n, 'embedding', row.embedding)
                """,
                rows=nodes[i : i + 1000],
                user=user,
            )
        rels = [
            {
                "s": mem0_name(f.source),
                "r": f.relation,
                "t": mem0_name(f.target),
                "valid": ok,
            }
            for group, ok in ((valid, True), (retired, False))
            for f in group
        ]
        for i in range(0, len(rels), 2000):
            driver.execute_query(
                """
                UNWIND $rows AS row
                MATCH (s:__Entity__ {name: row.s, user_id: $user})
                MATCH (t:__Entity__ {name: row.t, user_id: $user})
                MERGE (s)-[r:$(row.r)]->(t)
                ON CREATE SET r.created_at = timestamp(), r.updated_at = timestamp(),
                              r.mentions = 1
                SET r.valid = row.valid,
                    r.invalidated_at = CASE WHEN row.valid THEN null ELSE datetime() END
                """,
                rows=rels[i : i + 2000],
                user=user,
            )
        self.shapes.setdefault("bulk_load", self._shape(user))

    def _shape(self, user: str) -> dict[str, list[str]]:
        records = self.graph.graph._driver.execute_query(
            """
            MATCH (n:__Entity__ {user_id: $user})-[r]->()
            WITH n, r LIMIT 5000
            UNWIND keys(n) AS nk
            WITH collect(DISTINCT nk) AS node_keys, collect(DISTINCT r) AS rs
            UNWIND rs AS r
            UNWIND keys(r) AS rk
            RETURN node_keys, collect(DISTINCT rk) AS rel_keys
            """,
            user=user,
        ).records
        if not records:
            return {"node_keys": [], "rel_keys": []}
        return {k: sorted(records[0][k]) for k in ("node_keys", "rel_keys")}


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    system = Mem0System(spec)
    result = run(system, spec)
    result["graph_shape"] = system.shapes
    with open(sys.argv[2], "w") as out:
        json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
