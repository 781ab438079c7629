"""Neo4jStore: runs graphmem's Cypher files against one database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, LiteralString

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from graphmem.config import Neo4jConfig
from graphmem.effects import Statement
from graphmem.errors import SchemaError, StoreError
from graphmem.store.queries import Dialect, load_migrations, load_query, load_statements
from graphmem.store.server_info import ServerInfo

__all__ = ["CommitLostError", "Neo4jStore"]

Row = dict[str, Any]

_REBUILD_SECONDS = 3600.0

# Asked before the dialect is known (or the same in both).
_DIALECT_FREE = frozenset({"server_info", "vector_indexes", "schema_version", "schema_version_set"})


def as_row(record: neo4j.Record) -> Row:
    # Not record.data(): it walks every nested value looking for nodes to convert (~0.5 ms a
    # search), and graphmem's queries return maps, lists and scalars only.
    return dict(zip(record.keys(), record, strict=True))


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    """Driver exceptions as graphmem's typed errors (the async driver raises the same ones)."""
    try:
        yield
    except IncompleteCommit as exc:
        # Not retryable as it stands: the write may have landed. The caller decides.
        raise CommitLostError(f"{what}: the connection died while committing ({exc})") from exc
    except (ServiceUnavailable, SessionExpired) as exc:
        raise StoreError(
            f"{what}: Neo4j is unreachable ({exc}); check that the server runs and that "
            "the URI (NEO4J_URI) points at it. Nothing was written; the call is safe to retry",
            retryable=True,
        ) from exc
    except AuthError as exc:
        raise StoreError(
            f"{what}: Neo4j refused the credentials ({exc.code}: {exc.message}); set "
            "neo4j.user / neo4j.password (NEO4J_USER / NEO4J_PASSWORD). graphmem's local "
            "server keeps its password in <home>/conf/graphmem-password",
            code=exc.code,
        ) from exc
    except Neo4jError as exc:
        raise StoreError(
            f"{what}: {exc.code}: {exc.message}", retryable=exc.is_retryable(), code=exc.code
        ) from exc
    except DriverError as exc:
        raise StoreError(f"{what}: {exc}") from exc


