"""A TCP proxy in front of a Neo4j Bolt port that breaks the next commit on demand.

For fault-injection tests of your application as much as of graphmem: point the driver at
``proxy.uri``, arm a fault, and the next COMMIT the proxy sees is lost in the chosen way:

- ``"drop_before"``: the COMMIT never reaches the server (the transaction rolls back), and the
  client's connection is closed while it waits for the answer;
- ``"drop_after"``: the server commits, its answer is swallowed and the connection closed, so
  the client cannot know the write landed (the driver's ``IncompleteCommit``);
- ``on_commit``: a callable run at that point (before the COMMIT is forwarded for
  ``"drop_before"``, after the server's answer for ``"drop_after"``), e.g. SIGKILL the server.

COMMIT is recognised by its Bolt chunk (size 2, struct marker 0xB0, signature 0x12, end marker);
that byte sequence inside a query parameter would be mistaken for one, which tests can avoid.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Callable
from typing import Literal

__all__ = ["BoltFaultProxy"]

_COMMIT = b"\x00\x02\xb0\x12\x00\x00"
Fault = Literal["drop_before", "drop_after"]


class BoltFaultProxy:
    """Forwards 127.0.0.1:<port> to a Bolt server; one armed fault fires on the next COMMIT."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._hook: Callable[[], None] | None = None
        self._marker = b""
        self.fired = 0  # faults fired so far
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def arm(
        self,
        fault: Fault,
        *,
        query_contains: str | None = None,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        """Break the next COMMIT (of a transaction that ran a query containing
        ``query_contains``, if given); ``on_commit`` runs just before the connection drops."""
        with self._lock:
            self._fault, self._hook = fault, on_commit
            self._marker = query_contains.encode() if query_contains else b""

    def disarm(self) -> None:
        with self._lock:
            self._fault, self._hook = None, None

    def start(self) -> BoltFaultProxy:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._listener.close()

    def __enter__(self) -> BoltFaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _take_fault(self, marked: bool) -> tuple[Fault, Callable[[], None] | None] | None:
        with self._lock:
            if self._fault is None or (self._marker and not marked):
                return None
            taken = (self._fault, self._hook)
            self._fault, self._hook = None, None
            self.fired += 1
            return taken

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self._target, timeout=10)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        try:
            self._pump(client, server)
        finally:
            client.close()
            server.close()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        marked = False  # this connection's open transaction ran the marked query
        while not self._closed.is_set():
            try:
                ready, _, _ = select.select([client, server], [], [], 0.5)
            except (OSError, ValueError):
                return
            for side in ready:
                try:
                    data = side.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                if side is server:
                    client.sendall(data)
                    continue
                marked = marked or bool(self._marker and self._marker in data)
                fault = self._take_fault(marked) if _COMMIT in data else None
                if _COMMIT in data:
                    marked = False
                if fault is None:
                    server.sendall(data)
                    continue
                kind, hook = fault
                if kind == "drop_after":
                    server.sendall(data)
                    try:
                        server.settimeout(10)
                        server.recv(65536)  # the server's answer: it committed
                    except OSError:
                        pass
                if hook is not None:
                    hook()
                return  # the client never hears an answer
