"""The Neo4j Browser inspection kit: a guide built from cypher/browser/*.cypher and the GRASS
style, served on loopback so Browser can load them (`:play` and `:style` accept localhost
URLs by default)."""

from __future__ import annotations

import html
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graphmem.store.queries import Dialect, cypher_dir

__all__ = ["KitServer", "build_guide", "kit_dir", "saved_queries", "saved_query_files"]


def kit_dir() -> Path:
    return cypher_dir() / "browser"


def saved_query_files(dialect: Dialect = "5") -> list[Path]:
    """The saved queries in order; with dialect "25" (Neo4j 2026+), a query that has a
    variant in browser/cypher25/ (scope-filtered vector search) comes from there."""
    out = []
    for path in sorted(kit_dir().glob("[0-9][0-9]_*.cypher")):
        variant = path.parent / "cypher25" / path.name
        out.append(variant if dialect == "25" and variant.exists() else path)
    return out


def saved_queries(dialect: Dialect = "5") -> list[tuple[str, str, list[str], str]]:
    """(file name, title, :param lines, query) for every saved query, in file order."""
    out = []
    for path in saved_query_files(dialect):
        comments: list[str] = []
        params: list[str] = []
        body: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("// :param"):
                params.append(line.removeprefix("// "))
            elif line.startswith("//") and not body:
                comments.append(line.removeprefix("//").strip())
            else:
                body.append(line)
        out.append((path.name, " ".join(c for c in comments if c), params, "\n".join(body).strip()))
    return out


def build_guide(style_url: str, dialect: Dialect = "5") -> str:
    """A Neo4j Browser guide: one slide per saved query, each block runnable with a click."""
    slides = [
        "<slide class='row-fluid'><div class='col-sm-12'><h3>graphmem inspection kit</h3>"
        "<p>Load the style once (click, then run):</p>"
        f"<pre class='pre-scrollable code runnable'>:style {html.escape(style_url)}</pre>"
        "<p>Then set the parameters of a query and run it. Entities are coloured by type; a "
        "relation's caption is its name, and a retired fact's caption ends with ✗ and the date "
        "it stopped being true.</p></div></slide>"
    ]
    for name, title, params, query in saved_queries(dialect):
        blocks = "".join(
            f"<pre class='pre-scrollable code runnable'>{html.escape(p)}</pre>" for p in params
        )
        slides.append(
            f"<slide class='row-fluid'><div class='col-sm-12'><h3>{html.escape(name)}</h3>"
            f"<p>{html.escape(title)}</p>{blocks}"
            f"<pre class='pre-scrollable code runnable'>{html.escape(query)}</pre></div></slide>"
        )
    return (
        "<article class='guide'><carousel class='deck container-fluid'>"
        + "".join(slides)
        + "</carousel></article>"
    )


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        # Browser fetches cross-origin, with headers that make Chromium send a preflight.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, OPTIONS")
        super().end_headers()

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class KitServer:
    """Serves guide.html and graphmem.grass on 127.0.0.1 (a background thread)."""

    def __init__(self, root: Path, port: int = 0, dialect: Dialect = "5") -> None:
        (root / "graphmem.grass").write_text((kit_dir() / "graphmem.grass").read_text())
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", port), partial(_Handler, directory=str(root))
        )
        self._server.daemon_threads = True
        (root / "guide.html").write_text(build_guide(f"{self.base_url}/graphmem.grass", dialect))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        # "localhost", not 127.0.0.1: Browser's default remote-content allowlist names it.
        return f"http://localhost:{self._server.server_address[1]}"

    def start(self) -> KitServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
