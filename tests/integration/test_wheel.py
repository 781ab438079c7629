"""The wheel a user installs carries everything the package reads at run time (queries, jar
locks, the Maven POM, the demo's sample) and its ``graphmem demo`` works."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from graphmem.localserver import Neo4jServer
from graphmem.localserver.java_server import NEO4J_LTS_VERSION, NEO4J_VERSION
from tests.integration.cli_helpers import cli_env

ROOT = Path(__file__).resolve().parents[2]


def test_the_built_wheel_runs_the_demo(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    dist, site = tmp_path / "dist", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(dist), str(ROOT)], check=True)
    (wheel,) = dist.glob("graphmem-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "graphmem/cypher/queries/search.cypher",
        "graphmem/cypher/queries/cypher25/search.cypher",
        "graphmem/cypher/schema/0001_constraints.cypher",
        f"graphmem/localserver/locks/neo4j-{NEO4J_VERSION}.lock",
        f"graphmem/localserver/locks/neo4j-{NEO4J_LTS_VERSION}.lock",
        "graphmem/localserver/pom.xml",
        "graphmem/samples/alice.json",
    ):
        assert needed in names, needed

    # Installed apart from the source tree; its dependencies are this environment's.
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    env = cli_env(neo4j_server) | {"PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import graphmem; print(graphmem.__file__)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(site))
    demo = subprocess.run(
        [str(site / "bin" / "graphmem"), "demo"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert "UPDATE Alice works at Mount Sinai" in demo.stdout
    assert "3 Neo4j round trips" in demo.stdout
