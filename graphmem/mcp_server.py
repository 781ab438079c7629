"""graphmem as Model Context Protocol tools (the official ``mcp`` SDK, extra ``graphmem[mcp]``).

``graphmem mcp`` serves these over stdio (what desktop assistants launch) or streamable HTTP.
Whose memory a call touches comes from the call's user_id / agent_id / run_id, else from the
server's defaults (``graphmem mcp --user ...``); with neither, the call fails: a scope is never
guessed. Errors come back as tool errors with graphmem's message, which says what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from graphmem.errors import GraphMemError
from graphmem.memory import GraphMemory
from graphmem.models import Memory, Message, Relation, Scope, Triplet

__all__ = ["build_server"]

T = TypeVar("T")

INSTRUCTIONS = (
    "Long-term memory as a graph of facts (source, relation, target) with the time each became "
    "true. Call add_memory with what the user said that is worth keeping; call search_memory "
    "before answering questions about the user and put its 'context' into your reasoning. "
    "Contradicted facts are retired, not erased: memory_history shows them."
)


def build_server(mem: GraphMemory, default_scope: Scope | None = None) -> MCPServer:
    """An MCP server whose tools act on ``mem``; ``default_scope`` fills ids a call leaves out."""
    server = MCPServer(name="graphmem", instructions=INSTRUCTIONS)
    defaults = default_scope.model_dump() if default_scope else {}
    dense = mem.config.variant != "mem0g"  # natural-language memories are kept too

    def scope(user_id: str | None, agent_id: str | None, run_id: str | None) -> dict[str, Any]:
        given = {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}
        chosen = given if any(given.values()) else {**given, **defaults}
        if not any(chosen.values()):
            raise ToolError(
                "no scope: pass user_id, agent_id and/or run_id, or start the server with "
                "graphmem mcp --user ID"
            )
        return chosen

    read_only = ToolAnnotations(read_only_hint=True)

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False))
    def add_memory(  # noqa: PLR0917 (the tool's parameters are its schema)
        messages: str | list[Message],
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        timestamp: datetime | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Remember what messages say: a user message as text, or a list of {role, content}.
        Facts are extracted and merged; contradicted ones are retired with a reason."""
        return _call(
            lambda: mem.add(
                messages,
                **scope(user_id, agent_id, run_id),
                timestamp=timestamp,
                metadata=metadata,
                idempotency_key=idempotency_key,
            ).model_dump(mode="json")
        )

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False))
    def add_triplets(
        triplets: list[Triplet],
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        single_valued: list[str] | None = None,
    ) -> dict[str, Any]:
        """Remember facts you already have as {source, relation, target[, valid_at]}, without
        extraction. single_valued: relations with one value at a time (e.g. lives_in)."""
        return _call(
            lambda: mem.add_triplets(
                triplets, **scope(user_id, agent_id, run_id), single_valued=single_valued
            ).model_dump(mode="json")
        )

    @server.tool(annotations=read_only)
    def search_memory(  # noqa: PLR0917
        query: str,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 10,
        as_of: datetime | None = None,
        include_invalid: bool = False,
    ) -> dict[str, Any]:
        """The facts most relevant to query, best first, and 'context': the same as a compact
        block to put in a prompt. as_of: what was true at that time."""

        def run() -> dict[str, Any]:
            found = mem.search(
                query,
                **scope(user_id, agent_id, run_id),
                limit=limit,
                as_of=as_of,
                include_invalid=include_invalid,
            )
            return {**found.model_dump(mode="json"), "context": found.to_context()}

        return _call(run)

    @server.tool(annotations=read_only)
    def list_memories(
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 1000,
    ) -> dict[str, Any]:
        """Every currently valid fact of the scope (and memory, for the Mem0 variant), oldest
        first."""
        where = scope(user_id, agent_id, run_id)
        return _call(
            lambda: _listed(
                mem.get_all(**where, limit=limit),
                mem.get_memories(**where, limit=limit) if dense else None,
            )
        )

    @server.tool(annotations=read_only)
    def memory_history(
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        entity: str | None = None,
        limit: int = 1000,
    ) -> dict[str, Any]:
        """Every fact (and memory, for the Mem0 variant), retired ones included with when and
        why; optionally only the facts about one entity."""
        where = scope(user_id, agent_id, run_id)
        return _call(
            lambda: _listed(
                mem.history(**where, entity=entity, limit=limit),
                mem.memory_history(**where, limit=limit) if dense else None,
            )
        )

    @server.tool(annotations=ToolAnnotations(destructive_hint=True, idempotent_hint=True))
    def delete_memory(
        fact_id: str,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        erase_episodes: bool = False,
    ) -> dict[str, Any]:
        """Erase one fact or memory for good, by its id (from search_memory or
        list_memories)."""
        return _call(
            lambda: {
                "deleted": fact_id,
                "episodes_erased": mem.delete(
                    fact_id, **scope(user_id, agent_id, run_id), erase_episodes=erase_episodes
                ),
            }
        )

    @server.tool(annotations=ToolAnnotations(destructive_hint=True, idempotent_hint=True))
    def forget(
        user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> dict[str, Any]:
        """Erase everything remembered for these ids (every scope holding them). Only when the
        user asks for it: nothing is kept."""
        return _call(lambda: mem.forget(**scope(user_id, agent_id, run_id)).model_dump(mode="json"))

    return server


def _listed(facts: list[Relation], memories: list[Memory] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"facts": [f.model_dump(mode="json") for f in facts]}
    if memories is not None:
        out["memories"] = [m.model_dump(mode="json") for m in memories]
    return out


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except GraphMemError as exc:
        retry = " (temporary: the same call may succeed later)" if exc.is_retryable() else ""
        raise ToolError(f"{type(exc).__name__}: {exc}{retry}") from exc
