"""The notebooks run top to bottom against the test Neo4j, as a user would run them."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from graphmem.localserver import Neo4jServer

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXPECTED = {
    "01_quickstart.ipynb": ["REPLAYING", "DELETE Alice lives in San Francisco", "vegetarian"],
    "02_exploring_memory.ipynb": ["ever recorded", "until 2026-06-15", "San Francisco"],
    "03_locomo_conversation.ipynb": ["Caroline and Melanie", "turns ->", "Q:"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_top_to_bottom(
    name: str, neo4j_server: Neo4jServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit without outputs"

    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    for var, value in neo4j_server.environ().items():
        monkeypatch.setenv(var, value)
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell

    text = "\n".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
        for cell in code
        for out in cell.outputs
    )
    for needle in EXPECTED[name]:
        assert needle in text, f"{name}: {needle!r} not in its output"
