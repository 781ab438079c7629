"""graphmem's queries as data: which file of cypher/queries runs, with what parameters and
how. Both stores (Neo4jStore, AsyncNeo4jStore) run these; the pipeline yields them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphmem.effects import Statement

__all__ = [
    "apply_plan",
    "delete_fact",
    "delete_memory",
    "delete_scope",
    "episode_outcome",
    "export_scope",
    "list_facts",
    "list_memories",
    "load_context",
    "resolve_entities",
    "scopes_holding",
    "search",
    "search_memories",
    "set_summary",
    "similar_memories",
    "summary_context",
]


def load_context(scope_key: str, messages: int, idempotency_key: str | None) -> Statement:
    params = {"scope_key": scope_key, "messages": messages, "idempotency_key": idempotency_key}
    return Statement("load_context", params)


def summary_context(scope_key: str, max_messages: int) -> Statement:
    return Statement(
        "summary_context", {"scope_key": scope_key, "max_messages": max_messages}, shape="rows"
    )


def set_summary(scope_key: str, text: str, summarized_count: int, now: Any) -> Statement:
    params = {"scope_key": scope_key, "text": text, "summarized_count": summarized_count}
    return Statement("set_summary", {**params, "now": now}, mode="write")


def resolve_entities(params: Mapping[str, Any]) -> Statement:
    return Statement("resolve_entities", params)


def apply_plan(params: Mapping[str, Any]) -> Statement:
    """One add's plan; the store raises ``CommitLostError`` when the outcome is unknown."""
    return Statement("apply_plan", params, mode="write")


def episode_outcome(scope_key: str, idempotency_key: str) -> Statement:
    """What the add with this idempotency key stored, or None if it stored nothing."""
    params = {"scope_key": scope_key, "idempotency_key": idempotency_key}
    return Statement("episode_outcome", params, shape="optional")


def search(params: Mapping[str, Any]) -> Statement:
    return Statement("search", params)


def list_facts(params: Mapping[str, Any]) -> Statement:
    return Statement("list_facts", params, shape="rows")


def similar_memories(params: Mapping[str, Any]) -> Statement:
    return Statement("similar_memories", params, shape="rows")


def search_memories(params: Mapping[str, Any]) -> Statement:
    return Statement("search_memories", params)


def list_memories(params: Mapping[str, Any]) -> Statement:
    return Statement("list_memories", params, shape="rows")


def delete_memory(scope_key: str, memory_id: str, erase_episodes: bool, now: Any) -> Statement:
    params = {"scope_key": scope_key, "memory_id": memory_id, "erase_episodes": erase_episodes}
    return Statement("delete_memory", {**params, "now": now}, mode="write")


def export_scope(scope_key: str, include_invalid: bool) -> Statement:
    return Statement("export_scope", {"scope_key": scope_key, "include_invalid": include_invalid})


def delete_fact(scope_key: str, fact_id: str, erase_episodes: bool, now: Any) -> Statement:
    params = {"scope_key": scope_key, "fact_id": fact_id, "erase_episodes": erase_episodes}
    return Statement("delete_fact", {**params, "now": now}, mode="write")


def scopes_holding(user_id: str | None, agent_id: str | None, run_id: str | None) -> Statement:
    params = {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}
    return Statement("scopes_holding", params, shape="rows")


def delete_scope(scope_key: str) -> Statement:
    # CALL ... IN TRANSACTIONS needs an auto-commit transaction.
    return Statement("delete_scope", {"scope_key": scope_key}, mode="auto_commit")
