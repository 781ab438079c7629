"""mem0ai 1.0.11's vector memory (``mem0.Memory``, Qdrant in local mode, no server) on the LoCoMo
evidence task: the observations stored with ``infer=False`` (as given, no LLM), each question
searched. Runs in mem0's own virtual environment (bench/.work/mem0-venv, made by
scripts/bench-peers); started by bench/locomo/evidence.py, which serves the embeddings.

    python -m bench.locomo.evidence_mem0 SPEC.json OUT.json

SPEC: {"base_url", "path", "conversations": [{"id", "observations": [text], "questions":
[text]}]}. OUT: {"<id>": {"ranked": [[memory text, ...] per question], "search_ms": [...],
"ingest_seconds": float}}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ["MEM0_TELEMETRY"] = "False"

from mem0 import Memory


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    openai = {"api_key": "unused", "openai_base_url": spec["base_url"]}
    memory = Memory.from_config(
        {
            "llm": {"provider": "openai", "config": {"model": "unused", **openai}},
            "embedder": {
                "provider": "openai",
                "config": {"model": "all-MiniLM-L6-v2", "embedding_dims": 384, **openai},
            },
            "vector_store": {
                "provider": "qdrant",
                "config": {
                    "collection_name": "locomo",
                    "embedding_model_dims": 384,
                    "path": spec["path"],
                    "on_disk": True,
                },
            },
            "history_db_path": str(Path(spec["path"]) / "history.db"),
        }
    )
    out: dict[str, Any] = {}
    for conv in spec["conversations"]:
        user = f"locomo-{conv['id']}"
        start = time.perf_counter()
        for text in conv["observations"]:
            memory.add(text, user_id=user, infer=False)
        ingest = time.perf_counter() - start
        ranked, times = [], []
        if conv is spec["conversations"][0]:  # warm up, untimed, as graphmem does
            for question in conv["questions"]:
                memory.search(question, user_id=user, limit=20)
        for question in conv["questions"]:
            start = time.perf_counter()
            found = memory.search(question, user_id=user, limit=20)
            times.append((time.perf_counter() - start) * 1000)
            ranked.append([r["memory"] for r in found["results"]])
        out[conv["id"]] = {"ranked": ranked, "search_ms": times, "ingest_seconds": ingest}
        print(
            f"mem0 {conv['id']}: {len(conv['observations'])} memories, {ingest:.1f} s", flush=True
        )
    Path(sys.argv[2]).write_text(json.dumps(out))


if __name__ == "__main__":
    main()
