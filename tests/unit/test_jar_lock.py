"""The Maven-free jar download: lock files, names, and the hash check."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graphmem.errors import LocalServerError
from graphmem.localserver.jar_lock import LockedJar, fetch, read_lock
from graphmem.localserver.java_server import NEO4J_LTS_VERSION, NEO4J_VERSION


@pytest.mark.parametrize("version", [NEO4J_VERSION, NEO4J_LTS_VERSION])
def test_every_supported_version_has_a_lock(version: str) -> None:
    jars = read_lock(version)
    assert jars is not None and len(jars) > 200
    names = {j.file_name for j in jars}
    assert f"org.neo4j.app.neo4j-server-{version}.jar" in names
    assert any(n.startswith("org.neo4j.client.neo4j-browser-") for n in names)
    assert all(len(j.sha1) == 40 for j in jars)


def test_names_and_urls_follow_maven() -> None:
    jar = LockedJar("io.netty", "netty-transport-native-epoll", "4.1", "linux-x86_64", "0" * 40)
    assert jar.file_name == "io.netty.netty-transport-native-epoll-4.1-linux-x86_64.jar"
    assert jar.url("https://repo/") == (
        "https://repo/io/netty/netty-transport-native-epoll/4.1/"
        "netty-transport-native-epoll-4.1-linux-x86_64.jar"
    )
    assert read_lock("0.0.0") is None  # no lock: Maven resolves it


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "repo"
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_fetch_checks_every_hash(repository: tuple[str, Path], tmp_path: Path) -> None:
    url, root = repository
    good, bad = b"jar bytes", b"tampered"
    (root / "org/example/a/1.0").mkdir(parents=True)
    (root / "org/example/a/1.0/a-1.0.jar").write_bytes(good)
    (root / "org/example/b/2.0").mkdir(parents=True)
    (root / "org/example/b/2.0/b-2.0.jar").write_bytes(bad)
    a = LockedJar("org.example", "a", "1.0", None, hashlib.sha1(good).hexdigest())
    b = LockedJar("org.example", "b", "2.0", None, hashlib.sha1(good).hexdigest())
    lib = tmp_path / "lib"
    fetch([a], lib, url)
    assert (lib / "org.example.a-1.0.jar").read_bytes() == good
    with pytest.raises(LocalServerError, match="the lock says"):
        fetch([a, b], lib, url)
    assert not (lib / "org.example.b-2.0.jar").exists()  # a bad jar is never kept
    with pytest.raises(LocalServerError, match="GRAPHMEM_MAVEN_REPOSITORY"):
        fetch([LockedJar("org.example", "c", "3.0", None, "0" * 40)], lib, url)
