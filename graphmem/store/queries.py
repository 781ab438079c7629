"""Loads the Cypher files shipped with graphmem.

Queries come only from these files, so the text sent to Neo4j is always ours; every value
(including anything an LLM or a user wrote) travels as a parameter.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal, LiteralString, cast

__all__ = ["Dialect", "cypher_dir", "load_migrations", "load_query", "load_statements"]

# "5": every query in cypher/queries, runs on Neo4j 5.26 and later.
# "25": Neo4j 2026+ with scope-filtered vector indexes; a query with a variant in
# cypher/queries/cypher25/ uses it (in-index filtered SEARCH), the others are shared.
Dialect = Literal["5", "25"]

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
def load_query(name: str, dialect: Dialect = "5") -> LiteralString:
    path = cypher_dir() / "queries" / f"{name}.cypher"
    if dialect == "25" and (variant := path.parent / "cypher25" / path.name).exists():
        path = variant
    text = path.read_text(encoding="utf-8")
    # The one place a str becomes a query: it is a file we ship, never input.
    return cast(LiteralString, text)  # type: ignore[redundant-cast]  # (mypy: LiteralString is str)


@cache
def load_migrations() -> tuple[tuple[int, str, tuple[LiteralString, ...]], ...]:
    """(version, file name, statements) for every schema/NNNN_*.cypher, in order."""
    out = []
    for path in sorted((cypher_dir() / "schema").glob("[0-9][0-9][0-9][0-9]_*.cypher")):
        out.append((int(path.name[:4]), path.name, _statements(path)))
    return tuple(out)


@cache
def load_statements(name: str) -> tuple[LiteralString, ...]:
    """The statements of a schema file outside the numbered sequence, e.g.
    ``cypher25/filtered_vector_indexes``."""
    return _statements(cypher_dir() / "schema" / f"{name}.cypher")


def _statements(path: Path) -> tuple[LiteralString, ...]:
    return tuple(
        cast(LiteralString, s.strip())
        for s in _STATEMENT_END.split(path.read_text(encoding="utf-8"))
        if _strip_comments(s)
    )


def _strip_comments(statement: str) -> str:
    return "\n".join(
        line for line in statement.splitlines() if not line.strip().startswith("//")
    ).strip()
