"""Loads the Cypher files shipped with graphmem.

Queries come only from these files, so the text sent to Neo4j is always ours; every value
(including anything an LLM or a user wrote) travels as a parameter.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import LiteralString, cast

__all__ = ["cypher_dir", "load_migrations", "load_query"]

_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)


@cache
def cypher_dir() -> Path:
    """graphmem/cypher in an installed wheel; the repository's cypher/ in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "cypher", package.parent / "cypher"):
        if (candidate / "queries").is_dir():
            return candidate
    raise FileNotFoundError(f"graphmem's cypher/ folder is missing (looked beside {package})")


@cache
def load_query(name: str) -> LiteralString:
    text = (cypher_dir() / "queries" / f"{name}.cypher").read_text(encoding="utf-8")
    # The one place a str becomes a query: it is a file we ship, never input.
    return cast(LiteralString, text)  # type: ignore[redundant-cast]  # (mypy: LiteralString is str)


@cache
def load_migrations() -> tuple[tuple[int, str, tuple[LiteralString, ...]], ...]:
    """(version, file name, statements) for every schema/NNNN_*.cypher, in order."""
    out = []
    for path in sorted((cypher_dir() / "schema").glob("[0-9][0-9][0-9][0-9]_*.cypher")):
        version = int(path.name[:4])
        statements = tuple(
            cast(LiteralString, s.strip())
            for s in _STATEMENT_END.split(path.read_text(encoding="utf-8"))
            if _strip_comments(s)
        )
        out.append((version, path.name, statements))
    return tuple(out)


def _strip_comments(statement: str) -> str:
    return "\n".join(
        line for line in statement.splitlines() if not line.strip().startswith("//")
    ).strip()
