"""What an extraction reply may put into memory. A model's reply is untrusted: small models
relate words that are not entities ("my sister", a whole sentence), relate a thing to itself,
write sentences as relation names and extract the earlier context again as if it were new.
Each check here keeps such an item out and says why (AddResult.skipped); none calls anything.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from graphmem.models import Message
from graphmem.text import name_key, normalize_relation

__all__ = [
    "Screened",
    "memory_names",
    "memory_too_short",
    "restates_context",
    "screen_relations",
    "speaker_word",
]

# Words a model writes for the speaker instead of their name. Folded, as name_key folds.
_SPEAKER_WORDS = frozenset(
    {"i", "me", "my", "mine", "myself", "user", "the user", "speaker", "the speaker"}
)
# Longer than this is a sentence, not a relation name ("is_allergic_to" has 3 words).
MAX_RELATION_WORDS = 6
MAX_RELATION_CHARS = 48
# Words that point back into the earlier conversation: with one of them in the new messages,
# a fact about something only the context names may be what they refer to.
_REFERRING = frozenset(
    [
        "there",
        "here",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "him",
        "her",
        "his",
        "hers",
        "they",
        "them",
        "their",
        "theirs",
        "same",
        "former",
        "latter",
    ]
)
_WORD = re.compile(r"\w+", re.UNICODE)


def speaker_word(name: str) -> bool:
    """Whether ``name`` is a pronoun or placeholder for the speaker ("I", "me", "user")."""
    return name_key(name) in _SPEAKER_WORDS


@dataclass(frozen=True, slots=True)
class Screened:
    # (index into the relations screened, source, target): endpoints mapped to the speaker
    kept: list[tuple[int, str, str]]
    skipped: list[tuple[str, str]]


def screen_relations(
    relations: Sequence[tuple[str, str, str]],
    entities: Iterable[str],
    *,
    speaker: str,
    new: Sequence[Message],
    context: Sequence[str],
    one_speaker: bool = True,
) -> Screened:
    """The extracted relations fit to store: endpoints that are the speaker's pronouns become
    the speaker; relations whose endpoints are not among the extracted entities, that relate
    a thing to itself, whose relation is a sentence, or that only restate the earlier
    conversation (``context``: the summary and recent messages) are skipped with the reason.
    Where several people speak (not ``one_speaker``) a pronoun endpoint is skipped instead."""
    known = {name_key(e) for e in entities} | {name_key(speaker)}
    new_text = " ".join(m.content for m in new)
    kept: list[tuple[int, str, str]] = []
    skipped: list[tuple[str, str]] = []
    for i, (said_source, relation, said_target) in enumerate(relations):
        source = speaker if speaker_word(said_source) else said_source
        target = speaker if speaker_word(said_target) else said_target
        what = f"{said_source} / {relation} / {said_target}"
        outside = [n for n in (source, target) if name_key(n) not in known]
        why = None
        if not one_speaker and (speaker_word(said_source) or speaker_word(said_target)):
            why = "a pronoun where several people speak: whose it is cannot be told"
        elif outside:
            why = f"{outside[0]!r} is not one of the entities extracted from the messages"
        elif name_key(source) == name_key(target):
            why = "a fact relating a thing to itself"
        elif _sentence(relation):
            why = (
                f"the relation is not a short verb phrase (at most {MAX_RELATION_WORDS} words, "
                f"{MAX_RELATION_CHARS} characters)"
            )
        else:
            unsaid = [n for n in (source, target) if name_key(n) != name_key(speaker)]
            # Every name unsaid: a name from the context alone may be who "I" is (the
            # speaker introduced themselves earlier), the fact still new.
            if restates_context(unsaid, new_text, context, every=True):
                why = "it restates the earlier conversation, not the new messages"
        if why is not None:
            skipped.append((what, why))
        else:
            kept.append((i, source, target))
    return Screened(kept, skipped)


def _sentence(relation: str) -> bool:
    try:
        normalized = normalize_relation(relation)
    except ValueError:
        return False  # draft_from_triplets reports a relation without letters
    return normalized.count("_") + 1 > MAX_RELATION_WORDS or len(normalized) > MAX_RELATION_CHARS


def restates_context(
    names: Sequence[str], new_text: str, context: Sequence[str], *, every: bool = False
) -> bool:
    """Whether an item naming ``names`` comes from the earlier conversation rather than the
    new messages: a name (``every``: each name) the new messages do not mention but the
    context does, with no word in the new messages that could refer back to it ("there",
    "she", "that")."""
    if not names or not context:
        return False
    if _all_words(new_text) & _REFERRING:
        return False
    said = _words(new_text)
    earlier = _words(" ".join(context))
    unsaid = [
        not (words & said) and words <= earlier
        for words in (_words(name) for name in names)
        if words  # "I", "a": nothing to look for
    ]
    if not unsaid:
        return False
    return all(unsaid) if every else any(unsaid)


def memory_too_short(text: str) -> bool:
    """Whether a memory is too short to mean anything ("I", "my", "Alice"): one word, unless
    it is written in a script without spaces (Chinese, Japanese, Thai) and has a few letters."""
    words = text.split()
    if len(words) >= 2 or not words:  # a blank one is reported as blank where it is stored
        return False
    letters = [ch for ch in text if unicodedata.category(ch)[0] in "LN"]
    return not (len(letters) >= 3 and any(_unspaced(ch) for ch in letters))


def _unspaced(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI", "HANGUL", "LAO", "KHMER"))


# Cached: screen_relations asks about the same new messages and context once per relation.
@functools.lru_cache(maxsize=256)
def _all_words(text: str) -> frozenset[str]:
    """Every folded word of ``text``."""
    return frozenset(_WORD.findall(name_key(text)))


@functools.lru_cache(maxsize=256)
def _words(text: str) -> frozenset[str]:
    """Folded words of three letters or more (or any word in a script without spaces)."""
    return frozenset(w for w in _all_words(text) if len(w) >= 3 or any(_unspaced(c) for c in w))


def memory_names(text: str, speaker: str) -> list[str]:
    """The names a memory mentions: capitalized words and numbers after its first word,
    other than the speaker's name (what ties it to the messages it came from)."""
    words = text.split()[1:]
    skip = _words(speaker)
    names = [
        w.strip(".,;:!?()\"'")
        for w in words
        if (w[:1].isupper() or any(c.isdigit() for c in w)) and not (_words(w) & skip)
    ]
    return [n for n in names if n and not speaker_word(n)]
