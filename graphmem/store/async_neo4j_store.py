"""AsyncNeo4jStore: graphmem's statements on the neo4j async driver (for AsyncGraphMemory)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, LiteralString

import neo4j
from neo4j import AsyncGraphDatabase, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from graphmem.config import Neo4jConfig
from graphmem.effects import Statement
from graphmem.errors import ConfigurationError
from graphmem.store.neo4j_store import (
    _DIALECT_FREE,
    Neo4jStore,
    Row,
    as_row,
    dialect_of,
    driver_options,
    server_info,
    shaped,
    store_errors,
)
from graphmem.store.queries import Dialect, load_query
from graphmem.store.server_info import ServerInfo

__all__ = ["AsyncNeo4jStore"]


class AsyncNeo4jStore:
    """The same statements and error mapping as :class:`Neo4jStore`, awaited.

    Schema migrations are rare and run once per process: ``migrate`` runs Neo4jStore's on a
    worker thread (with a short-lived blocking driver) rather than keeping a second copy."""

    def __init__(
        self,
        driver: neo4j.AsyncDriver,
        database: str | None = None,
        config: Neo4jConfig | None = None,
    ) -> None:
        self._driver = driver
        self._database = database
        self._config = config
        self.queries_run = 0
        self._server: ServerInfo | None = None
        self._dialect: Dialect | None = None

    @classmethod
    def connect(cls, config: Neo4jConfig) -> AsyncNeo4jStore:
        driver = AsyncGraphDatabase.driver(config.uri, **driver_options(config))
        return cls(driver, config.database, config)

    async def verify(self) -> None:
        with store_errors("connecting"):
            await self._driver.verify_connectivity()

    async def close(self) -> None:
        await self._driver.close()

    async def migrate(self, dimensions: int) -> int:
        if self._config is None:
            raise ConfigurationError(
                "this AsyncNeo4jStore was built from a driver: migrate with "
                "Neo4jStore(...).migrate(dimensions), or create it with AsyncNeo4jStore.connect"
            )
        config = self._config

        def migrate() -> int:
            store = Neo4jStore.connect(config)
            try:
                return store.migrate(dimensions)
            finally:
                store.close()

        version = await asyncio.to_thread(migrate)
        self._dialect = None  # the migration may have rebuilt the vector indexes
        return version

    async def server(self) -> ServerInfo:
        if self._server is None:
            rows = await self._execute("server_info", load_query("server_info"), {})
            self._server = server_info(rows[0])
        return self._server

    async def dialect(self) -> Dialect:
        if self._dialect is None:
            filtered = (await self.server()).filtered_vector_search
            indexes = await self._read("vector_indexes", {}) if filtered else []
            self._dialect = dialect_of(indexes)
        return self._dialect

    async def run(self, statement: Statement) -> Any:
        if statement.mode == "read":
            found = await self._read(statement.name, statement.params)
        elif statement.mode == "write":
            query = await self._query(statement.name)
            found = await self._execute(
                statement.name, query, statement.params, RoutingControl.WRITE
            )
        else:
            found = await self._auto_commit(statement.name, statement.params)
        return shaped(statement, found)

    async def _query(self, name: str) -> LiteralString:
        return load_query(name) if name in _DIALECT_FREE else load_query(name, await self.dialect())

    async def _read(self, name: str, params: Mapping[str, Any]) -> list[Row]:
        """An auto-commit read; on a failure worth retrying, the retried managed transaction
        (as Neo4jStore._read)."""
        query = await self._query(name)
        try:
            async with self._driver.session(
                database=self._database,
                default_access_mode=neo4j.READ_ACCESS,
                bookmark_manager=self._driver.execute_query_bookmark_manager,
            ) as session:
                self.queries_run += 1
                result = await session.run(query, dict(params))
                return [as_row(r) async for r in result]
        except (ServiceUnavailable, SessionExpired):
            pass
        except (Neo4jError, DriverError) as exc:
            if not (isinstance(exc, Neo4jError) and exc.is_retryable()):
                with store_errors(name):
                    raise
        return await self._execute(name, query, params)

    async def _execute(
        self,
        name: str,
        query: LiteralString,
        params: Mapping[str, Any],
        routing: RoutingControl = RoutingControl.READ,
    ) -> list[Row]:
        with store_errors(name):
            self.queries_run += 1
            records, _, _ = await self._driver.execute_query(
                query, dict(params), routing_=routing, database_=self._database
            )
        return [as_row(r) for r in records]

    async def _auto_commit(self, name: str, params: Mapping[str, Any]) -> list[Row]:
        with store_errors(name):
            async with self._driver.session(database=self._database) as session:
                self.queries_run += 1
                result = await session.run(load_query(name), dict(params))
                return [as_row(r) async for r in result]
