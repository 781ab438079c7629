"""graphmem with a real model: the demo and a LoCoMo slice through add(), per variant.

Starts llama-cpp-python's server with a registry GGUF (bench/real_model/model.py) on
127.0.0.1, or uses OPENAI_BASE_URL when set (any OpenAI-compatible endpoint), with graphmem's
default settings apart from the timeout. No LLM judge: evidence recall@10 of search through
episode provenance (the LoCoMo dialog ids of the episodes behind the retrieved facts or
memories), facts/memories written per turn, skipped items by reason, LLM calls, tokens and
seconds per add, errors by type. Not part of CI: a 1.5B model takes tens of seconds per call
on 2 cores.

    LLAMA_PYTHON=/path/to/llama-venv/bin/python .venv/bin/python -m bench.real_model.run \
        [--sessions 1] [--turns-per-add 3] [--variants mem0g,mem0,both] [--no-demo]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.locomo.dataset import DEFAULT_PATH, parse_when
from bench.real_model.model import MODELS, assemble, serve
from bench.servers import bench_server
from graphmem import GraphMemConfig, GraphMemory
from graphmem.errors import GraphMemError
from graphmem.importer import locomo_text
from graphmem.models import Message

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "bench" / ".work" / "real_model"
RESULTS = ROOT / "bench" / "results"


def _skip_kind(reason: str) -> str:
    """A skipped item's reason without its particulars, to count by."""
    reason = re.sub(r"'[^']*'", "X", reason)
    reason = re.sub(r"\(.*?\)", "", reason)
    return reason.split(";")[0].strip()[:90]


