"""Fault campaign: one add interrupted at every point we can reach, each in a fresh scope.

Every case seeds "Ana lives_in Rome", then moves Ana to Milan (an UPDATE) under one injected
fault, then retries the same add with the same idempotency key and no fault. After the fault the
scope must be exactly as before (snapshot equal) or exactly as after (Milan valid, Rome retired,
one episode more); anything else is a partial write. The retry must leave exactly the "after"
state: applied once, never twice.

Kinds: the LLM failing (HTTP 500) or timing out at each role, through the real openai client;
the embedder failing (in add and in add_triplets); the commit lost before or after the server
applied it (BoltFaultProxy); and, when a server we own is given, SIGKILL before the write,
while committing and after the commit (then a restart on the same store).
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from neo4j import GraphDatabase

from graphmem import GraphMemConfig, GraphMemError, GraphMemory, LLMConfig, Neo4jConfig, Scope
from graphmem.localserver import LocalNeo4j
from graphmem.localserver.java_server import free_port
from graphmem.ports import Embedder
from graphmem.testing import (
    BoltFaultProxy,
    DelayedReply,
    FailingEmbedder,
    HTTPErrorReply,
    OpenAICompatibleServer,
    Script,
    scope_snapshot,
)

APPLY_PLAN = "write one add's whole resolution plan"  # a phrase of apply_plan.cypher
LLM_ROLES = ("extract_entities", "extract_relations", "resolve_updates")
LLM_TIMEOUT = 1.0
KILL_KINDS = ("sigkill_before_write", "sigkill_while_committing", "sigkill_after_commit")


@dataclass
class Case:
    kind: str
    fired: bool = False
    error: str | None = None  # the exception's type, if the faulted add raised
    typed: bool = True  # a GraphMemError (or no error)
    state: str = ""  # "before", "after" or "partial"
    retry_ok: bool = False  # the retry left exactly the "after" state


class _Rig:
    """A GraphMemory behind a BoltFaultProxy, with a scripted LLM and a failing embedder."""

    def __init__(self, neo4j: Neo4jConfig, embedder: Embedder, killable: LocalNeo4j | None):
        target = urlparse(neo4j.uri)
        self.proxy = BoltFaultProxy(target.hostname or "127.0.0.1", target.port or 7687).start()
        self.script = Script()
        self.llm_server = OpenAICompatibleServer(self.script)
        self.llm_server.start()
        self.embedder = FailingEmbedder(embedder)
        self.killable = killable
        config = GraphMemConfig(
            neo4j=neo4j.model_copy(
                update={"uri": self.proxy.uri, "connect_timeout_seconds": 2, "retry_seconds": 2}
            ),
            llm=LLMConfig(
                model="scripted",
                base_url=self.llm_server.base_url,
                api_key="bench",
                timeout_seconds=LLM_TIMEOUT,
                max_retries=1,
            ),
        )
        self.mem = GraphMemory(config, embedder=self.embedder)
        self.driver = GraphDatabase.driver(neo4j.uri, auth=_auth(neo4j))

    def close(self) -> None:
        self.mem.close()
        self.driver.close()
        self.llm_server.stop()
        self.proxy.close()

    def run(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        records, _, _ = self.driver.execute_query(query, params)  # type: ignore[arg-type]
        return [r.data() for r in records]

    def episodes(self, scope: Scope) -> int:
        rows = self.run(
            "MATCH (ep:Episode) WHERE ep.scope_key = $k RETURN count(ep) AS n", {"k": scope.key}
        )
        return int(rows[0]["n"])

    def is_after(self, scope: Scope, episodes_before: int) -> bool:
        valid = sorted((r.source, r.relation, r.target) for r in self.mem.get_all(**_ids(scope)))
        retired = [r.target for r in self.mem.history(**_ids(scope)) if r.invalid_at is not None]
        return (
            valid == [("Ana", "lives_in", "Milan")]
            and retired == ["Rome"]
            and self.episodes(scope) == episodes_before + 1
        )


def _auth(neo4j: Neo4jConfig) -> tuple[str, str] | None:
    password = neo4j.password.get_secret_value() if neo4j.password else None
    return (neo4j.user, password) if password else None


def _ids(scope: Scope) -> dict[str, str | None]:
    return {"user_id": scope.user_id, "agent_id": scope.agent_id, "run_id": scope.run_id}


def _script_move(script: Script) -> None:
    script.clear()
    script.enqueue_extraction(
        [("Ana", "Person"), ("Milan", "City")], [("Ana", "lives_in", "Milan")]
    )
    script.enqueue_decisions(("UPDATE", "N1", "E1", "moved to Milan"))


def _one_case(rig: _Rig, kind: str) -> Case:
    case = Case(kind)
    scope = Scope(user_id=f"bench-fault-{uuid.uuid4().hex[:10]}")
    rig.mem.add_triplets(
        [("Ana", "lives_in", "Rome")],
        **_ids(scope),
        single_valued=["lives_in"],
        resolver="rules",
    )
    before = scope_snapshot(rig.run, scope)
    episodes_before = rig.episodes(scope)
    key = f"move-{uuid.uuid4().hex[:8]}"
    via_llm = kind.startswith("llm_") or kind == "embedder_fails:add"

    def move() -> object:
        if via_llm:
            return rig.mem.add("I moved to Milan.", **_ids(scope), idempotency_key=key)
        return rig.mem.add_triplets(
            [("Ana", "lives_in", "Milan")],
            **_ids(scope),
            single_valued=["lives_in"],
            resolver="rules",
            idempotency_key=key,
        )

    _script_move(rig.script)
    fired = _inject(rig, kind)
    try:
        move()
    except GraphMemError as exc:
        case.error = type(exc).__name__
    except Exception as exc:  # counted: any other type is a failure
        case.error, case.typed = type(exc).__name__, False
    case.fired = fired()
    rig.proxy.disarm()
    rig.embedder.fail_on = set()
    if rig.killable is not None and kind in KILL_KINDS:
        rig.killable.start()

    if scope_snapshot(rig.run, scope) == before:
        case.state = "before"
    elif rig.is_after(scope, episodes_before):
        case.state = "after"
    else:
        case.state = "partial"
    _script_move(rig.script)
    try:
        move()
        case.retry_ok = rig.is_after(scope, episodes_before)
    except Exception:  # a failed retry is counted, not raised
        case.retry_ok = False
    rig.mem.forget(user_id=scope.user_id)
    return case


def _inject(rig: _Rig, kind: str) -> Callable[[], bool]:
    """Arm one fault; returns a check of whether it fired."""
    if kind.startswith("llm_error:") or kind.startswith("llm_timeout:"):
        role = kind.split(":", 1)[1]
        rig.script.clear(role)
        if kind.startswith("llm_error:"):
            rig.script.enqueue(role, HTTPErrorReply(500), HTTPErrorReply(500))
        else:
            late = DelayedReply(LLM_TIMEOUT + 0.5, {"entities": [], "relations": []})
            rig.script.enqueue(role, late, late)
        calls = rig.script.calls(role)
        return lambda: rig.script.calls(role) > calls
    if kind.startswith("embedder_fails:"):  # an add embeds once, names and facts in one batch
        rig.embedder.fail_on = {rig.embedder.calls + 1}
        start = rig.embedder.calls
        return lambda: rig.embedder.calls > start
    fired = rig.proxy.fired
    kill = rig.killable.kill if rig.killable is not None else None
    if kind == "commit_lost_before_apply":
        rig.proxy.arm("drop_before", query_contains=APPLY_PLAN)
    elif kind == "commit_lost_after_apply":
        rig.proxy.arm("drop_after", query_contains=APPLY_PLAN)
    elif kind == "sigkill_before_write" and rig.killable is not None:
        rig.killable.kill()
        return lambda: True
    elif kind == "sigkill_while_committing":
        rig.proxy.arm("drop_before", query_contains=APPLY_PLAN, on_commit=kill)
    elif kind == "sigkill_after_commit":
        rig.proxy.arm("drop_after", query_contains=APPLY_PLAN, on_commit=kill)
    else:
        raise ValueError(f"unknown fault kind {kind!r}")
    return lambda: rig.proxy.fired > fired


def fault_kinds(with_kills: bool) -> list[str]:
    kinds = [f"llm_error:{r}" for r in LLM_ROLES] + [f"llm_timeout:{r}" for r in LLM_ROLES]
    kinds += ["embedder_fails:add", "embedder_fails:add_triplets"]
    kinds += ["commit_lost_before_apply", "commit_lost_after_apply"]
    return kinds + (list(KILL_KINDS) if with_kills else [])


def run_faults(
    neo4j: Neo4jConfig, embedder: Embedder, rounds: int, killable: LocalNeo4j | None = None
) -> dict[str, Any]:
    """``rounds`` cases of every kind; SIGKILL kinds only with a server we own (``killable``)."""
    rig = _Rig(neo4j, embedder, killable)
    cases: list[Case] = []
    try:
        for _ in range(rounds):
            for kind in fault_kinds(killable is not None):
                cases.append(_one_case(rig, kind))
    finally:
        rig.close()
    per_kind: dict[str, Counter[str]] = {}
    for c in cases:
        row = per_kind.setdefault(c.kind, Counter())
        row["injected"] += c.fired
        row[f"state_{c.state}"] += 1
        row["retry_applied_once"] += c.retry_ok
        row["untyped_errors"] += not c.typed
        if c.error:
            row[f"raised {c.error}"] += 1
    return {
        "faults_injected": sum(c.fired for c in cases),
        "cases": len(cases),
        "partial_writes": sum(c.state == "partial" for c in cases),
        "retries_applied_once": sum(c.retry_ok for c in cases),
        "untyped_errors": sum(not c.typed for c in cases),
        "not_fired": sorted({c.kind for c in cases if not c.fired}),
        "per_kind": {k: dict(v) for k, v in per_kind.items()},
    }


def time_to_fail(repeats: int = 5, connect_timeout: float = 2.0) -> dict[str, Any]:
    """Seconds from GraphMemory(...) to its typed error, on a closed port and on a port that
    accepts connections but never answers (a hung or firewalled server)."""
    out: dict[str, Any] = {"connect_timeout_seconds": connect_timeout}
    silent = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    targets = {"refused": free_port(), "silent": silent.getsockname()[1]}
    try:
        for name, port in targets.items():
            seconds, errors = [], Counter[str]()
            for _ in range(repeats):
                config = GraphMemConfig(
                    neo4j=Neo4jConfig(
                        uri=f"bolt://127.0.0.1:{port}", connect_timeout_seconds=connect_timeout
                    )
                )
                start = time.perf_counter()
                try:
                    GraphMemory(config, llm=None, embedder=_NoEmbedder()).close()
                    errors["no error"] += 1
                except GraphMemError as exc:
                    errors[f"{type(exc).__name__} retryable={exc.is_retryable()}"] += 1
                except Exception as exc:  # reported as untyped
                    errors[f"untyped {type(exc).__name__}"] += 1
                seconds.append(time.perf_counter() - start)
            out[name] = {
                "p50_seconds": round(statistics.median(seconds), 2),
                "max_seconds": round(max(seconds), 2),
                "errors": dict(errors),
            }
    finally:
        stop.set()
        silent.close()
        for s in accepted:
            s.close()
    return out


class _NoEmbedder:
    dimensions = 384

    def embed(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError("never called: the connection fails first")
