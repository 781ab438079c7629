"""What the connected Neo4j can do, learned once per connection (``dbms.components()``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ServerInfo"]


@dataclass(frozen=True)
class ServerInfo:
    version: str  # "5.26.31", "2026.09.0"
    edition: str  # "community", "enterprise"
    cypher_versions: tuple[str, ...]  # ("5",) or ("5", "25")

    @property
    def release(self) -> tuple[int, int]:
        """(major, minor): (5, 26), (2026, 9); (0, 0) when the version cannot be read."""
        found = re.match(r"(\d+)\.(\d+)", self.version)
        return (int(found.group(1)), int(found.group(2))) if found else (0, 0)

    @property
    def filtered_vector_search(self) -> bool:
        """Vector indexes with extra properties and ``SEARCH ... WHERE``: Neo4j 2026.01+."""
        return "25" in self.cypher_versions and self.release >= (2026, 1)

    def describe(self) -> str:
        return f"Neo4j {self.version} {self.edition.capitalize()}"
