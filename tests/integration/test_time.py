"""Time in every fact: the model sees when each message was said, facts keep the time they were
true, and a history comes out the same whatever order it is told in (real Neo4j, both lines)."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from graphmem import GraphMemConfig, GraphMemory, OperationKind, Relation
from graphmem.models import Scope
from graphmem.ports import ChatRequest, Embedder
from graphmem.resolution.planner import fact_text
from graphmem.testing import Script
from tests.conftest import Cypher

SINGLE = ("lives_in", "works_at", "partner_of")
PEOPLE = 50
START = datetime(2001, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Told:
    source: str
    relation: str
    target: str
    valid_at: datetime

    @property
    def text(self) -> str:
        return fact_text(self.source, self.relation, self.target)


def _history(seed: int = 7) -> list[Told]:
    """50 people, 4-6 values each over three single-valued relations, every value at its own
    month; homes come back (Lisbon, Porto, Lisbon) as real lives do."""
    rng = random.Random(seed)
    places = ["Lisbon", "Porto", "Kraków", "São Paulo", "Zürich", "東京"]
    told = []
    for p in range(PEOPLE):
        person = f"Person {p:02d}"
        months = rng.sample(range(0, 240), rng.randint(4, 6))
        for i, month in enumerate(sorted(months)):
            relation = SINGLE[rng.randrange(3)] if i else "lives_in"
            target = {
                "lives_in": rng.choice(places),
                "works_at": f"Acme {rng.randint(1, 4)}",
                "partner_of": f"Partner {rng.randint(1, 3)} of {p:02d}",
            }[relation]
            told.append(Told(person, relation, target, START + timedelta(days=30 * month)))
    return told


HISTORY = _history()


def _orders() -> Iterator[tuple[str, list[Told]]]:
    yield "in time order", sorted(HISTORY, key=lambda t: t.valid_at)
    for seed in (1, 2, 3):
        shuffled = list(HISTORY)
        random.Random(seed).shuffle(shuffled)
        yield f"shuffled {seed}", shuffled


def _truth(moment: datetime) -> set[tuple[str, str, str]]:
    """What held at ``moment``: each (person, relation)'s latest value from before it."""
    latest: dict[tuple[str, str], Told] = {}
    for t in sorted(HISTORY, key=lambda t: t.valid_at):
        if t.valid_at <= moment:
            latest[(t.source, t.relation)] = t
    return {(t.source, t.relation, t.target) for t in latest.values()}


def _state(facts: Sequence[Relation], moment: datetime | None) -> set[tuple[str, str, str]]:
    """What ``facts`` (a history) say held at ``moment`` (None: now), as search's as_of does."""
    return {
        (f.source, f.relation, f.target)
        for f in facts
        if (moment is None and f.invalid_at is None)
        or (
            moment is not None
            and f.valid_at <= moment
            and (f.invalid_at is None or moment < f.invalid_at)
        )
    }


def _lines(facts: Sequence[Relation], people: set[str]) -> list[str]:
    """The stored and the true histories of ``people``: what a failure needs to be read."""
    stored = [
        f"stored {f.source} {f.relation} {f.target} {f.valid_at:%Y-%m-%d} "
        f"{f.invalid_at and f'{f.invalid_at:%Y-%m-%d}'} {f.invalid_reason}"
        for f in facts
        if f.source in people
    ]
    told = [f"told {t.text} {t.valid_at:%Y-%m-%d}" for t in HISTORY if t.source in people]
    return stored + told


def _check_against_the_truth(memory: GraphMemory, uid: str, cypher: Cypher, label: str) -> None:
    facts = memory.history(user_id=uid, limit=10_000)
    change_points = sorted({t.valid_at for t in HISTORY})
    for moment in change_points:
        wrong = _state(facts, moment) ^ _truth(moment)
        people = {s for s, _, _ in wrong}
        assert not wrong, (label, moment, wrong, _lines(facts, people))
    assert _state(facts, None) == _truth(change_points[-1]), label
    assert [f.valid_at for f in facts] == sorted(f.valid_at for f in facts)  # valid-time order
    broken = cypher(
        "MATCH (f:Fact) WHERE f.scope_key = $key AND f.invalid_at < f.valid_at "
        "RETURN count(f) AS n",
        {"key": Scope.of(uid, None, None).key},
    )
    assert broken[0]["n"] == 0, label


def test_a_shuffled_history_through_rules_comes_out_as_told_in_time_order(
    memory: GraphMemory, cypher: Cypher, uid: str
) -> None:
    assert len(HISTORY) >= 200
    for label, order in _orders():
        scope = f"{uid}-{label.replace(' ', '-')}"
        for i in range(0, len(order), 10):  # one call per 10 values, as a backfill would run
            memory.add_triplets(
                [
                    {
                        "source": t.source,
                        "relation": t.relation,
                        "target": t.target,
                        "valid_at": t.valid_at,
                    }
                    for t in order[i : i + 10]
                ],
                user_id=scope,
                resolver="rules",
                single_valued=SINGLE,
                batch_size=10,
            )
        _check_against_the_truth(memory, scope, cypher, label)


