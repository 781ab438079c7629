"""A real Neo4j for tests, demos and notebooks, found or started in this order:

1. ``NEO4J_URI`` (with ``NEO4J_USER`` / ``NEO4J_PASSWORD``) set: use that server, touch nothing.
2. A Docker engine answers: a pinned ``neo4j:5.26-community`` container via testcontainers.
3. Otherwise: Neo4j Community 5.26 assembled from Maven Central jars and started with ``java``.
"""

from graphmem.localserver.finder import Neo4jServer, find_or_start
from graphmem.localserver.java_server import NEO4J_VERSION, LocalNeo4j

__all__ = ["NEO4J_VERSION", "LocalNeo4j", "Neo4jServer", "find_or_start"]
