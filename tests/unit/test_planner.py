from collections.abc import Mapping
from datetime import UTC, datetime

from graphmem.models import OperationKind, Relation, Triplet
from graphmem.prompts.resolution import Decision, SameEntity, UpdateResolution
from graphmem.resolution import draft_from_triplets, plan_updates
from graphmem.resolution.planner import (
    Candidate,
    EntityQuestion,
    PlannedFact,
    rule_resolver,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _candidate(fid: str, s: str, r: str, t: str) -> Candidate:
    rel = Relation(
        id=fid, source=s, relation=r, target=t, fact=f"{s} {r} {t}", created_at=NOW, valid_at=NOW
    )
    return Candidate(s, t, rel)


def _new(fid: str, s: str, r: str, t: str) -> PlannedFact:
    return PlannedFact(fid, s, r, t, f"{s} {r} {t}", [0.0])


class Recorder:
    def __init__(
        self, *decisions: tuple[str, str | None, str | None], same: Mapping[str, bool] = {}
    ) -> None:
        self.calls: list[tuple[list[str], list[str]]] = []
        self.questions: list[list[tuple[str, str]]] = []
        self.decisions = [
            Decision(operation=o, new_id=n, existing_id=e, reason="r")  # type: ignore[arg-type]
            for o, n, e in decisions
        ]
        self.same = [SameEntity(id=i, same=v) for i, v in same.items()]

    def __call__(
        self,
        existing: Mapping[str, Candidate],
        new: Mapping[str, PlannedFact],
        questions: Mapping[str, EntityQuestion],
    ) -> UpdateResolution:
        self.calls.append(
            ([c.relation.fact for c in existing.values()], [f.fact for f in new.values()])
        )
        self.questions.append([(q.draft.name, q.candidate.name) for q in questions.values()])
        return UpdateResolution(decisions=self.decisions, entities=self.same)


def test_draft_dedupes_entities_and_triplets_and_reports_unusable_ones() -> None:
    draft = draft_from_triplets(
        [
            Triplet(source="Alice", relation="likes", target="tea"),
            Triplet(source="alice", relation="Likes", target="Tea"),
            Triplet(source="alice", relation="!!", target="tea"),
        ],
        [("ALICE", "person")],
    )
    assert [(e.key, e.name, e.type) for e in draft.entities] == [
        ("alice", "ALICE", "Person"),
        ("tea", "tea", "Thing"),
    ]
    assert [(f.source_key, f.relation, f.target_key) for f in draft.facts] == [
        ("alice", "likes", "tea")
    ]
    assert len(draft.skipped) == 1


def test_nothing_to_conflict_with_means_add_without_asking() -> None:
    resolver = Recorder()
    plan = plan_updates([_new("n1", "a", "likes", "b")], [], resolver)
    assert [op.kind for op in plan.operations] == [OperationKind.ADD]
    assert resolver.calls == []


def test_an_exact_restatement_is_a_noop_without_asking() -> None:
    resolver = Recorder()
    plan = plan_updates(
        [_new("n1", "a", "likes", "b")], [_candidate("e1", "a", "likes", "b")], resolver
    )
    assert [op.kind for op in plan.operations] == [OperationKind.NOOP]
    assert plan.confirm == ["e1"] and plan.add == []
    assert resolver.calls == []


def test_one_resolver_call_decides_for_all_new_facts() -> None:
    resolver = Recorder(
        ("ADD", "N1", None), ("DELETE", None, "E1"), ("UPDATE", "N2", "E2"), ("NOOP", "N3", "E3")
    )
    plan = plan_updates(
        [
            _new("n1", "a", "lives_in", "ny"),
            _new("n2", "a", "works_at", "y"),
            _new("n3", "a", "likes", "tea!"),
        ],
        [
            _candidate("e1", "a", "lives_in", "sf"),
            _candidate("e2", "a", "works_at", "x"),
            _candidate("e3", "a", "likes", "tea"),
        ],
        resolver,
    )
    assert len(resolver.calls) == 1
    assert [op.kind for op in plan.operations] == [
        OperationKind.ADD,
        OperationKind.DELETE,
        OperationKind.UPDATE,
        OperationKind.NOOP,
    ]
    assert [(i, k) for i, _, k, _ in plan.invalidate] == [
        ("e1", OperationKind.DELETE),
        ("e2", OperationKind.UPDATE),
    ]
    assert {f.id: f.supersedes for f in plan.add} == {"n1": None, "n2": "e2"}
    assert plan.confirm == ["e3"]


def test_hallucinated_ids_never_lose_a_new_fact_or_retire_an_unknown_one() -> None:
    resolver = Recorder(
        ("DELETE", None, "E9"), ("UPDATE", "N1", "E7"), ("NOOP", "N2", None), ("ADD", "N5", None)
    )
    plan = plan_updates(
        [_new("n1", "a", "r", "b"), _new("n2", "a", "r", "c"), _new("n3", "a", "r", "d")],
        [_candidate("e1", "a", "r", "z")],
        resolver,
    )
    assert plan.invalidate == []
    assert sorted(f.id for f in plan.add) == ["n1", "n2", "n3"]


def test_rules_retire_the_old_value_of_a_single_valued_relation_only() -> None:
    decide = rule_resolver(frozenset({"lives_in"}))
    plan = plan_updates(
        [_new("n1", "a", "lives_in", "ny"), _new("n2", "a", "likes", "tea")],
        [
            _candidate("e1", "a", "lives_in", "sf"),
            _candidate("e2", "a", "likes", "coffee"),
            _candidate("e3", "b", "lives_in", "sf"),
        ],
        decide,
    )
    assert [
        (op.kind, op.existing.relation.id if op.existing else None) for op in plan.operations
    ] == [(OperationKind.UPDATE, "e1"), (OperationKind.ADD, None)]
    assert [i for i, *_ in plan.invalidate] == ["e1"]  # not coffee, not b's city
