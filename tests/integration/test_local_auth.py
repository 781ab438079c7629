"""The Neo4j that graphmem starts has a password only its user can read, listens on loopback
only, and takes over a home that an older graphmem started with authentication off."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from graphmem import GraphMemConfig, GraphMemory, Neo4jConfig, StoreError
from graphmem.localserver import LocalNeo4j
from graphmem.localserver.java_server import read_password
from graphmem.testing import HashingEmbedder


class _AuthOffNeo4j(LocalNeo4j):
    """How graphmem up to issue 10 started its server: no password at all."""

    def _write_conf(self) -> None:
        super()._write_conf()
        conf = self.home / "conf" / "neo4j.conf"
        conf.write_text(conf.read_text().replace("auth_enabled=true", "auth_enabled=false"))

    def _set_initial_password(self, java: str, lib: Path, password: str) -> None:
        pass


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_local_server_needs_its_generated_password(tmp_path: Path) -> None:
    home = tmp_path / "home"
    old = _AuthOffNeo4j(home, heap="512m", pagecache="64m")
    with old, GraphDatabase.driver(old.uri, auth=None) as driver:
        driver.execute_query("CREATE (:Kept {said: 'before the upgrade'})")
    password_file = old.password_file
    password_file.unlink()  # older graphmem never wrote one

    with LocalNeo4j(home, heap="512m", pagecache="64m") as server:
        password = read_password(home)
        assert password is not None and len(password) >= 24
        assert _mode(password_file) == 0o600 and _mode(home) == 0o700
        for auth in (None, ("neo4j", "neo4j"), ("neo4j", password + "x")):
            with GraphDatabase.driver(server.uri, auth=auth) as driver, pytest.raises(AuthError):
                driver.execute_query("MATCH (n:Kept) RETURN n.said AS said")
        with GraphDatabase.driver(server.uri, auth=server.auth) as driver:
            records, _, _ = driver.execute_query("MATCH (n:Kept) RETURN n.said AS said")
            assert [r["said"] for r in records] == ["before the upgrade"]
            records, _, _ = driver.execute_query(
                "SHOW SETTINGS YIELD name, value WHERE name ENDS WITH '.listen_address' "
                "RETURN name, value"
            )
        listening = {r["name"]: r["value"] for r in records}
        assert listening["server.bolt.listen_address"].startswith("127.0.0.1:")
        assert listening["server.http.listen_address"].startswith("127.0.0.1:")
        assert all(v.startswith("127.0.0.1") for v in listening.values()), listening
        assert "preselectAuthMethod" not in server.browser_url
        no_password = GraphMemConfig(neo4j=Neo4jConfig(uri=server.uri))
        with pytest.raises(StoreError, match=r"refused the credentials.*NEO4J_PASSWORD"):
            GraphMemory(no_password, llm=None, embedder=HashingEmbedder())

    with LocalNeo4j(home, heap="512m", pagecache="64m") as again:  # the same password, kept
        assert read_password(home) == password
        with GraphDatabase.driver(again.uri, auth=again.auth) as driver:
            driver.verify_connectivity()


def test_a_home_whose_password_is_unknown_is_a_clear_error(tmp_path: Path) -> None:
    from graphmem import LocalServerError

    home = tmp_path / "home"
    with LocalNeo4j(home, heap="512m", pagecache="64m"):
        pass
    (home / "conf" / "graphmem-password").write_text("not-the-password\n")
    with pytest.raises(LocalServerError, match=r"refuses the password in .*graphmem-password"):
        LocalNeo4j(home, heap="512m", pagecache="64m").start()
