"""The Neo4j a bench runs against: NEO4J_URI when set, else a fresh local server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from graphmem.localserver import LocalNeo4j, Neo4jServer, find_or_start
from graphmem.localserver.finder import local_server


def bench_server(home: Path, memory: str) -> Neo4jServer:
    """The server at NEO4J_URI, or a new local one in ``home`` (emptied first) with ``memory``
    of heap and as much page cache."""
    if os.environ.get("NEO4J_URI"):
        return find_or_start()
    shutil.rmtree(home, ignore_errors=True)
    local = LocalNeo4j(home, heap=memory, pagecache=memory).start()
    return local_server(local, local.stop)
