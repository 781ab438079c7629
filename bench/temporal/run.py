"""History told out of order: the same values of single-valued relations (homes, employers,
partners, with returns to an earlier home) loaded in time order and in shuffled orders through
``add_triplets`` (rules resolver, one call per ``--chunk`` values), then compared at every
change point with the truth computed from the values themselves.

    python -m bench.temporal.run [--values 10000] [--orders 3] [--chunk 100]

Correctness must be 100%: the share of (order, change point) pairs whose state equals the
truth, and of facts with invalid_at >= valid_at. Also the load rate per order. No LLM: the
rules resolver is graphmem's own logic; what a model makes of times in messages needs a real
model (bench/locomo with an endpoint). A fresh local Neo4j unless NEO4J_URI is set. Writes
bench/results/temporal.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.servers import bench_server
from graphmem import GraphMemConfig, GraphMemory, Relation
from graphmem.defaults import default_embedder

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ("lives_in", "works_at", "partner_of")
START = datetime(1990, 1, 1, tzinfo=UTC)
Value = tuple[str, str, str, datetime]


def history(values: int, seed: int = 11) -> list[Value]:
    """People with 5 values each on average, every value at its own day of a 40-year span."""
    rng = random.Random(seed)
    places = ["Lisbon", "Porto", "Kraków", "São Paulo", "Zürich", "東京", "Berlin", "Oslo"]
    out: list[Value] = []
    person = 0
    while len(out) < values:
        name = f"Person {person:05d}"
        days = sorted(rng.sample(range(0, 365 * 40), rng.randint(3, 7)))
        for i, day in enumerate(days):
            relation = SINGLE[rng.randrange(3)] if i else "lives_in"
            target = {
                "lives_in": rng.choice(places),
                "works_at": f"Company {rng.randint(1, 30)}",
                "partner_of": f"Partner {rng.randint(1, 3)} of {person}",
            }[relation]
            out.append((name, relation, target, START + timedelta(days=day)))
        person += 1
    return out[:values]


def truth_timelines(values: list[Value]) -> dict[tuple[str, str], list[tuple[datetime, str]]]:
    lines: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)
    for s, r, t, when in sorted(values, key=lambda v: v[3]):
        lines[(s, r)].append((when, t))
    return lines


def stored_timelines(facts: list[Relation]) -> dict[tuple[str, str], list[Relation]]:
    lines: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for f in facts:
        lines[(f.source, f.relation)].append(f)
    return lines


def holds(facts: list[Relation], moment: datetime) -> set[str]:
    return {
        f.target
        for f in facts
        if f.valid_at <= moment and (f.invalid_at is None or moment < f.invalid_at)
    }


def check(values: list[Value], facts: list[Relation]) -> dict[str, Any]:
    """Every change point of every (person, relation): does the store say what held?"""
    truth = truth_timelines(values)
    stored = stored_timelines(facts)
    points = right = 0
    for key, line in truth.items():
        times = [w for w, _ in line]
        for moment in times:
            expected = {line[bisect_right(times, moment) - 1][1]}
            points += 1
            right += holds(stored.get(key, []), moment) == expected
        current = {f.target for f in stored.get(key, []) if f.invalid_at is None}
        points += 1
        right += current == {line[-1][1]}
    ordered = sum(1 for f in facts if f.invalid_at is None or f.invalid_at >= f.valid_at)
    return {
        "change_points": points,
        "correct": right,
        "correct_share": round(right / points, 6),
        "facts": len(facts),
        "intervals_ordered_share": round(ordered / len(facts), 6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=3, help="shuffled orders besides in-order")
    parser.add_argument("--chunk", type=int, default=100, help="values per add_triplets call")
    parser.add_argument("--out", default="bench/results/temporal")
    args = parser.parse_args()
    values = history(args.values)
    server = bench_server(ROOT / "bench/.work/temporal", "2g")
    config = GraphMemConfig(neo4j=server.config())
    rows = []
    try:
        with GraphMemory(config, embedder=default_embedder(config), llm=None) as mem:
            orders = [("in time order", sorted(values, key=lambda v: v[3]))]
            for seed in range(1, args.orders + 1):
                shuffled = list(values)
                random.Random(seed).shuffle(shuffled)
                orders.append((f"shuffled (seed {seed})", shuffled))
            for label, order in orders:
                user = f"temporal-{label.split()[0]}-{len(rows)}"
                mem.forget(user_id=user)
                start = time.perf_counter()
                for i in range(0, len(order), args.chunk):
                    mem.add_triplets(
                        [
                            {"source": s, "relation": r, "target": t, "valid_at": w}
                            for s, r, t, w in order[i : i + args.chunk]
                        ],
                        user_id=user,
                        resolver="rules",
                        single_valued=SINGLE,
                        match_similar=False,
                    )
                seconds = time.perf_counter() - start
                facts = mem.history(user_id=user, limit=10 * len(values))
                row = {"order": label, "seconds": round(seconds, 1)}
                row |= {"values_per_s": round(len(values) / seconds, 1), **check(values, facts)}
                rows.append(row)
                print(json.dumps(row), flush=True)
                mem.forget(user_id=user)
    finally:
        server.stop()
    report = {
        "command": "python -m bench.temporal.run"
        + ("" if args.values == 10_000 else f" --values {args.values}")
        + ("" if args.orders == 3 else f" --orders {args.orders}")
        + ("" if args.chunk == 100 else f" --chunk {args.chunk}"),
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "values": len(values),
        "people": len({v[0] for v in values}),
        "returns_to_an_earlier_value": _returns(values),
        "rows": rows,
    }
    Path(args.out + ".json").write_text(json.dumps(report, indent=2) + "\n")
    Path(args.out + ".md").write_text(_markdown(report))


def _returns(values: list[Value]) -> int:
    """Values equal to one their chain held before, not just before (A, B, A)."""
    n = 0
    for line in truth_timelines(values).values():
        targets = [t for _, t in line]
        n += sum(1 for i, t in enumerate(targets) if t in targets[: max(0, i - 1)])
    return n


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# History told out of order (`{report['command']}`)",
        "",
        f"{report['values']} values of single-valued relations (lives_in, works_at, partner_of) "
        f"for {report['people']} people over 40 years, {report['returns_to_an_earlier_value']} "
        "of them a return to an earlier value; loaded through add_triplets (rules resolver) in "
        "time order and in shuffled orders, each into its own scope; every change point of "
        "every (person, relation) and its current value compared with the truth. "
        f"{report['date']}, {report['machine']}.",
        "",
        "| order | correct / change points | share | facts stored | invalid_at >= valid_at | "
        "load s | values/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        lines.append(
            f"| {r['order']} | {r['correct']} / {r['change_points']} | {r['correct_share']} | "
            f"{r['facts']} | {r['intervals_ordered_share']} | {r['seconds']} | "
            f"{r['values_per_s']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
