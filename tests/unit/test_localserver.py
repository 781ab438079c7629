from pathlib import Path

import pytest

from graphmem import LocalServerError
from graphmem.localserver import LocalNeo4j, find_or_start
from graphmem.localserver.java_server import install_jars


def test_missing_java_or_maven_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither java nor mvn on it
    monkeypatch.setenv("GRAPHMEM_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(LocalServerError, match=r"mvn is not installed.*NEO4J_URI"):
        install_jars()
    with pytest.raises(LocalServerError, match=r"java is not installed.*NEO4J_URI"):
        LocalNeo4j(tmp_path / "home").start()


def test_neo4j_uri_wins_and_is_never_stopped_by_us() -> None:
    server = find_or_start(
        environ={
            "NEO4J_URI": "neo4j+s://db.example.invalid",
            "NEO4J_USER": "me",
            "NEO4J_PASSWORD": "pw",
        }
    )
    assert (server.kind, server.uri, server.user, server.password) == (
        "env",
        "neo4j+s://db.example.invalid",
        "me",
        "pw",
    )
    server.stop()  # a no-op for a server we did not start
    assert server.config().password is not None
