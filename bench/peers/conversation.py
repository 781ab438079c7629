"""The peer benchmark's conversations and their ground truth.

Facts come from the retrieval corpus (bench/retrieval/corpus.py). Each turn is one user
message stating a few facts about one person in one year, in time order, so that moves and
job changes arrive after what they replace. A turn's ground truth is its entities, its
triplets and the facts it retires (a new value of a single-valued relation). Standard library
only: the mem0 runner imports this module from mem0's own virtual environment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bench.retrieval.corpus import SINGLE_VALUED, Fact, Query, make_scope

SENTENCE = {
    "born_in": "{s} was born in {t}.",
    "lives_in": "{s} lives in {t} now.",
    "works_at": "{s} has a job at {t}.",
    "works_as": "{s} works as a {t}.",
    "likes_to_eat": "{s} loves eating {t}.",
    "enjoys": "{s} enjoys {t} at the weekends.",
    "is_allergic_to": "{s} is allergic to {t}.",
    "has_pet": "{s} has a pet called {t}.",
    "studied_at": "{s} studied at {t}.",
    "has_sister": "{s}'s sister is {t}.",
    "is_friends_with": "{s} is good friends with {t}.",
}
PERSON_TARGETS = ("has_sister", "is_friends_with")
MAX_FACTS_PER_TURN = 3


@dataclass(frozen=True, slots=True)
class Turn:
    text: str
    when: datetime
    facts: tuple[Fact, ...]
    retires: tuple[Fact, ...]  # earlier facts this turn makes no longer true

    @property
    def entities(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for f in self.facts:
            seen.setdefault(f.source, f.source_type)
            seen.setdefault(f.target, target_type(f))
        return list(seen.items())


def memory_text(fact: Fact) -> str:
    """A fact as the dense memories of both systems hold it (as graphmem's fact text)."""
    return f"{fact.source} {fact.relation.replace('_', ' ')} {fact.target}"


def mem0_name(name: str) -> str:
    """How mem0 stores a name: lower case, spaces as underscores."""
    return name.lower().replace(" ", "_")


def target_type(fact: Fact) -> str:
    return "Person" if fact.relation in PERSON_TARGETS else fact.target_type


def turns(facts: Sequence[Fact]) -> list[Turn]:
    """Group a scope's facts into user messages, oldest first."""
    ordered = sorted(facts, key=lambda f: (f.valid_at, f.source))
    groups: list[list[Fact]] = []
    for f in ordered:
        last = groups[-1] if groups else None
        if (
            last
            and len(last) < MAX_FACTS_PER_TURN
            and last[0].source == f.source
            and last[0].valid_at.year == f.valid_at.year
            and all(g.relation != f.relation for g in last)
        ):
            last.append(f)
        else:
            groups.append([f])
    current: dict[tuple[str, str], Fact] = {}
    out: list[Turn] = []
    for group in groups:
        retires = []
        for f in group:
            if f.relation in SINGLE_VALUED:
                old = current.get((f.source, f.relation))
                if old is not None and old.target != f.target:
                    retires.append(old)
                current[(f.source, f.relation)] = f
        text = " ".join(SENTENCE[f.relation].format(s=f.source, t=f.target) for f in group)
        out.append(Turn(text, group[0].valid_at, tuple(group), tuple(retires)))
    return out


@dataclass(frozen=True, slots=True)
class Conversation:
    user: str
    turns: list[Turn]
    queries: list[Query]


def conversations(count: int, facts_each: int, queries_each: int) -> list[Conversation]:
    """``count`` users, each with its own memory of about ``facts_each`` facts."""
    out = []
    for i in range(count):
        scope = make_scope(facts_each, seed=500 + i, n_queries=queries_each)
        out.append(Conversation(f"user-{i}", turns(scope.facts), scope.queries))
    return out


_NAME = re.compile(r"[A-Z][a-z]+ [A-Z][a-z]+")


def query_people(query: str, people: set[str]) -> list[str]:
    """The people a question names (what an entity extractor would return for it)."""
    return [m for m in _NAME.findall(query) if m in people]


def current_only(facts: Sequence[Fact]) -> tuple[list[Fact], list[Fact]]:
    """(still true, retired): single-valued relations keep only their latest value."""
    latest: dict[tuple[str, str], Fact] = {}
    for f in facts:
        if f.relation in SINGLE_VALUED:
            key = (f.source, f.relation)
            if key not in latest or f.valid_at >= latest[key].valid_at:
                latest[key] = f
    valid, retired = [], []
    for f in facts:
        if f.relation in SINGLE_VALUED and latest[(f.source, f.relation)] is not f:
            retired.append(f)
        else:
            valid.append(f)
    return valid, retired
