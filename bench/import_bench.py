"""Bulk import through the installed ``graphmem import`` command: rate, and resume after a kill.

    python bench/import_bench.py --triplets 20000   # + LoCoMo conv-26 whole (~15 min)
    python bench/import_bench.py --triplets 2000 --turns 40   # minutes

Triplets: the retrieval corpus (people, homes and jobs changing over the years; lives_in /
works_at / works_as single-valued, rules resolver), written as JSON lines. Conversation: one
LoCoMo sample, one add per two messages, answered by the LoCoMo plumbing script through the
loopback OpenAI-compatible server (fixtures: the rate is graphmem's and Neo4j's work plus a
loopback round trip per LLM call, not a model's speed). Each is imported once whole, and once
killed (SIGKILL) after a third of its batches and run again; the rerun must store exactly
what the whole import stored. A fresh local Neo4j (heap 2g, page cache 2g) unless NEO4J_URI.
Writes bench/results/import.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.locomo.plumbing import plumbing_llm
from bench.retrieval.corpus import SINGLE_VALUED, make_scope
from bench.servers import bench_server
from graphmem.localserver import Neo4jServer
from graphmem.models import Scope
from graphmem.testing import OpenAICompatibleServer

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench/.work/import"
GRAPHMEM = str(Path(sys.executable).with_name("graphmem"))
LOCOMO = ROOT.parent / "shared/data/locomo/locomo10.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--triplets", type=int, default=100_000)
    parser.add_argument("--turns", type=int, default=0, help="cut the conversation (0: whole)")
    parser.add_argument("--out", default="bench/results/import")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    server = bench_server(WORK / "neo4j", "2g")
    driver = _driver(server)
    try:
        with OpenAICompatibleServer(plumbing_llm().script) as llm:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "OPENAI_"))}
            env |= server.environ() | {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
            env |= {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "unused"}
            report = {
                "command": "python bench/import_bench.py"
                + ("" if args.triplets == 100_000 else f" --triplets {args.triplets}")
                + (f" --turns {args.turns}" if args.turns else ""),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}",
                "neo4j": server.uri if os.environ.get("NEO4J_URI") else "local, fresh",
                "triplets": _triplets(env, driver, args.triplets),
                "conversation": _conversation(env, driver, args.turns),
            }
    finally:
        driver.close()
        if not os.environ.get("NEO4J_URI"):
            server.stop()
    out = ROOT / args.out
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(_markdown(report))
    print(out.with_suffix(".md").read_text())


def _driver(server: Neo4jServer) -> Any:
    from neo4j import GraphDatabase

    return GraphDatabase.driver(server.uri, auth=server.auth)


def _count(driver: Any, query: str, user: str) -> int:
    records, _, _ = driver.execute_query(query, {"key": Scope.of(user, None, None).key})
    return int(records[0]["n"])


EPISODES = "MATCH (ep:Episode) WHERE ep.scope_key = $key RETURN count(ep) AS n"
FACT_ROWS = (
    "MATCH (f:Fact) WHERE f.scope_key = $key "
    "RETURN count(f) AS n, count(DISTINCT [f.source, f.relation, f.target, f.valid_at]) AS d"
)


def _facts(driver: Any, user: str) -> tuple[int, int]:
    records, _, _ = driver.execute_query(FACT_ROWS, {"key": Scope.of(user, None, None).key})
    return int(records[0]["n"]), int(records[0]["d"])


def _run(env: dict[str, str], args: list[str]) -> tuple[dict[str, Any], float]:
    start = time.perf_counter()
    done = subprocess.run(
        [GRAPHMEM, *args, "--json"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"graphmem {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout), time.perf_counter() - start


def _kill_and_rerun(
    env: dict[str, str], driver: Any, command: list[str], user: str, batches: int
) -> tuple[int, dict[str, Any], float]:
    """Start the import, SIGKILL it once a third of ``batches`` transactions are stored, run
    it again; the transactions stored at the kill, the rerun's report and wall time."""
    args = [*command, "--user", user]
    with subprocess.Popen([GRAPHMEM, *args, "--no-progress"], env=env) as proc:
        while _count(driver, EPISODES, user) < max(1, batches // 3):
            if proc.poll() is not None:
                raise SystemExit(f"the import ended (code {proc.returncode}) before the kill")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = _count(driver, EPISODES, user)
    resumed, wall = _run(env, args)
    return before, resumed, wall


def _triplets(env: dict[str, str], driver: Any, n: int) -> dict[str, Any]:
    path = WORK / f"triplets-{n}.jsonl"
    facts = make_scope(n, seed=7, n_queries=1).facts
    with path.open("w", encoding="utf-8") as out:
        for f in facts:
            row = {"source": f.source, "relation": f.relation, "target": f.target,
                   "source_type": f.source_type, "target_type": f.target_type,
                   "valid_at": f.valid_at.isoformat()}  # fmt: skip
            out.write(json.dumps(row) + "\n")
    common = ["import", str(path), "--resolver", "rules", "--batch-size", "1000"]
    for relation in SINGLE_VALUED:
        common += ["--single-valued", relation]
    print(f"triplets: importing {len(facts)} whole", flush=True)
    whole, whole_wall = _run(env, [*common, "--user", "import-whole"])
    exact, _ = _run(env, [*common, "--user", "import-exact", "--exact-names"])
    batches = whole["batches"]
    print("triplets: killed and resumed", flush=True)
    before, resumed, resumed_wall = _kill_and_rerun(env, driver, common, "import-killed", batches)
    return {
        "triplets": len(facts),
        "batches": batches,
        "whole": whole,
        "whole_wall_seconds": round(whole_wall, 1),
        "triplets_per_second": round(len(facts) / whole["seconds"], 1),
        "exact_names": exact,
        "exact_names_triplets_per_second": round(len(facts) / exact["seconds"], 1),
        "facts_whole": _facts(driver, "import-whole"),
        "killed_after_batches": before,
        "resumed": resumed,
        "resumed_wall_seconds": round(resumed_wall, 1),
        "facts_resumed": _facts(driver, "import-killed"),
    }


def _conversation(env: dict[str, str], driver: Any, turns: int) -> dict[str, Any]:
    sample = json.loads(LOCOMO.read_text(encoding="utf-8"))[0]
    if turns:
        conv = sample["conversation"]
        kept, left = {}, turns * 2
        for n in range(1, 100):
            said = conv.get(f"session_{n}")
            if not said or left <= 0:
                break
            kept[f"session_{n}"], kept[f"session_{n}_date_time"] = (
                said[:left],
                conv[f"session_{n}_date_time"],
            )
            left -= len(said)
        sample = {**sample, "conversation": kept}
    path = WORK / "locomo-sample.json"
    path.write_text(json.dumps(sample), encoding="utf-8")
    common = ["import", str(path), "--format", "conversation"]
    print(f"conversation: importing {sample['sample_id']} whole", flush=True)
    whole, whole_wall = _run(env, [*common, "--user", "locomo-whole"])
    adds = whole["batches"]
    print("conversation: killed and resumed", flush=True)
    before, resumed, resumed_wall = _kill_and_rerun(env, driver, common, "locomo-killed", adds)
    return {
        "sample": sample["sample_id"],
        "messages": whole["items"],
        "adds": adds,
        "whole": whole,
        "whole_wall_seconds": round(whole_wall, 1),
        "messages_per_second": round(whole["items"] / whole["seconds"], 2),
        "episodes_whole": _count(driver, EPISODES, "locomo-whole"),
        "killed_after_adds": before,
        "resumed": resumed,
        "resumed_wall_seconds": round(resumed_wall, 1),
        "episodes_resumed": _count(driver, EPISODES, "locomo-killed"),
        "facts_whole": _facts(driver, "locomo-whole"),
        "facts_resumed": _facts(driver, "locomo-killed"),
    }


def _markdown(r: dict[str, Any]) -> str:
    t, c = r["triplets"], r["conversation"]
    return f"""# Bulk import ({r["command"]})

{r["machine"]}; Neo4j {r["neo4j"]}; the installed `graphmem import` in a subprocess.

| | triplets | conversation ({c["sample"]}) |
|---|---|---|
| items | {t["triplets"]} triplets | {c["messages"]} messages |
| batches | {t["batches"]} of 1,000 triplets | {c["adds"]} adds of 2 messages |
| import time (whole) | {t["whole"]["seconds"]} s | {c["whole"]["seconds"]} s |
| rate | {t["triplets_per_second"]} triplets/s | {c["messages_per_second"]} messages/s |
| rate with --exact-names | {t["exact_names_triplets_per_second"]} triplets/s | |
| command wall time incl. start-up | {t["whole_wall_seconds"]} s | {c["whole_wall_seconds"]} s |
| facts stored (rows, distinct) | {t["facts_whole"]} | {c["facts_whole"]} |
| transactions stored when killed | {t["killed_after_batches"]} | {c["killed_after_adds"]} |
| rerun: batches skipped whole / written | {t["resumed"]["batches_replayed"]} / \
{t["resumed"]["batches_written"]} | {c["resumed"]["batches_replayed"]} / \
{c["resumed"]["batches_written"]} |
| rerun time | {t["resumed"]["seconds"]} s | {c["resumed"]["seconds"]} s |
| facts after kill + rerun (rows, distinct) | {t["facts_resumed"]} | {c["facts_resumed"]} |
| episodes: whole import / kill + rerun | | {c["episodes_whole"]} / {c["episodes_resumed"]} |

The conversation's LLM replies come from the LoCoMo plumbing script over a loopback
OpenAI-compatible server (fixtures): its rate is graphmem's and Neo4j's work plus the loopback
round trips, not a model's speed. A batch of triplets is one transaction unless it holds two
values of one single-valued relation for the same person (then add_triplets splits it so the
later value retires the earlier; each part has its own idempotency key): "transactions stored"
counts those parts, "skipped whole" the batches all of whose parts were stored; a batch stored
in part writes only its missing parts on the rerun. The imports ran one after the other in one
database (whole, exact names, killed, rerun), so later ones met a larger database.
"""


if __name__ == "__main__":
    main()