def run_demo(env: dict[str, str], log: Path) -> dict[str, Any]:
    """``graphmem demo`` (what ``bash scripts/demo`` runs after installing) against the model."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "graphmem", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=7200,
        check=False,
    )
    log.write_text(done.stdout + "\n--- stderr ---\n" + done.stderr)
    return {
        "exit_code": done.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "adds": done.stdout.count("\nAdd") + done.stdout.startswith("Add"),
        "log": str(log.relative_to(ROOT)),
    }


def locomo_slice(
    sessions: int, per_add: int
) -> tuple[list[list[Message]], list[list[str]], list[dict[str, Any]]]:
    """conv-26's first ``sessions`` sessions as adds of ``per_add`` turns (messages, dialog
    ids), and the questions (categories 1-4) whose evidence lies in them."""
    data = json.loads(DEFAULT_PATH.read_text())[0]
    conv = data["conversation"]
    adds: list[list[Message]] = []
    dia: list[list[str]] = []
    for n in range(1, sessions + 1):
        when = parse_when(conv[f"session_{n}_date_time"])
        turns = conv[f"session_{n}"]
        for i in range(0, len(turns), per_add):
            chunk = turns[i : i + per_add]
            adds.append(
                [
                    Message(role="user", name=t["speaker"], content=locomo_text(t), timestamp=when)
                    for t in chunk
                ]
            )
            dia.append([t["dia_id"] for t in chunk])
    inside = {d for ids in dia for d in ids}
    questions = [
        q
        for q in data["qa"]
        if q.get("category") in (1, 2, 3, 4)
        and q.get("evidence")
        and all(e in inside for e in q["evidence"])
    ]
    return adds, dia, questions


def run_variant(
    variant: str,
    config: GraphMemConfig,
    adds: Sequence[list[Message]],
    dia: Sequence[list[str]],
    questions: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    cfg = config.model_copy(update={"variant": variant})
    scope = {"user_id": "conv-26", "run_id": f"real-model-{variant}"}
    episodes: dict[str, list[str]] = {}
    per_add: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    with GraphMemory(cfg) as mem:
        mem.delete_all(**scope)
        for number, (messages, ids) in enumerate(zip(adds, dia, strict=True), 1):
            started = time.monotonic()
            row: dict[str, Any] = {"add": number, "turns": len(messages)}
            try:
                result = mem.add(messages, **scope)
            except GraphMemError as exc:
                errors[type(exc).__name__] += 1
                usage = exc.usage
                row |= {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
            else:
                episodes[result.episode_id] = ids
                usage = result.usage
                graph_ops = Counter(op.kind.value for op in result.operations)
                memory_ops = Counter(op.kind.value for op in result.memory_operations)
                row |= {"graph": dict(graph_ops), "memories": dict(memory_ops)}
                row["skipped"] = [[s.item[:80], s.reason[:160]] for s in result.skipped]
                skipped.update(_skip_kind(s.reason) for s in result.skipped)
            row["seconds"] = round(time.monotonic() - started, 1)
            if usage is not None:
                row |= {
                    "llm_calls": usage.llm_calls,
                    "prompt_tokens": usage.prompt_tokens,
                    "completion_tokens": usage.completion_tokens,
                }
            per_add.append(row)
            print(f"  {variant} add {number}/{len(adds)}: {row}", flush=True)
        recalls = []
        for q in questions:
            found = mem.search(q["question"], limit=10, **scope)
            hit: set[str] = set()
            items = [r.relation.episode_ids for r in found.relations]
            items += [m.memory.episode_ids for m in found.memories]
            for episode_ids in items[:10]:
                for e in episode_ids:
                    hit.update(episodes.get(e, ()))
            evidence = set(q["evidence"])
            recalls.append(len(evidence & hit) / len(evidence))
        facts = mem.get_all(**scope)
        memories = mem.get_memories(**scope) if variant != "mem0g" else []
    ok = [r for r in per_add if "error" not in r]
    turns = sum(r["turns"] for r in ok) or 1

    def _added(key: str) -> int:
        return sum(r.get(key, {}).get("ADD", 0) + r.get(key, {}).get("UPDATE", 0) for r in ok)

    def _mean(key: str) -> float:
        values = [r[key] for r in per_add if key in r]
        return round(sum(values) / len(values), 1) if values else 0.0

    retirements = sum(
        r.get(k, {}).get("UPDATE", 0) + r.get(k, {}).get("DELETE", 0)
        for r in ok
        for k in ("graph", "memories")
    )
    return {
        "variant": variant,
        "adds": len(per_add),
        "failed_adds": len(per_add) - len(ok),
        "errors": dict(errors),
        "facts_written_per_turn": round(_added("graph") / turns, 2),
        "memories_written_per_turn": round(_added("memories") / turns, 2),
        "facts_stored": len(facts),
        "memories_stored": len(memories),
        "retirements_applied": retirements,
        "skipped_by_reason": dict(skipped.most_common()),
        "llm_calls_per_add": _mean("llm_calls"),
        "prompt_tokens_per_add": _mean("prompt_tokens"),
        "completion_tokens_per_add": _mean("completion_tokens"),
        "seconds_per_add": _mean("seconds"),
        "questions": len(questions),
        "evidence_recall_at_10": round(sum(recalls) / len(recalls), 3) if recalls else None,
        "per_add": per_add,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct", choices=sorted(MODELS))
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--turns-per-add", type=int, default=3)
    parser.add_argument("--variants", default="mem0g,mem0,both")
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--name", default="real-model")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    server = None
    base_url = os.environ.get("OPENAI_BASE_URL")
    model_name = os.environ.get("GRAPHMEM_LLM_MODEL", "")
    if not base_url:
        gguf = assemble(MODELS[args.model], WORK)
        server = serve(gguf, args.port, WORK / "llama-server.log")
        base_url = f"http://127.0.0.1:{args.port}/v1"
        model_name = MODELS[args.model].name
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=10) as answer:
            served = json.loads(answer.read())["data"][0]["id"]
        env = {
            **os.environ,
            "OPENAI_BASE_URL": base_url,
            "OPENAI_API_KEY": os.environ.get("OPENAI_API_KEY", "x"),
            "GRAPHMEM_LLM_MODEL": os.environ.get("GRAPHMEM_LLM_MODEL", served),
            "GRAPHMEM_LLM_TIMEOUT": str(args.timeout),
        }
        neo4j = bench_server(WORK / "neo4j", "1g")
        env |= neo4j.environ()
        os.environ.update(env)
        config = GraphMemConfig.from_env()
        report: dict[str, Any] = {
            "model": model_name or served,
            "endpoint": "llama-cpp-python server" if server else base_url,
            "date": datetime.now(UTC).date().isoformat(),
            "command": " ".join(sys.argv),
            "settings": {
                "structured_output": config.llm.structured_output,
                "max_output_tokens": config.llm.max_output_tokens,
                "timeout_seconds": config.llm.timeout_seconds,
                "max_retries": config.llm.retries(),
            },
        }
        if not args.no_demo:
            print("demo ...", flush=True)
            report["demo"] = run_demo(env, WORK / "demo.log")
            print(f"  demo: {report['demo']}", flush=True)
        adds, dia, questions = locomo_slice(args.sessions, args.turns_per_add)
        report["slice"] = {
            "conversation": "conv-26",
            "sessions": args.sessions,
            "turns": sum(len(a) for a in adds),
            "turns_per_add": args.turns_per_add,
            "questions": len(questions),
        }
        report["variants"] = []
        for variant in args.variants.split(","):
            print(f"{variant} ...", flush=True)
            report["variants"].append(run_variant(variant, config, adds, dia, questions))
            _write(args.name, report)
        _write(args.name, report)
        neo4j.stop()
    finally:
        if server is not None:
            server.terminate()


def _write(name: str, report: dict[str, Any]) -> None:
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    """The results as a table per variant (the per-add rows stay in the JSON)."""
    lines = [
        f"# graphmem with a real model: {report['model']}",
        "",
        f"{report['date']}, {report['endpoint']}, 2 cores, graphmem's default settings "
        f"(structured output {report['settings']['structured_output']}, max_output_tokens "
        f"{report['settings']['max_output_tokens']}, retries {report['settings']['max_retries']}"
        f", timeout {report['settings']['timeout_seconds']:.0f} s). Command: "
        f"`{report['command']}`.",
        "",
        "A 1.5B model bounds the quality of every figure here; the same script runs against any "
        "OpenAI-compatible endpoint (set OPENAI_BASE_URL and GRAPHMEM_LLM_MODEL).",
        "",
    ]
    demo = report.get("demo")
    if demo:
        lines += [
            f"**Demo** (`graphmem demo`, what `bash scripts/demo` runs): exit code "
            f"{demo['exit_code']} in {demo['seconds']:.0f} s; output in `{demo['log']}` "
            "(not committed).",
            "",
        ]
    sl = report.get("slice")
    if sl:
        lines += [
            f"**LoCoMo slice**: {sl['conversation']}, first {sl['sessions']} session(s), "
            f"{sl['turns']} turns, {sl['turns_per_add']} turns per add; {sl['questions']} "
            "questions (categories 1-4) whose evidence lies in the slice. Evidence recall@10: "
            "share of a question's evidence dialogs among the episodes behind the top 10 "
            "results (no LLM judge).",
            "",
            "| variant | adds (failed) | facts / turn | memories / turn | retirements | "
            "LLM calls / add | tokens in / out per add | s / add | recall@10 |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for v in report.get("variants", []):
            lines.append(
                f"| {v['variant']} | {v['adds']} ({v['failed_adds']}) | "
                f"{v['facts_written_per_turn']} | {v['memories_written_per_turn']} | "
                f"{v['retirements_applied']} | {v['llm_calls_per_add']} | "
                f"{v['prompt_tokens_per_add']:.0f} / {v['completion_tokens_per_add']:.0f} | "
                f"{v['seconds_per_add']:.0f} | {v['evidence_recall_at_10']} |"
            )
        for v in report.get("variants", []):
            lines += ["", f"**{v['variant']}**: errors {v['errors'] or 'none'}; skipped by reason:"]
            lines += [f"- {n} x {why}" for why, n in v["skipped_by_reason"].items()] or ["- none"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
