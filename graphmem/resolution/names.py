"""When are two entity names the same thing? The rules of entity resolution, as pure functions.

Two tiers, because the costs of the two mistakes differ. Merging two distinct things loses facts
for good (the second "Bob likes item 7" becomes a restatement of "Bob likes item 3" and is
dropped), while keeping two variants apart only leaves a duplicate node that search still finds.

1. ``graphmem.text.name_key`` folds only what never changes meaning (case, white space,
   separator punctuation, Latin diacritics). Names with the same key are one entity, enforced
   by a uniqueness constraint on (scope, key).
2. Names that only *look* alike (embedding similarity) are never merged on similarity alone.
   ``keep_apart`` says when they are certainly different things: they differ in a number, a
   year, a version or an identifier ("iPhone 14" / "iPhone 15", "Trip 2023" / "Trip 2024",
   "Flat 3B" / "Flat 4B"); both carry a qualifier the other lacks ("Paris, Texas" / "Paris,
   France", "Alice Smith" / "Bob Smith"); or they are people with different given names.
   Embedding models score such pairs near 1 because the names share almost every token, which
   is exactly why similarity cannot decide them. What ``keep_apart`` lets through is only a
   question: the update-resolver LLM decides it; without an LLM nothing merges.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from graphmem.text import name_key

__all__ = ["is_person_type", "keep_apart", "number_signature"]

_NUMBER_WORDS = {
    word: value
    for value, words in enumerate(
        [
            ("zero",),
            ("one", "first"),
            ("two", "second"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
            ("eleven", "eleventh"),
            ("twelve", "twelfth"),
        ]
    )
    for word in words
}
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th|e|er|re|ème|eme|º|ª|\.)$")
_DIGITS = re.compile(r"\d+")
# Roman numerals up to 399, as written in titles, sequels and regnal names ("Part II").
_ROMAN = re.compile(r"^C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman_value(token: str) -> int | None:
    if not token or not _ROMAN.match(token):
        return None
    total = 0
    for i, ch in enumerate(token):
        value = _ROMAN_VALUES[ch]
        following = _ROMAN_VALUES[token[i + 1]] if i + 1 < len(token) else 0
        total += -value if value < following else value
    return total


def _read(name: str) -> tuple[Counter[str], list[str]]:
    """A name's numbers (as a multiset, see ``number_signature``) and its other words (keys)."""
    raw_tokens = re.split(r"\s+", unicodedata.normalize("NFKC", name).strip())
    several = len(raw_tokens) > 1
    numbers: Counter[str] = Counter()
    words: list[str] = []
    for raw in raw_tokens:
        bare = raw.strip("()[]{},;:!?\"'")
        roman = _roman_value(bare) if several and bare.isupper() else None
        if roman is not None:
            numbers[str(roman)] += 1
            continue
        for token in name_key(raw).split():
            ordinal = _ORDINAL.match(token)
            if ordinal:
                numbers[str(int(ordinal.group(1)))] += 1
            elif token in _NUMBER_WORDS:
                numbers[str(_NUMBER_WORDS[token])] += 1
            elif token.isdecimal():
                numbers[str(int(token))] += 1
            elif _DIGITS.search(token):  # an identifier: "3b", "a320", "v2"
                numbers[token] += 1
            else:
                words.append(token)
    return numbers, words


def number_signature(name: str) -> Counter[str]:
    """The numbers and identifier-like tokens of a name, as a multiset: digits in any script
    ("14", "3B", "٣"), ordinals and English number words ("3rd" = "third" = 3), and Roman
    numerals written in capitals in a name of several words ("Rocky II")."""
    return _read(name)[0]


_PERSON_TYPES = frozenset(
    {
        "person",
        "people",
        "human",
        "individual",
        "user",
        "friend",
        "colleague",
        "contact",
        "customer",
        "patient",
        "child",
        "parent",
        "relative",
        "familymember",
        "character",
    }
)


def is_person_type(entity_type: str | None) -> bool:
    label = (entity_type or "").casefold()
    return label in _PERSON_TYPES or "person" in label


def _near(a: str, b: str) -> bool:
    """One token a spelling variant of the other: a plural, or one edit in a long word."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if long_ in (short + "s", short + "es"):
        return True
    if len(short) < 5 or len(long_) - len(short) > 1:
        return False
    if len(short) == len(long_):
        return sum(x != y for x, y in zip(short, long_, strict=True)) == 1
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _unmatched(mine: list[str], theirs: list[str], fuzzy: bool) -> list[str]:
    """Tokens of ``mine`` with no equal (or, with ``fuzzy``, near) token in ``theirs``."""
    pool = list(theirs)
    left = []
    for token in mine:
        partner = next((t for t in pool if t == token), None)
        if partner is None and fuzzy:
            partner = next((t for t in pool if _near(t, token)), None)
        if partner is None:
            left.append(token)
        else:
            pool.remove(partner)
    return left


def keep_apart(
    name: str, other: str, type_: str | None = None, other_type: str | None = None
) -> str | None:
    """Why ``name`` and ``other`` are certainly different things, or None when only a judge
    (the resolver LLM) can tell. Names with equal keys are the same entity and never get here."""
    my_numbers, mine = _read(name)
    their_numbers, theirs = _read(other)
    if my_numbers != their_numbers:
        return "they differ in a number, year, version or identifier"
    person = is_person_type(type_) or is_person_type(other_type)
    only_mine = _unmatched(mine, theirs, fuzzy=not person)
    only_theirs = _unmatched(theirs, mine, fuzzy=not person)
    if only_mine and only_theirs and len(only_mine) < len(mine):
        # They share a word and each adds its own: "Paris Texas" / "Paris France".
        return f"each carries a qualifier the other lacks ({only_mine[0]!r} / {only_theirs[0]!r})"
    if person and mine and theirs and mine[0] != theirs[0] and only_mine and only_theirs:
        return "people with different given names"
    return None
