"""graphmem in the peer benchmark (runs in graphmem's own environment).

python -m bench.peers.run_graphmem SPEC.json OUT.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.peers.common import Key, RoundTrips, Stopwatch, run
from bench.peers.conversation import Turn, target_type
from bench.retrieval.corpus import SINGLE_VALUED, Fact, Query
from graphmem import GraphMemConfig, GraphMemory, Triplet
from graphmem.adapters import OpenAIChatLLM, OpenAIEmbedder


class GraphmemSystem:
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
            }
        )
        chat = OpenAIChatLLM(config.llm)
        chat.complete = self.llm.wrap(chat.complete)  # type: ignore[method-assign]
        embedder = OpenAIEmbedder(
            "all-MiniLM-L6-v2", 384, base_url=spec["base_url"], api_key="unused"
        )
        embedder.embed = self.embed.wrap(embedder.embed)  # type: ignore[method-assign]
        self.mem = GraphMemory(config, llm=chat, embedder=embedder)

    def add(self, turn: Turn, user: str) -> None:
        self.mem.add([{"role": "user", "content": turn.text}], user_id=user, timestamp=turn.when)

    def search(self, query: Query, user: str) -> list[Key]:
        found = self.mem.search(query.text, user_id=user, limit=10, as_of=query.as_of)
        return [(r.source.casefold(), r.name, r.target.casefold()) for r in found.relations]

    def bulk_load(self, facts: Sequence[Fact], user: str) -> None:
        triplets = [
            Triplet(
                source=f.source,
                relation=f.relation,
                target=f.target,
                source_type=f.source_type,
                target_type=target_type(f),
                valid_at=f.valid_at,
            )
            for f in facts
        ]
        self.mem.add_triplets(
            triplets,
            user_id=user,
            single_valued=SINGLE_VALUED,
            resolver="rules",
            match_similar=False,
            batch_size=1000,
        )
        self.mem.store.await_indexes(600)


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    system = GraphmemSystem(spec)
    result = run(system, spec)
    system.mem.close()
    with open(sys.argv[2], "w") as out:
        json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
