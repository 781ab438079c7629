"""The README's main job, `graphmem demo`, run against the test server."""

from __future__ import annotations

import pytest

from graphmem.cli import main
from graphmem.localserver import Neo4jServer


def test_the_demo_remembers_the_sample_and_answers_from_it(
    neo4j_server: Neo4jServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    for name, value in neo4j_server.environ().items():
        monkeypatch.setenv(name, value)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    assert main(["demo"]) == 0
    assert main(["demo"]) == 0  # a rerun starts from a clean demo scope

    captured = capsys.readouterr().out
    assert captured.count("No LLM is configured") == 2  # says plainly it replays fixtures
    out = captured.split("REPLAYS")[-1]  # the second run's output
    assert "DELETE Alice lives in San Francisco" in out
    assert "UPDATE Alice works at Mount Sinai   (replaces: Alice works at UCSF)" in out
    held = out.split("What the memory holds now:")[1].split("No longer true")[0]
    assert "Alice lives in New York" in held and "San Francisco" not in held
    dinner = out.split("Search: What should I cook for Alice tonight?")[1].split("Search:")[0]
    assert "vegetarian" in dinner and "dairy" in dinner
    assert "3 Neo4j round trips" in out
    dense = out.split('as Mem0 memories (GraphMemConfig(variant="mem0"))')[1]
    assert (
        "UPDATE Alice moved to New York last month   (replaces: Alice lives in San Francisco)"
        in dense
    )
    assert "NOOP" not in dense and "Alice avoids dairy because it upsets her stomach" in dense
    assert "2 LLM calls, 3 Neo4j round trips" in dense  # the update turn: extraction + resolver
