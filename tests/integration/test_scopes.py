"""Scope is sacred: nothing of one user, agent or run is read, changed or deleted via another."""

from __future__ import annotations

import pytest

from graphmem import GraphMemory, NotFoundError, ScopeError
from graphmem.testing import Script


def _remember_city(memory: GraphMemory, script: Script, city: str, **scope: str) -> str:
    who = next(iter(scope.values()))
    script.enqueue_extraction(
        [(who, "Person"), (city, "City"), ("coffee", "Drink")],
        [(who, "lives_in", city), (who, "likes", "coffee")],
    )
    result = memory.add(f"I live in {city} and I like coffee.", **scope)  # type: ignore[arg-type]
    return result.operations[0].relation.id


def test_two_users_with_overlapping_facts_never_see_each_other(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    alice, bob = f"{uid}-alice", f"{uid}-bob"
    _remember_city(memory, script, "Paris", user_id=alice)
    # Bob's add must not see Alice's "coffee" as a candidate: no resolver call is needed.
    bob_fact = _remember_city(memory, script, "Berlin", user_id=bob)
    assert script.calls("resolve_updates") == 0

    assert {r.target for r in memory.get_all(user_id=alice)} == {"Paris", "coffee"}
    assert {r.target for r in memory.get_all(user_id=bob)} == {"Berlin", "coffee"}
    found = memory.search("Where does the user live? Paris or Berlin?", user_id=alice)
    assert "Berlin" not in {r.target for r in found.relations}

    with pytest.raises(NotFoundError):
        memory.delete(bob_fact, user_id=alice)
    assert bob_fact in {r.id for r in memory.get_all(user_id=bob)}

    memory.delete_all(user_id=alice)
    assert memory.get_all(user_id=alice) == []
    assert memory.history(user_id=alice) == []
    assert {r.target for r in memory.get_all(user_id=bob)} == {"Berlin", "coffee"}


def test_user_agent_and_run_scopes_are_exact(memory: GraphMemory, script: Script, uid: str) -> None:
    _remember_city(memory, script, "Lisbon", user_id=uid)
    _remember_city(memory, script, "Oslo", user_id=uid, run_id="run-1")
    _remember_city(memory, script, "Rome", agent_id=uid)

    assert "Lisbon" in {r.target for r in memory.get_all(user_id=uid)}
    assert "Oslo" not in {r.target for r in memory.get_all(user_id=uid)}
    assert {r.target for r in memory.get_all(user_id=uid, run_id="run-1")} == {"Oslo", "coffee"}
    assert {r.target for r in memory.get_all(agent_id=uid)} == {"Rome", "coffee"}

    memory.delete_all(user_id=uid, run_id="run-1")
    assert memory.get_all(user_id=uid, run_id="run-1") == []
    assert "Lisbon" in {r.target for r in memory.get_all(user_id=uid)}
    assert "Rome" in {r.target for r in memory.get_all(agent_id=uid)}


def test_user_delete_of_one_fact_erases_it(memory: GraphMemory, script: Script, uid: str) -> None:
    fact_id = _remember_city(memory, script, "Madrid", user_id=uid)
    memory.delete(fact_id, user_id=uid)
    assert fact_id not in {r.id for r in memory.history(user_id=uid)}
    with pytest.raises(NotFoundError):
        memory.delete(fact_id, user_id=uid)


@pytest.mark.parametrize("call", ["add", "search", "get_all", "history", "delete_all"])
def test_calls_without_a_scope_fail_clearly(memory: GraphMemory, call: str) -> None:
    args = {"add": ("hi",), "search": ("hi",)}.get(call, ())
    with pytest.raises(ScopeError, match="a scope is required"):
        getattr(memory, call)(*args)
