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
from graphmem.errors import SchemaError, StoreError
from graphmem.store.queries import Dialect, load_migrations, load_query, load_statements
from graphmem.store.server_info import ServerInfo

__all__ = ["CommitLostError", "Neo4jStore"]

Row = dict[str, Any]

_REBUILD_SECONDS = 3600.0

# Asked before the dialect is known (or the same in both).
_DIALECT_FREE = frozenset({"server_info", "vector_indexes", "schema_version", "schema_version_set"})


def _row(record: neo4j.Record) -> Row:
    # Not record.data(): it walks every nested value looking for nodes to convert (~0.5 ms a
    # search), and graphmem's queries return maps, lists and scalars only.
    return dict(zip(record.keys(), record, strict=True))


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
        auth = None
        if config.password is not None:
            auth = (config.user, config.password.get_secret_value())
        driver = GraphDatabase.driver(
            config.uri,
            auth=auth,
            notifications_min_severity="OFF",
            connection_timeout=config.connect_timeout_seconds,
            connection_acquisition_timeout=config.connect_timeout_seconds * 2,
            max_transaction_retry_time=config.retry_seconds,
        )
        return cls(driver, config.database)

    def verify(self) -> None:
        """Fail fast, with a retryable StoreError, when the server does not answer.

        One attempt, no retry loop: a wrong URI or a stopped server is known within the
        connect timeout instead of after the whole retry budget."""
        with self._errors("connecting"):
            self._driver.verify_connectivity()

    def close(self) -> None:
        self._driver.close()

    @property
    def server(self) -> ServerInfo:
        """The server's version and capabilities (asked once, then kept)."""
        if self._server is None:
            row = self._run_text("server_info", load_query("server_info"), {}, RoutingControl.READ)
            self._server = ServerInfo(
                version=str(row[0]["version"]),
                edition=str(row[0]["edition"]),
                cypher_versions=tuple(str(v) for v in row[0]["cypher"]),
            )
        return self._server

    @property
    def dialect(self) -> Dialect:
        """ "25" when the server filters vector lookups by scope inside the index, else "5"."""
        if self._dialect is None:
            indexes = self._read("vector_indexes", {}) if self.server.filtered_vector_search else []
            filtered = bool(indexes) and all(
                "scope_key" in (row["properties"] or ()) for row in indexes
            )
            self._dialect = "25" if filtered else "5"
        return self._dialect

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
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
                return [_row(record) for record in session.run(query, dict(params))]
        except (ServiceUnavailable, SessionExpired):
            pass
        except (Neo4jError, DriverError) as exc:
            if not (isinstance(exc, Neo4jError) and exc.is_retryable()):
                with self._errors(name):
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
        with self._errors(name):
            self.queries_run += 1
            records, _, _ = self._driver.execute_query(
                query, dict(params), routing_=routing, database_=self._database
            )
        return [_row(record) for record in records]

    # -- schema ---------------------------------------------------------------------------

    def migrate(self, dimensions: int) -> int:
        """Apply the numbered schema migrations not yet applied; return the schema version.

        Every statement is idempotent, so running this twice, or from two processes, is safe."""
        current = int(self._read("schema_version", {})[0]["version"])
        latest = current
        with self._errors("schema migration"):
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
        with self._errors("schema migration (filtered vector indexes)"):
            for statement in load_statements("cypher25/filtered_vector_indexes"):
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
        with self._errors("awaiting indexes"):
            self.queries_run += 1
            self._driver.execute_query(
                "CALL db.awaitIndexes($timeout)",
                {"timeout": int(timeout_seconds)},
                database_=self._database,
            )

    # -- the add path ---------------------------------------------------------------------

    def load_context(self, scope_key: str, messages: int) -> Row:
        return self._read("load_context", {"scope_key": scope_key, "messages": messages})[0]

    def summary_context(self, scope_key: str, max_messages: int) -> list[Row]:
        return self._read("summary_context", {"scope_key": scope_key, "max_messages": max_messages})

    def set_summary(self, scope_key: str, text: str, summarized_count: int, now: Any) -> bool:
        rows = self._write(
            "set_summary",
            {
                "scope_key": scope_key,
                "text": text,
                "summarized_count": summarized_count,
                "now": now,
            },
        )
        return bool(rows[0]["updated"])

    def resolve_entities(self, params: Mapping[str, Any]) -> Row:
        return self._read("resolve_entities", params)[0]

    def apply_plan(self, params: Mapping[str, Any]) -> Row:
        """Write one add's plan. Raises ``CommitLostError`` when the outcome is unknown."""
        return self._write("apply_plan", params)[0]

    def find_episode(self, scope_key: str, idempotency_key: str) -> Row | None:
        """What the add with this idempotency key stored, or None if it stored nothing."""
        rows = self._read(
            "episode_outcome", {"scope_key": scope_key, "idempotency_key": idempotency_key}
        )
        return rows[0] if rows else None

    # -- reads ----------------------------------------------------------------------------

    def search(self, params: Mapping[str, Any]) -> Row:
        return self._read("search", params)[0]

    def list_facts(self, params: Mapping[str, Any]) -> list[Row]:
        return self._read("list_facts", params)

    def export_scope(self, scope_key: str, include_invalid: bool) -> Row:
        return self._read(
            "export_scope", {"scope_key": scope_key, "include_invalid": include_invalid}
        )[0]

    # -- deletes --------------------------------------------------------------------------

    def delete_fact(self, scope_key: str, fact_id: str, erase_episodes: bool, now: Any) -> Row:
        return self._write(
            "delete_fact",
            {
                "scope_key": scope_key,
                "fact_id": fact_id,
                "erase_episodes": erase_episodes,
                "now": now,
            },
        )[0]

    def scopes_holding(
        self, user_id: str | None, agent_id: str | None, run_id: str | None
    ) -> list[Row]:
        return self._read(
            "scopes_holding", {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}
        )

    def delete_scope(self, scope_key: str) -> int:
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction.
        with self._errors("delete_scope"), self._driver.session(database=self._database) as s:
            self.queries_run += 1
            record = s.run(load_query("delete_scope"), {"scope_key": scope_key}).single()
        return int(record["deleted"]) if record else 0


class CommitLostError(StoreError):
    """A commit's acknowledgement was lost; GraphMemory resolves it by idempotency key."""
