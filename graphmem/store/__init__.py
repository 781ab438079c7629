"""Neo4j persistence: the only package that imports the neo4j driver."""

from graphmem.store.neo4j_store import CommitLostError, Neo4jStore

__all__ = ["CommitLostError", "Neo4jStore"]
