"""Where a new fact falls among the stored values of its relation, in valid time.

Facts arrive in any order: an import of old records, a correction of the past ("I lived in
Porto before Lisbon"), a conversation ingested years after it happened. So a fact's place in
history is decided by its valid time, never by when it was told:

- a fact whose triplet is stored with an interval containing its time is a restatement;
- otherwise it starts at its own valid time and ends where the next stored value of the same
  chain starts (``valid_at`` of the earliest later one), or never (it is then current);
- a stored value of the chain whose interval contains the new time ends there: if it was
  current it is retired, if it was history its end moves earlier; if it had been told again
  for a time after the new one (a restatement, kept as a time on the fact), it resumes then.

A chain is the stored facts that exclude one another over time: those of the same source and
relation for a single-valued relation (or one the resolver said the new fact replaces), else
only those with the same triplet (a fact known at another time). Equal valid times: the value
told later wins, and the earlier one keeps an empty interval [t, t) as history. Invariant:
every interval written has invalid_at >= valid_at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from graphmem.models import Relation

__all__ = ["LATEST", "Placement", "Resumption", "Stored", "contains", "place"]

# The time of a fact that has none yet (valid_at None: "when the episode happened", in the
# planner's unit tests): after every stored one.
LATEST = datetime.max.replace(tzinfo=UTC)


def contains(fact: Relation, moment: datetime) -> bool:
    """Whether ``moment`` lies in the fact's interval [valid_at, invalid_at)."""
    return fact.valid_at <= moment and (fact.invalid_at is None or moment < fact.invalid_at)


@dataclass(frozen=True, slots=True)
class Resumption:
    """A cut value that was told again for a time after the cut: it holds again from then, as
    a new fact (the same triplet, the cut one's old end)."""

    fact: Relation
    at: datetime
    later: tuple[datetime, ...]  # its other told-again times, after ``at``


@dataclass(frozen=True, slots=True)
class Placement:
    ends_at: datetime | None  # None: the new fact is current
    follower: str | None  # the stored fact that starts where the new one ends
    cut: tuple[Relation, ...]  # stored facts whose interval ends at the new fact's time
    resumed: tuple[Resumption, ...] = ()  # cut facts told again for a later time


# A stored fact of the chain: its triplet, the fact, and the times it was told again within
# its interval (restatements are confirmed, not stored twice, but their time is kept).
Stored = tuple[tuple[str, str, str], Relation, tuple[datetime, ...]]


def place(
    moment: datetime,
    ends_at: datetime | None,
    triplet: tuple[str, str, str],
    chain: Iterable[Stored],
) -> Placement:
    """Where a new value of ``triplet`` valid from ``moment`` (until ``ends_at``, when the
    statement said so) falls in ``chain``. A cut value told again for a later time resumes
    then, and the new value ends there: so a restatement told before the value it outlasts
    counts as if told in time order."""
    cut: list[Relation] = []
    resumed: list[Resumption] = []
    follower: Relation | None = None
    for stored_triplet, fact, stated in chain:
        if fact.valid_at > moment:
            if follower is None or (fact.valid_at, fact.id) < (follower.valid_at, follower.id):
                follower = fact
        elif stored_triplet != triplet and contains(fact, moment):
            cut.append(fact)
            later = sorted(t for t in stated if t > moment and contains(fact, t))
            if later:
                resumed.append(Resumption(fact, later[0], tuple(later[1:])))
    end = follower.valid_at if follower is not None else None
    for r in resumed:
        if end is None or r.at < end:
            end = r.at
    if ends_at is not None and (end is None or ends_at < end):
        end = ends_at
    return Placement(end, follower.id if follower is not None else None, tuple(cut), tuple(resumed))
