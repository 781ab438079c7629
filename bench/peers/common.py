"""What both runners share: the round-trip counter, timers, oracle statistics, the phases.

Standard library plus the neo4j driver: the mem0 runner imports this from mem0's own virtual
environment. A system plugs in as a :class:`System`; the phases measure it the same way.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bench.peers.conversation import Conversation, Turn
from bench.retrieval.corpus import Fact, Query, make_scope

Key = tuple[str, str, str]

# graphmem refreshes its rolling summary after an add returns, on this thread, with this role.
BACKGROUND_THREAD = "graphmem-summary"
BACKGROUND_ROLES = frozenset({"summarize"})


class RoundTrips:
    """Counts Cypher statements sent to Neo4j, by wrapping the driver's two entry points:
    auto-commit ``Session.run`` and ``run`` of explicit and managed transactions (which
    ``execute_query`` uses). Each statement is one request/response exchange with the server."""

    count = 0
    # Statements of graphmem's background summary refresh (its own thread), which may run
    # while a later add is being measured: counted apart, not as that add's.
    background = 0

    @classmethod
    def install(cls) -> None:
        from neo4j._sync.work.session import Session
        from neo4j._sync.work.transaction import TransactionBase

        for owner in (Session, TransactionBase):
            original = owner.run

            def counted(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                if threading.current_thread().name.startswith(BACKGROUND_THREAD):
                    cls.background += 1
                else:
                    cls.count += 1
                return _original(self, *args, **kwargs)

            owner.run = counted  # type: ignore[method-assign]


class Stopwatch:
    """Adds up the time spent inside wrapped calls (LLM waits, embedding waits)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


class Oracle:
    """The oracle's per-role counters for one system, read over HTTP."""

    def __init__(self, stats_url: str) -> None:
        self.url = stats_url

    def stats(self) -> dict[str, dict[str, float]]:
        with urllib.request.urlopen(self.url, timeout=10) as r:
            data: dict[str, dict[str, float]] = json.load(r)
            return data

    @staticmethod
    def delta(
        before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
    ) -> dict[str, float]:
        """LLM calls and tokens between two snapshots (embeddings are not LLM calls). Calls of
        a background role (graphmem's summary refresh, which runs after an add returns) are
        counted apart as well: they may land in a later add's window."""
        out = {"llm_calls": 0.0, "prompt_tokens": 0.0, "completion_tokens": 0.0}
        out |= {"background_llm_calls": 0.0, "background_prompt_tokens": 0.0}
        for role, row in after.items():
            if role == "embeddings":
                continue
            old = before.get(role, {})
            calls = row["requests"] - old.get("requests", 0)
            prompt = row["prompt_tokens"] - old.get("prompt_tokens", 0)
            out["llm_calls"] += calls
            out["prompt_tokens"] += prompt
            out["completion_tokens"] += row["completion_tokens"] - old.get("completion_tokens", 0)
            if role in BACKGROUND_ROLES:
                out["background_llm_calls"] += calls
                out["background_prompt_tokens"] += prompt
        out["llm_calls_in_add"] = out["llm_calls"] - out["background_llm_calls"]
        out["prompt_tokens_in_add"] = out["prompt_tokens"] - out["background_prompt_tokens"]
        embeds = after.get("embeddings", {})
        out["embedding_requests"] = embeds.get("requests", 0) - before.get("embeddings", {}).get(
            "requests", 0
        )
        return out


class System(Protocol):
    llm: Stopwatch
    embed: Stopwatch

    def add(self, turn: Turn, user: str) -> None: ...
    def search(self, query: Query, user: str) -> list[Key]: ...
    def bulk_load(self, facts: Sequence[Fact], user: str) -> None: ...


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "mean": round(statistics.mean(values), 2),
        "p50": pct(values, 0.5),
        "p95": pct(values, 0.95),
        "max": round(max(values), 2),
    }


@dataclass
class Measured:
    rows: list[dict[str, float]] = field(default_factory=list)

    def column(self, name: str) -> list[float]:
        return [r[name] for r in self.rows]


@contextmanager
def measure(system: System, oracle: Oracle, into: Measured) -> Iterator[None]:
    """One timed operation: wall time, LLM and embedding waits, round trips, oracle deltas."""
    before = oracle.stats()
    llm0, emb0 = system.llm.seconds, system.embed.seconds
    trips0, background0 = RoundTrips.count, RoundTrips.background
    start = time.perf_counter()
    yield
    wall = time.perf_counter() - start
    llm, emb = system.llm.seconds - llm0, system.embed.seconds - emb0
    row = {
        "wall_ms": wall * 1000,
        "engine_ms": (wall - llm) * 1000,  # LLM waits excluded
        "engine_ms_without_embedding": (wall - llm - emb) * 1000,
        "neo4j_round_trips": RoundTrips.count - trips0,
        "background_neo4j_round_trips": RoundTrips.background - background0,
    }
    row.update(Oracle.delta(before, oracle.stats()))
    into.rows.append(row)


def recall_at_10(found: Sequence[Key], query: Query) -> float:
    hit = len(set(found[:10]) & query.answers)
    return hit / min(len(query.answers), 10)


def candidate_recall(system: System, query: Query) -> float:
    """Recall over everything the system's graph query found before it cut the list
    (-1 when the system does not expose that)."""
    found = getattr(system, "last_candidates", None)
    if found is None:
        return -1.0
    return len(set(found) & query.answers) / len(query.answers)


