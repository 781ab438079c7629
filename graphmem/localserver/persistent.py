"""A local Neo4j that outlives the command that started it (for the demo and Browser).

Its state (pid and ports) is kept in ``<home>/run/graphmem-server.json``; the next command
reuses the server while it answers. Stop it with ``graphmem server stop``."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

from graphmem.localserver.finder import Neo4jServer, local_server
from graphmem.localserver.java_server import (
    NEO4J_USER,
    LocalNeo4j,
    browser_url,
    cache_dir,
    free_port,
    password_file,
    read_password,
)

__all__ = ["default_home", "ensure_running", "stop"]


def default_home() -> Path:
    return cache_dir() / "server"


def _state_file(home: Path) -> Path:
    return home / "run" / "graphmem-server.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ensure_running(
    home: Path | None = None, bolt_port: int = 7687, http_port: int = 7474
) -> Neo4jServer:
    """The running server of ``home``, or a new one on the standard ports (if they are free)."""
    home = home or default_home()
    state = _state_file(home)
    if state.exists():
        info = json.loads(state.read_text())
        password = read_password(home)
        if _alive(int(info["pid"])) and password is not None:
            return Neo4jServer(
                uri=f"bolt://127.0.0.1:{info['bolt_port']}",
                kind="local",
                user=NEO4J_USER,
                password=password,
                browser_url=browser_url(info["http_port"], info["bolt_port"]),
                password_file=password_file(home),
            )
        if _alive(int(info["pid"])):  # started by an older graphmem, with auth off
            stop(home)
    server = LocalNeo4j(
        home,
        bolt_port=bolt_port if _port_free(bolt_port) else free_port(),
        http_port=http_port if _port_free(http_port) else free_port(),
        keep_tx_logs=True,
    )
    server.start()  # not stopped on exit: it keeps serving Browser
    return local_server(server)


def stop(home: Path | None = None, grace_seconds: float = 30.0) -> bool:
    """Stop the server of ``home``; False if none was running."""
    state = _state_file(home or default_home())
    if not state.exists():
        return False
    pid = int(json.loads(state.read_text())["pid"])
    state.unlink()
    if not _alive(pid):
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)
    return True
