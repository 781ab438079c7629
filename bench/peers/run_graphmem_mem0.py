"""graphmem's Mem0 variant (GraphMemConfig(variant="mem0")) in the peer benchmark.

python -m bench.peers.run_graphmem_mem0 SPEC.json OUT.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.peers.common import Key, RoundTrips, Stopwatch, run
from bench.peers.conversation import Turn, memory_text
from bench.retrieval.corpus import Fact, Query
from graphmem import GraphMemConfig, GraphMemory
from graphmem.adapters import OpenAIChatLLM, OpenAIEmbedder
from graphmem.mem0.update import memory_key


class GraphmemMem0System:
    def __init__(self, spec: dict[str, Any]) -> None:
        RoundTrips.install()
        self.llm, self.embed = Stopwatch(), Stopwatch()
        config = GraphMemConfig.model_validate(
            {
                "neo4j": {"uri": spec["neo4j_uri"], "password": spec["neo4j_password"]},
                "llm": {"base_url": spec["base_url"], "api_key": "unused", "model": "oracle"},
                "embedding_provider": "openai",
                "embedding_model": "all-MiniLM-L6-v2",
                "embedding_dimensions": 384,
                "variant": "mem0",
            }
        )
        chat = OpenAIChatLLM(config.llm)
        chat.complete = self.llm.wrap(chat.complete)  # type: ignore[method-assign]
        embedder = OpenAIEmbedder(
            "all-MiniLM-L6-v2", 384, base_url=spec["base_url"], api_key="unused"
        )
        embedder.embed = self.embed.wrap(embedder.embed)  # type: ignore[method-assign]
        self.mem = GraphMemory(config, llm=chat, embedder=embedder)
        self.keys: dict[str, Key] = {}  # memory text -> the fact it states

    def _know(self, facts: Sequence[Fact]) -> None:
        self.keys.update({memory_key(memory_text(f)): f.key for f in facts})

    def add(self, turn: Turn, user: str) -> None:
        self._know(turn.facts)
        self.mem.add([{"role": "user", "content": turn.text}], user_id=user, timestamp=turn.when)

    def search(self, query: Query, user: str) -> list[Key]:
        found = self.mem.search(query.text, user_id=user, limit=10, as_of=query.as_of)
        return [self.keys[k] for m in found.memories if (k := memory_key(m.text)) in self.keys]

    def bulk_load(self, facts: Sequence[Fact], user: str) -> None:
        self._know(facts)
        self.mem.add_memories(
            [{"text": memory_text(f), "valid_at": f.valid_at} for f in facts],
            user_id=user,
            resolver="rules",
            batch_size=1000,
        )
        self.mem.store.await_indexes(600)


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    system = GraphmemMem0System(spec)
    result = run(system, spec)
    system.mem.close()
    with open(sys.argv[2], "w") as out:
        json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
