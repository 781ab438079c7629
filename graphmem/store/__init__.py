"""Neo4j persistence: the only package that imports the neo4j driver."""

from graphmem.store.async_neo4j_store import AsyncNeo4jStore
from graphmem.store.neo4j_store import CommitLostError, Neo4jStore

__all__ = ["AsyncNeo4jStore", "CommitLostError", "Neo4jStore"]
