"""mem0ai 1.0.11's vector memory (``mem0.Memory``: LLM fact extraction and memory update on add,
dense search) in the peer benchmark, with Qdrant in local mode (no server). Runs in mem0's own
virtual environment (bench/.work/mem0-venv, made by scripts/bench-peers). Its LLM and embedder
are the "openai" providers pointed at the benchmark's oracle server.

    python -m bench.peers.run_mem0_vector SPEC.json OUT.json
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ["MEM0_TELEMETRY"] = "False"

from mem0 import Memory

from bench.peers.common import Key, RoundTrips, Stopwatch, run
from bench.peers.conversation import Turn, memory_text
from bench.retrieval.corpus import Fact, Query


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


class Mem0VectorSystem:
    def __init__(self, spec: dict[str, Any]) -> None:
        RoundTrips.install()  # no Neo4j here: stays 0
        self.llm, self.embed = Stopwatch(), Stopwatch()
        openai = {"api_key": "unused", "openai_base_url": spec["base_url"]}
        path = tempfile.mkdtemp(prefix="mem0-vector-")
        self.memory = Memory.from_config(
            {
                "llm": {"provider": "openai", "config": {"model": "oracle", **openai}},
                "embedder": {
                    "provider": "openai",
                    "config": {"model": "all-MiniLM-L6-v2", "embedding_dims": 384, **openai},
                },
                "vector_store": {
                    "provider": "qdrant",
                    "config": {
                        "collection_name": "peers",
                        "embedding_model_dims": 384,
                        "path": path,
                        "on_disk": True,
                    },
                },
                "history_db_path": str(Path(path) / "history.db"),
            }
        )
        self.memory.llm.generate_response = self.llm.wrap(self.memory.llm.generate_response)
        self.memory.embedding_model.embed = self.embed.wrap(self.memory.embedding_model.embed)
        self.keys: dict[str, Key] = {}

    def _know(self, facts: Sequence[Fact]) -> None:
        self.keys.update({_key(memory_text(f)): f.key for f in facts})

    def add(self, turn: Turn, user: str) -> None:
        self._know(turn.facts)
        self.memory.add(turn.text, user_id=user)

    def search(self, query: Query, user: str) -> list[Key]:
        found = self.memory.search(query.text, user_id=user, limit=10)
        return [self.keys[k] for r in found["results"] if (k := _key(r["memory"])) in self.keys]

    def bulk_load(self, facts: Sequence[Fact], user: str) -> None:
        """What ``add(text, infer=False)`` writes, in bulk through mem0's own vector store: the
        embedding of the text and the payload data / hash / user_id / created_at."""
        self._know(facts)
        texts = [memory_text(f) for f in facts]
        client = self.memory.embedding_model.client
        for i in range(0, len(texts), 256):
            batch = texts[i : i + 256]
            reply = client.embeddings.create(model="all-MiniLM-L6-v2", input=batch)
            vectors = [row.embedding for row in sorted(reply.data, key=lambda r: r.index)]
            now = datetime.now(UTC).isoformat()
            self.memory.vector_store.insert(
                vectors=vectors,
                payloads=[
                    {
                        "data": t,
                        "hash": hashlib.md5(t.encode()).hexdigest(),
                        "user_id": user,
                        "created_at": now,
                    }
                    for t in batch
                ],
                ids=[str(uuid.uuid4()) for _ in batch],
            )


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    system = Mem0VectorSystem(spec)
    result = run(system, spec)
    with open(sys.argv[2], "w") as out:
        json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
