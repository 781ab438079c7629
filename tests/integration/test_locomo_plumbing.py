"""The LoCoMo harness end to end on real Neo4j and MiniLM, with its plumbing script: ingest a
few sessions at their dates, answer, judge, and build the paper-shaped tables."""

import argparse

from bench.locomo.dataset import load
from bench.locomo.plumbing import plumbing_llm
from bench.locomo.run import ask, ingest, markdown, tables
from graphmem import GraphMemConfig, GraphMemory
from graphmem.ports import Embedder
from graphmem.structured import UsageMeter


def test_plumbing_runs_every_stage_and_says_it_is_not_a_score(
    config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    sample = load()[0]
    llm = plumbing_llm()
    args = argparse.Namespace(questions=4, limit=20, context_tokens=2000)
    with GraphMemory(config, llm=llm, embedder=minilm) as mem:
        got = ingest(mem, sample, uid, sessions=2)
        rows = ask(mem, llm, llm, sample, uid, args, UsageMeter())
        stored = mem.get_all(user_id=uid)
    pairs = sum((len(s.turns) + 1) // 2 for s in sample.sessions[:2])
    assert got["adds"] == pairs and got["failed_adds"] == 0 and got["llm_calls"] >= 2 * pairs
    # facts carry the session dates, not the time of the run
    assert {r.valid_at.date() for r in stored} <= {s.when.date() for s in sample.sessions[:2]}
    assert len(rows) == 4 and all(r["memory_tokens"] > 0 for r in rows)
    report = {
        "command": "test",
        "plumbing": True,
        "models": dict.fromkeys(("extraction", "answer", "judge"), "scripted"),
        "conversations": 1,
        "questions": len(rows),
        "ingest": got,
        **tables(rows),
    }
    assert "overall" in report["table1"]
    assert "PLUMBING RUN: scripted LLM replies, not a score" in markdown(report)
