"""Find a Neo4j server, or start one: NEO4J_URI, then testcontainers, then local java."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graphmem.config import Neo4jConfig
from graphmem.errors import LocalServerError
from graphmem.localserver.java_server import LocalNeo4j

__all__ = ["DOCKER_IMAGE", "Neo4jServer", "find_or_start", "local_server"]

DOCKER_IMAGE = "neo4j:5.26-community"


@dataclass
class Neo4jServer:
    uri: str
    kind: str  # "env", "testcontainers" or "local"
    user: str = "neo4j"
    password: str | None = None
    browser_url: str | None = None
    password_file: Path | None = None  # a local server's generated password (mode 0600)
    _stop: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def auth(self) -> tuple[str, str] | None:
        """For ``GraphDatabase.driver(server.uri, auth=server.auth)``."""
        return (self.user, self.password) if self.password else None

    def environ(self) -> dict[str, str]:
        """NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD, for a notebook or a child process."""
        env = {"NEO4J_URI": self.uri, "NEO4J_USER": self.user}
        if self.password:
            env["NEO4J_PASSWORD"] = self.password
        return env

    def login_hint(self) -> str:
        """How a person logs in to this server (in Browser, say), without printing a secret."""
        if self.password_file is not None:
            return f"log in as {self.user}, password in {self.password_file}"
        if self.password:
            return f"log in as {self.user} with NEO4J_PASSWORD"
        return "no login needed"

    def config(self) -> Neo4jConfig:
        return Neo4jConfig.model_validate(
            {"uri": self.uri, "user": self.user, "password": self.password}
        )

    def stop(self) -> None:
        """Stop what we started; a server given by NEO4J_URI is left alone."""
        if self._stop is not None:
            self._stop()
            self._stop = None

    def __enter__(self) -> Neo4jServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def find_or_start(
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    use_docker: bool = True,
) -> Neo4jServer:
    """A running Neo4j. ``home`` keeps a local server's data (default: a temporary folder)."""
    env = os.environ if environ is None else environ
    uri = env.get("NEO4J_URI")
    if uri:
        return Neo4jServer(
            uri=uri,
            kind="env",
            user=env.get("NEO4J_USER") or env.get("NEO4J_USERNAME") or "neo4j",
            password=env.get("NEO4J_PASSWORD") or None,
        )
    if use_docker and _docker_answers(env):
        return _start_container()
    return _start_local(home)


def _docker_answers(environ: Mapping[str, str]) -> bool:
    """True when a Docker engine answers GET /_ping (a client alone is not enough)."""
    host = environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        if host.startswith("unix://"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: str | tuple[str, int] = host.removeprefix("unix://")
        elif host.startswith("tcp://"):
            name, _, port = host.removeprefix("tcp://").partition(":")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (name, int(port or 2375))
        else:
            return False
        with sock:
            sock.settimeout(3)
            sock.connect(address)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b" 200 " in sock.recv(64)
    except (OSError, ValueError):
        return False


def _start_container() -> Neo4jServer:
    from testcontainers.community.neo4j import Neo4jContainer

    container = Neo4jContainer(DOCKER_IMAGE, password="graphmem-test")
    container.start()
    http = container.get_exposed_port(7474)
    return Neo4jServer(
        uri=container.get_connection_url(),
        kind="testcontainers",
        user="neo4j",
        password="graphmem-test",
        browser_url=f"http://127.0.0.1:{http}/browser/",
        _stop=container.stop,
    )


def _start_local(home: Path | None) -> Neo4jServer:
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="graphmem-neo4j-")
        home = Path(tmp.name)
    server = LocalNeo4j(home)
    try:
        server.start()
    except LocalServerError:
        if tmp is not None:
            tmp.cleanup()
        raise

    def stop() -> None:
        server.stop()
        if tmp is not None:
            tmp.cleanup()

    return local_server(server, stop=stop)


def local_server(server: LocalNeo4j, stop: Callable[[], None] | None = None) -> Neo4jServer:
    """The Neo4jServer of a started LocalNeo4j (its password read from its home)."""
    return Neo4jServer(
        uri=server.uri,
        kind="local",
        user=server.user,
        password=server.password,
        browser_url=server.browser_url,
        password_file=server.password_file,
        _stop=stop,
    )
