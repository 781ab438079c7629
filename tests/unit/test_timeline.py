"""History in valid-time order, whatever order it is told in: the planner's placement rules
(graphmem.resolution.timeline) driven against an in-memory store, without Neo4j."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from graphmem.models import Relation
from graphmem.prompts.resolution import Decision, UpdateResolution
from graphmem.resolution.planner import (
    Candidate,
    PlannedFact,
    Timeline,
    plan_updates,
    rule_resolver,
)
from graphmem.resolution.timeline import place

T0 = datetime(2000, 1, 1, tzinfo=UTC)


def year(n: int) -> datetime:
    return T0 + timedelta(days=365 * n)


@dataclass
class Store:
    """What apply_plan.cypher does with a plan, for one scope, in memory."""

    facts: dict[str, Candidate] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def tell(
        self,
        source: str,
        relation: str,
        target: str,
        when: datetime,
        *,
        single_valued: frozenset[str] = frozenset({"lives_in"}),
        resolver: str = "rules",
    ) -> None:
        fact = PlannedFact(
            f"f{next(self.ids)}",
            source,
            relation,
            target,
            f"{source} {relation} {target}",
            [0.0],
            valid_at=when,
        )
        stored = [c for c in self.facts.values() if c.source_key == source]
        current = [c for c in stored if c.relation.valid]
        decide = rule_resolver(single_valued) if resolver == "rules" else _updating
        plan = plan_updates([fact], current, decide, timeline=Timeline(stored, single_valued, when))
        for fid, why, _kind, at in plan.invalidate:
            old = self.facts[fid].relation
            end = at or when
            if old.invalid_at is None or end < old.invalid_at:
                self.facts[fid] = replace(
                    self.facts[fid],
                    relation=old.model_copy(update={"invalid_at": end, "invalid_reason": why}),
                )
        for fid, since in plan.extended.items():
            c = self.facts[fid]
            if since < c.relation.valid_at:
                moved = c.relation.model_copy(update={"valid_at": since})
                self.facts[fid] = replace(
                    c, relation=moved, stated_at=(*c.stated_at, c.relation.valid_at)
                )
        for fid, told in plan.restated:
            c = self.facts[fid]
            self.facts[fid] = replace(c, stated_at=(*c.stated_at, told))
        for new in plan.add:
            self.facts[new.id] = Candidate(
                new.source_key,
                new.target_key,
                Relation(
                    id=new.id,
                    source=new.source_key,
                    relation=new.relation,
                    target=new.target_key,
                    fact=new.fact,
                    created_at=when,
                    valid_at=new.valid_at or when,
                    invalid_at=new.invalid_at,
                ),
                new.stated_at,
            )

    def at(self, moment: datetime) -> set[tuple[str, str, str]]:
        """What held at ``moment`` (search with as_of)."""
        return {
            c.triplet
            for c in self.facts.values()
            if c.relation.valid_at <= moment
            and (c.relation.invalid_at is None or moment < c.relation.invalid_at)
        }

    def current(self) -> set[tuple[str, str, str]]:
        return {c.triplet for c in self.facts.values() if c.relation.valid}


def _updating(
    existing: dict[str, Candidate], new: dict[str, PlannedFact], _questions: object
) -> UpdateResolution:
    """A resolver that follows the prompt: UPDATE the fact of the same source and relation."""
    out = []
    for nid, f in new.items():
        old = next(
            (
                eid
                for eid, c in existing.items()
                if (c.source_key, c.relation.relation) == (f.source_key, f.relation)
            ),
            None,
        )
        op = "UPDATE" if old else "ADD"
        out.append(Decision(operation=op, new_id=nid, existing_id=old, reason="r"))
    return UpdateResolution(decisions=out)


def test_an_older_value_told_later_is_history_and_the_newer_stays_current() -> None:
    store = Store()
    store.tell("ana", "lives_in", "lisbon", year(23))
    store.tell("ana", "lives_in", "porto", year(20))
    assert store.current() == {("ana", "lives_in", "lisbon")}
    assert store.at(year(21)) == {("ana", "lives_in", "porto")}
    assert store.at(year(19)) == set()


def test_a_value_between_two_stored_ones_is_inserted_between_them() -> None:
    store = Store()
    store.tell("ana", "lives_in", "lisbon", year(10))
    store.tell("ana", "lives_in", "berlin", year(30))
    store.tell("ana", "lives_in", "porto", year(20))
    assert [store.at(year(y)) for y in (15, 25, 35)] == [
        {("ana", "lives_in", "lisbon")},
        {("ana", "lives_in", "porto")},
        {("ana", "lives_in", "berlin")},
    ]


def test_a_return_to_an_earlier_value_survives_any_order() -> None:
    # Lisbon, Porto, Lisbon again: told as Lisbon@15, Lisbon@10, Porto@12.
    store = Store()
    store.tell("ana", "lives_in", "lisbon", year(15))
    store.tell("ana", "lives_in", "lisbon", year(10))
    store.tell("ana", "lives_in", "porto", year(12))
    assert [store.at(year(y)) for y in (11, 13, 16)] == [
        {("ana", "lives_in", "lisbon")},
        {("ana", "lives_in", "porto")},
        {("ana", "lives_in", "lisbon")},
    ]


def test_a_restatement_inside_a_known_interval_changes_nothing() -> None:
    store = Store()
    store.tell("ana", "lives_in", "lisbon", year(10))
    store.tell("ana", "lives_in", "lisbon", year(12))
    assert len(store.facts) == 1


def test_a_restatement_for_an_earlier_time_moves_the_start_back() -> None:
    store = Store()
    store.tell("ana", "lives_in", "lisbon", year(12))
    store.tell("ana", "lives_in", "lisbon", year(10))
    (fact,) = store.facts.values()
    assert (fact.relation.valid_at, fact.stated_at) == (year(10), (year(12),))


def test_equal_times_the_value_told_later_wins_and_the_earlier_keeps_an_empty_interval() -> None:
    store = Store()
    store.tell("ana", "lives_in", "lisbon", year(10))
    store.tell("ana", "lives_in", "porto", year(10))
    assert store.current() == {("ana", "lives_in", "porto")}
    lisbon = next(c.relation for c in store.facts.values() if c.target_key == "lisbon")
    assert lisbon.valid_at == lisbon.invalid_at == year(10)


def test_multi_valued_relations_are_kept_side_by_side_whatever_their_times() -> None:
    store = Store()
    store.tell("ana", "likes", "tea", year(20))
    store.tell("ana", "likes", "coffee", year(10))
    assert store.current() == {("ana", "likes", "tea"), ("ana", "likes", "coffee")}


def test_placement_ends_a_new_value_where_the_next_stored_one_starts() -> None:
    a = Relation(
        id="a",
        source="ana",
        relation="lives_in",
        target="x",
        fact="",
        created_at=T0,
        valid_at=year(1),
        invalid_at=year(5),
    )
    b = Relation(
        id="b",
        source="ana",
        relation="lives_in",
        target="y",
        fact="",
        created_at=T0,
        valid_at=year(5),
    )
    chain = [(("ana", "lives_in", "x"), a, ()), (("ana", "lives_in", "y"), b, ())]
    where = place(year(3), None, ("ana", "lives_in", "z"), chain)
    assert (where.ends_at, where.follower, [r.id for r in where.cut]) == (year(5), "b", ["a"])
    # A stated end earlier than the next value wins.
    assert place(year(3), year(4), ("ana", "lives_in", "z"), chain).ends_at == year(4)


def test_a_delete_never_ends_a_fact_before_it_began() -> None:
    later = Relation(
        id="e",
        source="ana",
        relation="works_at",
        target="acme",
        fact="ana works at acme",
        created_at=T0,
        valid_at=year(20),
    )

    def deleting(*_: object) -> UpdateResolution:
        return UpdateResolution(
            decisions=[Decision(operation="DELETE", new_id=None, existing_id="E1", reason="r")]
        )

    old_news = PlannedFact("n", "ana", "likes", "tea", "ana likes tea", [0.0], valid_at=year(5))
    candidate = Candidate("ana", "acme", later)
    plan = plan_updates(
        [old_news], [candidate], deleting, timeline=Timeline([candidate], frozenset(), year(5))
    )
    assert plan.invalidate == []
    assert [item for item, _ in plan.refused] == ["DELETE ana works at acme"]


histories = st.lists(
    st.tuples(st.sampled_from(["ana", "bo"]), st.sampled_from(["lisbon", "porto", "oslo"])),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(values=histories, order=st.randoms(use_true_random=False), llm=st.booleans())
def test_any_order_of_telling_gives_the_same_history(
    values: list[tuple[str, str]], order: object, llm: bool
) -> None:
    told = [(who, "lives_in", where, year(i)) for i, (who, where) in enumerate(values)]
    shuffled = list(told)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    resolver = "llm" if llm else "rules"
    in_order, any_order = Store(), Store()
    for s, r, t, when in told:
        in_order.tell(s, r, t, when, resolver=resolver)
    for s, r, t, when in shuffled:
        any_order.tell(s, r, t, when, resolver=resolver)
    for i in range(len(told) + 1):
        moment = year(i)
        assert in_order.at(moment) == any_order.at(moment), (moment, shuffled)
        # And both are the truth: each person's latest value told for a time <= moment.
        truth = {}
        for s, r, t, when in told:
            if when <= moment:
                truth[s] = (s, r, t)
        assert in_order.at(moment) == set(truth.values())
    assert in_order.current() == any_order.current()
    for store in (in_order, any_order):
        for c in store.facts.values():
            assert c.relation.invalid_at is None or c.relation.invalid_at >= c.relation.valid_at