_LINE = re.compile(r"^([EN]\d+): (.+?) \(", re.MULTILINE)


def _following_the_prompt(request: ChatRequest) -> dict[str, Any]:
    """A resolver that does what its prompt says for these facts: a new value of a relation
    that holds one value at a time is an UPDATE of the existing fact of the same person and
    relation, whatever their times; anything else is an ADD."""
    if request.role == "summarize":  # the background summary refresh
        return {"summary": "People, their homes, employers and partners over the years."}
    assert request.role == "resolve_updates", request.role
    prompt = str(request.messages[-1].get("content") or "")
    by_text = {t.text.casefold(): (t.source, t.relation) for t in HISTORY}
    existing, _, new = prompt.partition("NEW FACTS")
    stored = {by_text[text.casefold()]: short for short, text in _LINE.findall(existing)}
    decisions = []
    for short, text in _LINE.findall(new):
        old = stored.get(by_text[text.casefold()])
        decisions.append(
            {
                "operation": "UPDATE" if old else "ADD",
                "new_id": short,
                "existing_id": old,
                "reason": "another value of the same relation" if old else "new",
            }
        )
    return {"decisions": decisions}


def _chunks(order: list[Told], size: int) -> Iterator[list[Told]]:
    """Adds of up to ``size`` values, never two of one person and relation in one add."""
    chunk: list[Told] = []
    for t in order:
        if len(chunk) == size or any(
            (c.source, c.relation) == (t.source, t.relation) for c in chunk
        ):
            yield chunk
            chunk = []
        chunk.append(t)
    if chunk:
        yield chunk


def test_a_shuffled_history_through_add_and_the_llm_resolver_comes_out_the_same(
    memory: GraphMemory, script: Script, cypher: Cypher, uid: str
) -> None:
    script.respond_with(_following_the_prompt)
    said = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    for label, order in _orders():
        scope = f"{uid}-{label.replace(' ', '-')}"
        for chunk in _chunks(order, 5):
            names = {t.source: "Person" for t in chunk} | {t.target: "Thing" for t in chunk}
            script.enqueue_extraction(
                list(names.items()),
                [(t.source, t.relation, t.target, t.valid_at.date().isoformat()) for t in chunk],
            )
            words = " ".join(f"{t.text} since {t.valid_at:%B %Y}." for t in chunk)
            memory.add(words, user_id=scope, timestamp=said)
        _check_against_the_truth(memory, scope, cypher, label)


