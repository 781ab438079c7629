"""Forgetting: forget() leaves nothing of the user anywhere; delete() can erase the source text."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from graphmem import GraphMemory, Scope, ScopeError
from graphmem.testing import Script
from tests.conftest import Cypher

# Every property of every node and relationship, as text: a whole-database scan, which is what
# a test of "nothing remains" must do (the product never scans).
_EVERYTHING = (
    "MATCH (n) RETURN labels(n) AS where, properties(n) AS props "
    "UNION ALL MATCH ()-[r]->() RETURN [type(r)] AS where, properties(r) AS props"
)


def _traces(cypher: Cypher, *needles: str) -> list[tuple[Any, str]]:
    found = []
    for row in cypher(_EVERYTHING, {}):
        for name, value in row["props"].items():
            text = str(value)
            if any(needle in text for needle in needles):
                found.append((row["where"], f"{name}={text[:80]}"))
    return found


def _remember(memory: GraphMemory, script: Script, secret: str, **scope: str) -> None:
    script.enqueue_extraction([("Ana", "Person"), (secret, "Place")], [("Ana", "lives_in", secret)])
    memory.add(f"Ana lives in {secret}.", **scope)
    memory.add_triplets([("Ana", "likes", f"{secret} tea")], resolver="rules", **scope)


def test_forget_a_user_leaves_nothing_of_them_in_the_database(
    memory: GraphMemory, script: Script, cypher: Cypher, uid: str
) -> None:
    secret = f"Secretville-{uuid.uuid4().hex[:8]}"
    agent, run = f"agent-{uid}", f"run-{uid}"
    scopes: list[dict[str, str]] = [
        {"user_id": uid},
        {"user_id": uid, "agent_id": agent},
        {"user_id": uid, "run_id": run},
        {"user_id": uid, "agent_id": agent, "run_id": run},
    ]
    for scope in scopes:
        _remember(memory, script, secret, **scope)
    # The same words in scopes that do not hold the user must survive.
    other = f"other-{uid}"
    _remember(memory, script, f"Keptville-{uid}", user_id=other)
    _remember(memory, script, f"Keptville-{uid}", agent_id=agent)
    kept_before = memory.export(user_id=other), memory.export(agent_id=agent)
    assert _traces(cypher, uid, secret)

    result = memory.forget(user_id=uid)

    assert sorted(result.scopes, key=lambda s: s.key) == sorted(
        (Scope(**s) for s in scopes), key=lambda s: s.key
    )
    assert result.nodes_deleted > 4 * 5  # each scope: Scope, 2 episodes, 3 entities, 2 facts
    # The other user's id contains uid as text; look for the forgotten user's own traces.
    left = [t for t in _traces(cypher, secret, f'"{uid}"', f"'{uid}'") if "other-" not in t[1]]
    assert left == []
    assert not cypher(
        "MATCH (n) WHERE n.user_id = $u RETURN n LIMIT 1 "
        "UNION ALL MATCH ()-[r]->() WHERE r.scope_key CONTAINS $q RETURN r AS n LIMIT 1",
        {"u": uid, "q": f'"{uid}"'},
    )
    assert (memory.export(user_id=other), memory.export(agent_id=agent)) == kept_before
    assert memory.get_all(user_id=uid) == []
    assert memory.forget(user_id=uid).scopes == ()  # forgetting twice is harmless


def test_forget_by_agent_or_run_erases_every_scope_holding_it(
    memory: GraphMemory, cypher: Cypher, uid: str
) -> None:
    agent, run = f"agent-{uid}", f"run-{uid}"
    for scope in ({"agent_id": agent}, {"user_id": uid, "agent_id": agent}, {"run_id": run}):
        memory.add_triplets([("Ana", "likes", "tea")], resolver="rules", **scope)

    assert {s.key for s in memory.forget(agent_id=agent).scopes} == {
        Scope(agent_id=agent).key,
        Scope(user_id=uid, agent_id=agent).key,
    }
    assert len(memory.get_all(run_id=run)) == 1
    # Several ids: only the scopes holding all of them.
    memory.add_triplets([("Ana", "likes", "tea")], resolver="rules", user_id=uid, run_id=run)
    assert [s.key for s in memory.forget(user_id=uid, run_id=run).scopes] == [
        Scope(user_id=uid, run_id=run).key
    ]
    assert len(memory.get_all(run_id=run)) == 1
    with pytest.raises(ScopeError):
        memory.forget()


def test_delete_keeps_the_source_text_unless_asked_to_erase_it(
    memory: GraphMemory, script: Script, cypher: Cypher, uid: str
) -> None:
    script.enqueue_extraction(
        [("Ana", "Person"), ("Porto", "City"), ("Judo", "Sport")],
        [("Ana", "lives_in", "Porto"), ("Ana", "practises", "Judo")],
    )
    memory.add("Ana lives in Porto and practises judo.", user_id=uid)
    porto, judo = sorted(memory.get_all(user_id=uid), key=lambda r: r.target)[::-1]
    assert (porto.target, judo.target) == ("Porto", "Judo")

    def stored_text() -> list[str]:
        rows = cypher(
            "MATCH (ep:Episode) WHERE ep.scope_key = $k RETURN ep.text + ep.messages_json AS t",
            {"k": Scope(user_id=uid).key},
        )
        return [r["t"] for r in rows]

    assert memory.delete(judo.id, user_id=uid) == 0
    assert any("judo" in t for t in stored_text())  # history keeps what was said

    assert memory.delete(porto.id, user_id=uid, erase_episodes=True) == 1
    assert not any("Porto" in t or "judo" in t for t in stored_text())
    assert memory.get_all(user_id=uid) == []