class Neo4jStore:
    """Thin, typed access to the queries in cypher/. Counts round trips (``queries_run``)."""

    def __init__(self, driver: neo4j.Driver, database: str | None = None) -> None:
        self._driver = driver
        self._database = database
        self.queries_run = 0
        self._server: ServerInfo | None = None
        self._dialect: Dialect | None = None

    @classmethod
    def connect(cls, config: Neo4jConfig) -> Neo4jStore:
        return cls(GraphDatabase.driver(config.uri, **driver_options(config)), config.database)

    def verify(self) -> None:
        """Fail fast, with a retryable StoreError, when the server does not answer.

        One attempt, no retry loop: a wrong URI or a stopped server is known within the
        connect timeout instead of after the whole retry budget."""
        with store_errors("connecting"):
            self._driver.verify_connectivity()

    def close(self) -> None:
        self._driver.close()

    @property
    def server(self) -> ServerInfo:
        """The server's version and capabilities (asked once, then kept)."""
        if self._server is None:
            row = self._run_text("server_info", load_query("server_info"), {}, RoutingControl.READ)
            self._server = server_info(row[0])
        return self._server

    @property
    def dialect(self) -> Dialect:
        """ "25" when the server filters vector lookups by scope inside the index, else "5"."""
        if self._dialect is None:
            indexes = self._read("vector_indexes", {}) if self.server.filtered_vector_search else []
            self._dialect = dialect_of(indexes)
        return self._dialect

    # -- plumbing ---------------------------------------------------------------------------

    def _read(self, name: str, params: Mapping[str, Any]) -> list[Row]:
        """One auto-commit read; on a failure worth retrying, the retried managed transaction.

        A managed transaction adds a COMMIT round trip and the retry machinery to every read
        (search p50 7.8 -> 6.9 ms at a 1k-fact scope, measured); a read is safe to run twice."""
        query = load_query(name) if name in _DIALECT_FREE else load_query(name, self.dialect)
        try:
            with self._driver.session(
                database=self._database,
                default_access_mode=neo4j.READ_ACCESS,
                # Reads see this driver's earlier writes, as execute_query's reads do.
                bookmark_manager=self._driver.execute_query_bookmark_manager,
            ) as session:
                self.queries_run += 1
                return [as_row(record) for record in session.run(query, dict(params))]
        except (ServiceUnavailable, SessionExpired):
            pass
        except (Neo4jError, DriverError) as exc:
            if not (isinstance(exc, Neo4jError) and exc.is_retryable()):
                with store_errors(name):
                    raise
        return self._run_text(name, query, params, RoutingControl.READ)

    def _write(self, name: str, params: Mapping[str, Any]) -> list[Row]:
        """One statement in one managed write transaction (retried on transient errors)."""
        return self._run(name, params, RoutingControl.WRITE)

    def _run(self, name: str, params: Mapping[str, Any], routing: RoutingControl) -> list[Row]:
        query = load_query(name) if name in _DIALECT_FREE else load_query(name, self.dialect)
        return self._run_text(name, query, params, routing)

    def _run_text(
        self, name: str, query: LiteralString, params: Mapping[str, Any], routing: RoutingControl
    ) -> list[Row]:
        with store_errors(name):
            self.queries_run += 1
            records, _, _ = self._driver.execute_query(
                query, dict(params), routing_=routing, database_=self._database
            )
        return [as_row(record) for record in records]

    # -- schema ---------------------------------------------------------------------------

    def migrate(self, dimensions: int) -> int:
        """Apply the numbered schema migrations not yet applied; return the schema version.

        Every statement is idempotent, so running this twice, or from two processes, is safe."""
        current = int(self._read("schema_version", {})[0]["version"])
        latest = current
        with store_errors("schema migration"):
            for version, _name, statements in load_migrations():
                if version <= current:
                    continue
                for statement in statements:
                    self.queries_run += 1
                    self._driver.execute_query(
                        statement, {"dimensions": dimensions}, database_=self._database
                    )
                latest = version
        if latest != current:
            self._write("schema_version_set", {"version": latest})
        self._check_dimensions(dimensions)
        self._filter_vector_indexes(dimensions)
        return latest

    def _filter_vector_indexes(self, dimensions: int) -> None:
        """On a server that can, rebuild vector indexes that lack scope_key with it.

        Not a numbered migration: the same database may move between 5.26 and 2026."""
        self._dialect = None
        if not self.server.filtered_vector_search or self.dialect == "25":
            return
        # Only the indexes without scope_key are rebuilt: a migration adding one index to a
        # database already filtered must not rebuild the others (minutes at a million vectors).
        unfiltered = [
            row["name"]
            for row in self._read("vector_indexes", {})
            if "scope_key" not in (row["properties"] or ())
        ]
        with store_errors("schema migration (filtered vector indexes)"):
            for statement in load_statements("cypher25/filtered_vector_indexes"):
                if not any(f"INDEX {name} " in statement for name in unfiltered):
                    continue
                self.queries_run += 1
                self._driver.execute_query(
                    statement, {"dimensions": dimensions}, database_=self._database
                )
        # A vector index that is still populating refuses queries: be ready before returning
        # (rebuilding 1M vectors takes minutes; a fresh database's are empty).
        self.await_indexes(_REBUILD_SECONDS)
        self._dialect = None

    def _check_dimensions(self, dimensions: int) -> None:
        for row in self._read("vector_indexes", {}):
            if row["dimensions"] is not None and int(row["dimensions"]) != dimensions:
                raise SchemaError(
                    f"vector index {row['name']!r} holds {row['dimensions']}-dimensional "
                    f"embeddings but the embedder makes {dimensions}: use the embedder the "
                    "database was built with, or a separate database for the new one"
                )

    def await_indexes(self, timeout_seconds: float = 120.0) -> None:
        with store_errors("awaiting indexes"):
            self.queries_run += 1
            self._driver.execute_query(
                "CALL db.awaitIndexes($timeout)",
                {"timeout": int(timeout_seconds)},
                database_=self._database,
            )

    # -- the statements of graphmem.store.statements ----------------------------------------

    def run(self, statement: Statement) -> Any:
        """Run one statement; its answer has the statement's shape (rows, a row or None)."""
        if statement.mode == "read":
            found = self._read(statement.name, statement.params)
        elif statement.mode == "write":
            found = self._write(statement.name, statement.params)
        else:
            found = self._auto_commit(statement.name, statement.params)
        return shaped(statement, found)

    def _auto_commit(self, name: str, params: Mapping[str, Any]) -> list[Row]:
        with store_errors(name), self._driver.session(database=self._database) as session:
            self.queries_run += 1
            return [as_row(record) for record in session.run(load_query(name), dict(params))]


def driver_options(config: Neo4jConfig) -> dict[str, Any]:
    """The driver settings both stores use."""
    auth = None
    if config.password is not None:
        auth = (config.user, config.password.get_secret_value())
    return {
        "auth": auth,
        "notifications_min_severity": "OFF",
        "connection_timeout": config.connect_timeout_seconds,
        "connection_acquisition_timeout": config.connect_timeout_seconds * 2,
        "max_transaction_retry_time": config.retry_seconds,
    }


def shaped(statement: Statement, rows: list[Row]) -> Any:
    if statement.shape == "rows":
        return rows
    if statement.shape == "optional":
        return rows[0] if rows else None
    return rows[0]


def server_info(row: Mapping[str, Any]) -> ServerInfo:
    return ServerInfo(
        version=str(row["version"]),
        edition=str(row["edition"]),
        cypher_versions=tuple(str(v) for v in row["cypher"]),
    )


def dialect_of(vector_indexes: list[Row]) -> Dialect:
    """ "25" when every vector index is filtered by scope (Neo4j 2026+ in-index filtering)."""
    filtered = bool(vector_indexes) and all(
        "scope_key" in (row["properties"] or ()) for row in vector_indexes
    )
    return "25" if filtered else "5"


class CommitLostError(StoreError):
    """A commit's acknowledgement was lost; GraphMemory resolves it by idempotency key."""