def test_the_prompts_show_when_each_message_was_said_and_the_time_of_the_add(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    lisbon = timezone(timedelta(hours=1))
    first = datetime(2023, 5, 8, 13, 56, tzinfo=lisbon)
    script.enqueue_extraction([(uid, "Person"), ("Porto", "City")], [(uid, "lives_in", "Porto")])
    memory.add([{"role": "user", "content": "I live in Porto.", "timestamp": first}], user_id=uid)
    script.enqueue_extraction(
        [(uid, "Person"), ("Berlin", "City")], [(uid, "lives_in", "Berlin", "2023-06")]
    )
    script.enqueue_decisions(("UPDATE", "N1", "E1", "moved"))
    memory.add("I moved to Berlin last month.", user_id=uid, timestamp=datetime(2023, 7, 3, 8, 5))

    entity_calls = [r for r in script.requests if r.role == "extract_entities"]
    second = str(entity_calls[1].messages[-1]["content"])
    assert second.startswith("NOW: 2023-07-03 (Monday) 08:05 UTC+00:00")
    # the earlier message, with its own time and zone, then the new one
    assert "[2023-05-08 (Monday) 13:56 UTC+01:00] user: I live in Porto." in second
    assert "[2023-07-03 (Monday) 08:05 UTC+00:00] user: I moved to Berlin last month." in second
    relation_call = [r for r in script.requests if r.role == "extract_relations"][1]
    assert "NOW: 2023-07-03 (Monday) 08:05" in str(relation_call.messages[-1]["content"])
    resolver = str(next(r for r in script.requests if r.role == "resolve_updates").messages)
    assert "lives in Porto (since 2023-05-08)" in resolver
    assert "lives in Berlin (since 2023-06-01)" in resolver

    # Stored: Berlin from the month the model resolved, Porto until then, each in its time.
    history = memory.history(user_id=uid)
    assert [(f.target, f.valid_at, f.invalid_at) for f in history] == [
        ("Porto", first, datetime(2023, 6, 1, tzinfo=UTC)),
        ("Berlin", datetime(2023, 6, 1, tzinfo=UTC), None),
    ]
    found = memory.search("where does the user live", user_id=uid, as_of=datetime(2023, 5, 20))
    assert [r.target for r in found.relations] == ["Porto"]


def test_times_a_model_gets_wrong_are_dropped_with_a_reason_and_the_fact_is_kept(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    now = datetime(2024, 3, 1, tzinfo=UTC)
    script.enqueue_extraction(
        [(uid, "Person"), ("chess", "Game"), ("jazz", "Music"), ("Oslo", "City")],
        [
            (uid, "plays", "chess", "last spring"),  # not ISO 8601
            (uid, "likes", "jazz", "2019", "2015"),  # ends before it began
            (uid, "visits", "Oslo", "3024-01-01"),  # far future
        ],
    )
    result = memory.add("I play chess, like jazz and visit Oslo.", user_id=uid, timestamp=now)
    assert sorted(op.relation.target for op in result.of_kind(OperationKind.ADD)) == [
        "Oslo",
        "chess",
        "jazz",
    ]
    reasons = {s.item: s.reason for s in result.skipped}
    assert "is not an ISO 8601 date" in reasons[f"{uid} / plays / chess: valid_at 'last spring'"]
    assert "before the fact began" in reasons[f"{uid} / likes / jazz: invalid_at '2015'"]
    assert "100 years" in reasons[f"{uid} / visits / Oslo: valid_at '3024-01-01'"]
    stored = {f.target: f for f in memory.get_all(user_id=uid)}
    assert stored["chess"].valid_at == now  # the message's time instead
    assert stored["jazz"].valid_at == datetime(2019, 1, 1, tzinfo=UTC)
    assert stored["Oslo"].valid_at == now


def test_a_stated_end_stores_the_fact_as_history(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    script.enqueue_extraction(
        [(uid, "Person"), ("Acme", "Company")], [(uid, "worked_at", "Acme", "2015", "2019-06")]
    )
    memory.add("I worked at Acme from 2015 until June 2019.", user_id=uid)
    assert memory.get_all(user_id=uid) == []
    (acme,) = memory.history(user_id=uid)
    assert (acme.valid_at.year, acme.invalid_at) == (2015, datetime(2019, 6, 1, tzinfo=UTC))
    assert memory.search("where did I work", user_id=uid, as_of=datetime(2017, 1, 1)).facts() == [
        f"{uid} worked at Acme"
    ]


def test_an_older_memory_told_later_is_history_and_the_newer_stays_current(
    memory: GraphMemory, script: Script, uid: str
) -> None:
    berlin = {"text": f"{uid} lives in Berlin", "valid_at": datetime(2023, 1, 1, tzinfo=UTC)}
    memory.add_memories([berlin], user_id=uid, resolver="rules")
    porto = {"text": f"{uid} lives in Porto", "valid_at": datetime(2019, 1, 1, tzinfo=UTC)}
    script.enqueue(
        "resolve_memories",
        {
            "decisions": [
                {"operation": "UPDATE", "new_id": "N1", "existing_id": "E1", "reason": "moved"}
            ]
        },
    )
    result = memory.add_memories([porto], user_id=uid, resolver="llm")
    (op,) = result.memory_operations
    assert op.kind is OperationKind.ADD and op.memory.invalid_at == berlin["valid_at"]
    assert [m.text for m in memory.get_memories(user_id=uid)] == [berlin["text"]]
    assert [(m.text, m.invalid_at) for m in memory.memory_history(user_id=uid)] == [
        (porto["text"], berlin["valid_at"]),
        (berlin["text"], None),
    ]
    # The same words for an earlier time, without a resolver: one memory, from then on.
    other = f"{uid}-b"
    memory.add_memories([berlin], user_id=other, resolver="rules")
    earlier = {**berlin, "valid_at": datetime(2021, 1, 1, tzinfo=UTC)}
    (op,) = memory.add_memories([earlier], user_id=other, resolver="rules").memory_operations
    assert op.kind is OperationKind.NOOP
    assert [(m.text, m.valid_at.year) for m in memory.memory_history(user_id=other)] == [
        (berlin["text"], 2021)
    ]


def test_memories_carry_the_time_the_model_resolved(
    config: GraphMemConfig, minilm: Embedder, script: Script, uid: str
) -> None:
    script.enqueue(
        "extract_memories",
        {
            "memories": [
                {"text": f"{uid} moved to Berlin in April 2023", "valid_at": "2023-04"},
                {"text": f"{uid} likes tea", "valid_at": None},
                {"text": f"{uid} met Ana", "valid_at": "yesterday"},
            ]
        },
    )
    now = datetime(2023, 5, 8, 12, 0, tzinfo=UTC)
    with GraphMemory(config.model_copy(update={"variant": "mem0"}), embedder=minilm) as m0:
        result = m0.add("I moved to Berlin last month. I like tea.", user_id=uid, timestamp=now)
        stored = {m.text: m.valid_at for m in m0.get_memories(user_id=uid)}
    assert stored == {
        f"{uid} moved to Berlin in April 2023": datetime(2023, 4, 1, tzinfo=UTC),
        f"{uid} likes tea": now,
        f"{uid} met Ana": now,
    }
    assert [s.item for s in result.skipped] == [f"{uid} met Ana"]
    prompt = json.dumps([r.messages for r in script.requests if r.role == "extract_memories"])
    assert "NOW: 2023-05-08 (Monday) 12:00 UTC+00:00" in prompt
