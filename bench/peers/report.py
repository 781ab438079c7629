"""The peer benchmark's markdown table and plots, from the results dictionary."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _ratio(base: float, other: float) -> str:
    if base == 0:
        return "n/a" if other == 0 else "inf"
    return f"{other / base:.1f}x"


def _rows(report: dict[str, Any]) -> list[tuple[str, str, list[float], bool]]:
    """(section, metric, value per system, lower is better)."""
    systems = list(report["systems"].values())
    rows: list[tuple[str, str, list[float], bool]] = []

    def add(section: str, label: str, path: list[str], lower: bool = True) -> None:
        values = []
        for s in systems:
            v: Any = s
            for key in path:
                v = v[key]
            values.append(float(v))
        rows.append((section, label, values, lower))

    a = ["ingest", "per_add"]
    # graphmem's summary refresh runs after an add returns (background): its calls are shown
    # apart and in the totals, which are the cost per turn.
    add("per add", "LLM calls (mean, background summary included)", [*a, "llm_calls", "mean"])
    add("per add", "LLM calls inside the add (max)", [*a, "llm_calls_in_add", "max"])
    add("per add", "background summary LLM calls (mean)", [*a, "background_llm_calls", "mean"])
    add(
        "per add",
        "prompt tokens (mean, background summary included)",
        [*a, "prompt_tokens", "mean"],
    )
    add("per add", "prompt tokens inside the add (mean)", [*a, "prompt_tokens_in_add", "mean"])
    add("per add", "completion tokens (mean)", [*a, "completion_tokens", "mean"])
    add("per add", "embedding requests (mean)", [*a, "embedding_requests", "mean"])
    add("per add", "Neo4j round trips inside the add (mean)", [*a, "neo4j_round_trips", "mean"])
    add("per add", "Neo4j round trips inside the add (max)", [*a, "neo4j_round_trips", "max"])
    add(
        "per add",
        "background summary round trips (mean)",
        [*a, "background_neo4j_round_trips", "mean"],
    )
    add("per add", "engine ms p50 (LLM waits excluded)", [*a, "engine_ms", "p50"])
    add("per add", "engine ms p95 (LLM waits excluded)", [*a, "engine_ms", "p95"])
    add(
        "per add",
        "engine ms p50 (LLM and embedding waits excluded)",
        [*a, "engine_ms_without_embedding", "p50"],
    )
    add(
        "per add",
        "engine ms p95 (LLM and embedding waits excluded)",
        [*a, "engine_ms_without_embedding", "p95"],
    )
    add(
        "ingestion",
        "turns per second (oracle answers included)",
        ["ingest", "turns_per_second"],
        lower=False,
    )
    add("ingestion", "facts per second", ["ingest", "facts_per_second"], lower=False)
    add("ingestion", "recall@10 on its questions", ["ingest", "recall@10"], lower=False)
    add("ingestion", "search ms p50 on the conversation", ["ingest", "search", "wall_ms", "p50"])
    for n in systems[0]["scale"]:
        sec = f"search, {int(n):,} facts in the scope"
        sc = ["scale", n, "search"]
        add(sec, "LLM calls per search", [*sc, "llm_calls_mean"])
        add(sec, "prompt tokens per search", [*sc, "prompt_tokens_mean"])
        add(sec, "Neo4j round trips per search", [*sc, "neo4j_round_trips_mean"])
        add(sec, "latency ms p50", [*sc, "wall_ms", "p50"])
        add(sec, "latency ms p95", [*sc, "wall_ms", "p95"])
        add(sec, "engine ms p50 (LLM wait excluded)", [*sc, "engine_ms", "p50"])
        add(
            sec,
            "engine ms p50 (LLM and embedding waits excluded)",
            [*sc, "engine_ms_without_embedding", "p50"],
        )
        add(sec, "embedding requests per search", [*sc, "embedding_requests_mean"])
        add(sec, "recall@10", ["scale", n, "recall@10"], lower=False)
    return rows


def markdown(report: dict[str, Any]) -> str:
    names = list(report["systems"])
    lines = [
        f"# graphmem and its peers, side by side ({report['command']})",
        "",
        f"{report['machine']}; {report['neo4j']}; {report['embedding']}; LLM: {report['llm']}.",
        "",
    ]
    section = None
    ratio_head = f" {names[1]} / {names[0]} |" if len(names) == 2 else ""
    for sec, label, values, lower in _rows(report):
        if sec != section:
            section = sec
            lines += [
                "",
                f"## {sec}",
                "",
                "| metric | " + " | ".join(names) + " |" + ratio_head,
                "|---|" + "---|" * len(names) + ("---|" if ratio_head else ""),
            ]
        cells = " | ".join(f"{v:g}" for v in values)
        extra = ""
        if ratio_head:
            extra = (
                f" {_ratio(values[0], values[1])} |"
                if lower
                else f" {values[1]:g} vs {values[0]:g} |"
            )
        lines.append(f"| {label} | {cells} |{extra}")
    for name, data in report["systems"].items():
        found = {n: v.get("candidate_recall") for n, v in data["scale"].items()}
        if all(v is not None for v in found.values()):
            lines += [
                "",
                f"{name}: recall of its graph query before its final cut to 5 results (BM25 over "
                "the raw names): "
                + ", ".join(f"{int(n):,} facts {v}" for n, v in found.items())
                + ". The answer is usually found, then dropped.",
            ]
    lines += ["", "Per-role LLM requests and tokens (whole run, as the oracle counted them):", ""]
    for name, data in report["systems"].items():
        roles = ", ".join(
            f"{role} {int(r['requests'])} req / {int(r['prompt_tokens'])} prompt tok"
            for role, r in sorted(data["oracle"].items())
        )
        lines.append(f"- {name}: {roles}")
    return "\n".join(lines) + "\n"


def _rolling_median(values: list[float], window: int = 25) -> list[float]:
    out = []
    for i in range(len(values)):
        chunk = sorted(values[max(0, i - window + 1) : i + 1])
        out.append(chunk[len(chunk) // 2])
    return out


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = report["systems"]
    fig, ((lat, series), (cost, tok)) = plt.subplots(2, 2, figsize=(13, 9))
    for name, data in systems.items():
        sizes = [int(n) for n in data["scale"]]
        lat.plot(
            sizes,
            [data["scale"][str(n)]["search"]["wall_ms"]["p50"] for n in sizes],
            marker="o",
            label=f"{name} p50",
        )
        lat.plot(
            sizes,
            [data["scale"][str(n)]["search"]["wall_ms"]["p95"] for n in sizes],
            marker="x",
            linestyle="--",
            label=f"{name} p95",
        )
        engine = data["ingest"].get("engine_ms_series")
        if engine:
            series.plot(_rolling_median(engine), label=f"{name} engine ms (rolling median of 25)")
            trips = data["ingest"]["round_trips_series"]
            series.plot(
                _rolling_median([float(t) for t in trips]),
                linestyle=":",
                label=f"{name} Neo4j round trips",
            )
    lat.set_xscale("log")
    lat.set_yscale("log")
    lat.set_xlabel("facts in the scope")
    lat.set_ylabel("search latency (ms; oracle LLM answers in ~2 ms)")
    lat.set_title("Search latency as memory grows")
    lat.legend()
    series.set_yscale("log")
    series.set_xlabel("add number (conversations one after the other)")
    series.set_title("Per add, as memory grows (LLM waits excluded)")
    series.legend(fontsize=8)
    names = list(systems)
    metrics = [
        ("LLM calls", "llm_calls"),
        ("embedding requests", "embedding_requests"),
        ("Neo4j round trips", "neo4j_round_trips"),
    ]
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        per_add = systems[name]["ingest"]["per_add"]
        cost.bar(
            [m + i * width for m in range(len(metrics))],
            [per_add[key]["mean"] for _, key in metrics],
            width,
            label=name,
        )
    cost.set_xticks([m + width * (len(names) - 1) / 2 for m in range(len(metrics))])
    cost.set_xticklabels([label for label, _ in metrics])
    cost.set_title("Per add (mean)")
    cost.legend()
    tok.bar(names, [systems[n]["ingest"]["per_add"]["prompt_tokens"]["mean"] for n in names])
    tok.set_title("Prompt tokens per add (mean)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