def ingest_phase(
    system: System, oracle: Oracle, conversations: Sequence[Conversation]
) -> dict[str, Any]:
    """Every turn through the system's real add path, then its questions through search."""
    adds, searches = Measured(), Measured()
    recalls: dict[str, list[float]] = {}
    start = time.perf_counter()
    for conv in conversations:
        for turn in conv.turns:
            with measure(system, oracle, adds):
                system.add(turn, conv.user)
    seconds = time.perf_counter() - start
    for conv in conversations:
        for q in conv.queries:
            with measure(system, oracle, searches):
                found = system.search(q, conv.user)
            recalls.setdefault(q.kind, []).append(recall_at_10(found, q))
    facts = sum(len(t.facts) for c in conversations for t in c.turns)
    all_recalls = [r for rs in recalls.values() for r in rs]
    return {
        "conversations": len(conversations),
        "turns": len(adds.rows),
        "facts": facts,
        "seconds": round(seconds, 1),
        "turns_per_second": round(len(adds.rows) / seconds, 2),
        "facts_per_second": round(facts / seconds, 2),
        "per_add": {
            name: summary(adds.column(name))
            for name in (
                "llm_calls",
                "llm_calls_in_add",
                "background_llm_calls",
                "prompt_tokens",
                "prompt_tokens_in_add",
                "background_prompt_tokens",
                "background_neo4j_round_trips",
                "completion_tokens",
                "embedding_requests",
                "neo4j_round_trips",
                "wall_ms",
                "engine_ms",
                "engine_ms_without_embedding",
            )
        },
        "search": _search_summary(searches),
        # per add, in order: how engine time and round trips move as memory grows
        "engine_ms_series": [round(v, 1) for v in adds.column("engine_ms")],
        "round_trips_series": [int(v) for v in adds.column("neo4j_round_trips")],
        "llm_calls_series": [int(v) for v in adds.column("llm_calls")],
        "recall@10": round(statistics.mean(all_recalls), 4),
        "recall@10_by_kind": {k: round(statistics.mean(v), 4) for k, v in sorted(recalls.items())},
    }


def scale_phase(
    system: System, oracle: Oracle, sizes: Sequence[int], queries: int
) -> dict[str, Any]:
    """Scopes of ``sizes`` facts (bulk-loaded in the system's own graph shape), then search."""
    out: dict[str, Any] = {}
    for n in sizes:
        scope = make_scope(n, seed=n, n_queries=queries)
        user = f"scale-{n}"
        start = time.perf_counter()
        system.bulk_load(scope.facts, user)
        load = time.perf_counter() - start
        # One unmeasured pass over every query: caches, query plans and the JVM's compiled
        # code reach steady state (10 warm-up queries left graphmem's 10k search at ~21 ms
        # where later passes settle at ~14; mem0's single query warms faster). The oracle
        # does not cache embeddings, so the measured pass still pays for each one.
        for q in scope.queries:
            system.search(q, user)
        searches = Measured()
        recalls: dict[str, list[float]] = {}
        candidates: list[float] = []
        for q in scope.queries:
            with measure(system, oracle, searches):
                found = system.search(q, user)
            recalls.setdefault(q.kind, []).append(recall_at_10(found, q))
            candidates.append(candidate_recall(system, q))
        every = [r for rs in recalls.values() for r in rs]
        out[str(n)] = {
            "facts": len(scope.facts),
            "load_seconds": round(load, 1),
            "search": _search_summary(searches),
            "recall@10": round(statistics.mean(every), 4),
            "recall@10_by_kind": {
                k: round(statistics.mean(v), 4) for k, v in sorted(recalls.items())
            },
            "candidate_recall": round(statistics.mean(candidates), 4)
            if candidates[0] >= 0
            else None,
        }
        print(f"  scale {n}: {json.dumps(out[str(n)]['search'])}", flush=True)
    return out


def _search_summary(searches: Measured) -> dict[str, Any]:
    return {
        "queries": len(searches.rows),
        "llm_calls_mean": round(statistics.mean(searches.column("llm_calls")), 2),
        "prompt_tokens_mean": round(statistics.mean(searches.column("prompt_tokens")), 1),
        "neo4j_round_trips_mean": round(statistics.mean(searches.column("neo4j_round_trips")), 2),
        "wall_ms": summary(searches.column("wall_ms")),
        "engine_ms": summary(searches.column("engine_ms")),
        "engine_ms_without_embedding": summary(searches.column("engine_ms_without_embedding")),
        "embedding_requests_mean": round(statistics.mean(searches.column("embedding_requests")), 2),
    }


def run(system: System, spec: dict[str, Any]) -> dict[str, Any]:
    from bench.peers.conversation import conversations

    oracle = Oracle(spec["stats_url"])
    convs = conversations(**spec["conversations"])
    print(f"{spec['system']}: ingesting {sum(len(c.turns) for c in convs)} turns", flush=True)
    ingest = ingest_phase(system, oracle, convs)
    print(f"{spec['system']}: {json.dumps(ingest['per_add']['engine_ms'])}", flush=True)
    scale = scale_phase(system, oracle, spec["sizes"], spec["queries"])
    return {"ingest": ingest, "scale": scale, "finished": datetime.now().isoformat()}
