"""What an update resolver's decision may do. A confused model retires true facts ("Alice
works at UCSF" retiring "Alice is vegetarian", "Max works at UCSF" replacing Alice's job) and
puts ids in the wrong fields; a memory must not lose true facts to that. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from graphmem.prompts.resolution import Decision
from graphmem.text import name_key

__all__ = [
    "EXCLUSIVE_RELATIONS",
    "memory_subject",
    "read_ids",
    "related_relations",
    "retirement_refusal",
]

# Relations whose values replace one another for one source: a move retires a home, a new
# employer the old one. Compared after tense folding (lived_in -> live_in).
EXCLUSIVE_RELATIONS: tuple[tuple[str, ...], ...] = (
    ("lives_in", "lives_at", "moved_to", "relocated_to", "resides_in", "based_in", "home_is"),
    ("works_at", "works_for", "employed_by", "employed_at", "joined", "hired_by", "employer_is"),
    ("works_as", "job_is", "job_title_is", "employed_as", "profession_is", "role_is"),
    (
        "married_to",
        "divorced_from",
        "engaged_to",
        "dating",
        "partner_of",
        "in_relationship_with",
        "separated_from",
    ),
)

_ID = re.compile(r"^\s*([NEM])\s*(\d+)\s*$", re.IGNORECASE)


def read_ids(
    d: Decision, new_ids: Collection[str], existing_ids: Collection[str]
) -> Decision | str:
    """The decision with its ids where they belong, read by their prefix (N: a new fact,
    E: an existing one), so ``{"operation": "DELETE", "new_id": "E1", "existing_id": "N1"}``
    means what it plainly says; or why it cannot be used (an id this call did not give)."""
    named = [i for i in (d.new_id, d.existing_id) if i is not None and i.strip()]
    new: list[str] = []
    old: list[str] = []
    for raw in named:
        m = _ID.match(raw)
        short = f"{m.group(1).upper()}{int(m.group(2))}" if m else raw
        if short in new_ids:
            new.append(short)
        elif short in existing_ids:
            old.append(short)
        else:
            return f"it names {raw!r}, which is not one of the facts it was shown"
    if len(new) > 1 or len(old) > 1:
        return f"it names two {'new' if len(new) > 1 else 'existing'} facts ({', '.join(named)})"
    read = d.model_copy(
        update={"new_id": new[0] if new else None, "existing_id": old[0] if old else None}
    )
    if d.operation == "DELETE" and read.existing_id is None:
        return "a DELETE that names no existing fact"
    return read


def _fold(relation: str) -> tuple[str, ...]:
    """A relation with its verb's tense folded: lived_in, lives_in -> (live, in)."""
    words = relation.split("_")
    verb = words[0]
    for suffix in ("ing", "ed", "es", "s"):
        if verb.endswith(suffix) and len(verb) - len(suffix) >= 3:
            verb = verb[: -len(suffix)]
            break
    verb = verb.rstrip("e")
    return (verb, *words[1:])


def related_relations(a: str, b: str, groups: Iterable[Sequence[str]] = ()) -> bool:
    """Whether a value of relation ``a`` can replace a value of ``b`` for one source: the same
    relation (in any tense), or two of one exclusive group."""
    fa, fb = _fold(a), _fold(b)
    if fa == fb:
        return True
    return any(
        fa in folded and fb in folded
        for folded in ({_fold(r) for r in g} for g in (*EXCLUSIVE_RELATIONS, *groups))
    )


def retirement_refusal(
    old: tuple[str, str, str],
    new: Iterable[tuple[str, str, str]],
    groups: Iterable[Sequence[str]] = (),
) -> str | None:
    """Why retiring the stored fact ``old`` (source key, relation, target key) because of the
    ``new`` facts is not plausible, or None when one of them can replace it: the same source
    and a related relation, or the same source and the same target (left, divorced_from)."""
    groups = tuple(groups)
    source, relation, target = old
    for s, r, t in new:
        if s == source and (t == target or related_relations(r, relation, groups)):
            return None
    return (
        "no new fact of the same entity and a related relation replaces it; kept (a resolver "
        "may retire only what a new fact contradicts)"
    )


def memory_subject(text: str) -> str | None:
    """Who or what a memory is about: its first word, folded ("Alice's" -> "alice"); None
    when that cannot be told (a script without spaces), so nothing is refused on a guess."""
    words = text.split()
    if len(words) < 2:
        return None
    first = re.sub(r"['’]s$", "", words[0]).strip(".,;:!?\"'()")
    key = name_key(first)
    return key or None
