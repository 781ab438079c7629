"""Canonical forms of what people and LLMs write: entity names, relation names, entity types.

Any script is meaningful text here. What is stored is what was said (a relation "живёт_в" is
stored as "живёт_в", and shown as "Иван живёт в Москва"); only the *keys* that decide identity
fold what never changes meaning. Neo4j takes any Unicode string as a label or relationship type
through ``$(...)`` parameters, so nothing has to be squeezed into ASCII.
"""

from __future__ import annotations

import re
import unicodedata

from graphmem.errors import InvalidInputError

__all__ = [
    "RESERVED_LABELS",
    "name_key",
    "normalize_entity_type",
    "normalize_relation",
    "relationship_type",
]

_SPACE = re.compile(r"\s+")
# Punctuation kept in name keys because it changes what a name denotes ("C#", "AT&T", "A+").
_KEPT_PUNCTUATION = frozenset("#&@%+")
# Latin letters with a stroke or ligatures: no Unicode decomposition, same letters in names.
_LATIN_FOLD = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc`\u00b4")  # ' ’ ‘ ʼ ` ´


def name_key(name: str) -> str:
    """The key that makes "Zoë  O'Neil-Smith" and "zoe oneil smith" one entity.

    Folds case, runs of white space, Unicode compatibility forms (full-width letters), separator
    punctuation (dashes, dots, commas, quotes, brackets) to a space, apostrophes to nothing, and
    the diacritics of Latin and Greek letters (and strokes: "Łódź" = "Lodz"), and joins
    dotted initials ("U.S." = "US"). Marks of other scripts (Devanagari vowel signs, Cyrillic
    "й") are letters of their own there and stay."""
    text = unicodedata.normalize("NFKC", name).casefold().translate(_LATIN_FOLD)
    out: list[str] = []
    base_is_latin = False
    for ch in unicodedata.normalize("NFD", text):
        category = unicodedata.category(ch)
        if category.startswith("M"):
            if not base_is_latin:
                out.append(ch)
            continue
        script = unicodedata.name(ch, "").split(" ")[0]
        base_is_latin = category.startswith("L") and script in ("LATIN", "GREEK")
        if ch in _APOSTROPHES:
            continue
        if category.startswith("P") and ch not in _KEPT_PUNCTUATION:
            out.append(" ")
        else:
            out.append(ch)
    key = _join_initials(_SPACE.sub(" ", unicodedata.normalize("NFC", "".join(out))).strip())
    # A name made only of punctuation ("?", "...") is still a name: keep it recognisable.
    return key or _SPACE.sub(" ", text).strip()


def _join_initials(key: str) -> str:
    """ "u s navy" (from "U.S. Navy") -> "us navy", "j r r tolkien" -> "jrr tolkien": dotted
    initials are one word. A lone letter ("terminal a") stays a word of its own."""
    words = key.split(" ")
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and "a" <= word <= "z":
            run.append(word)
            continue
        if run:
            out += ["".join(run)] if len(run) > 1 else run
            run = []
        if word:
            out.append(word)
    return " ".join(out)


def _word_char(ch: str) -> bool:
    """Letters, marks and digits of any script, and symbols such as emoji."""
    return unicodedata.category(ch)[0] in "LMN" or unicodedata.category(ch) == "So"


def _words(text: str) -> list[str]:
    words, current = [], []
    for ch in unicodedata.normalize("NFC", text):
        if _word_char(ch):
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


MAX_RELATION_CHARS = 64


def normalize_relation(relation: str) -> str:
    """lower_snake_case in the relation's own script: "Lives In" -> "lives_in",
    "très aimé par" -> "très_aimé_par", "住在" -> "住在". Also the matching key."""
    out = "_".join(_words(relation.lower()))
    if not out:
        raise InvalidInputError(
            f"relation {relation!r} has no letters or digits: name it with a word (e.g. 'lives_in')"
        )
    if out[0].isdecimal():
        out = "r_" + out
    return out[:MAX_RELATION_CHARS].rstrip("_")


def relationship_type(relation: str) -> str:
    """The Neo4j relationship type of a normalized relation: upper case where the script has
    case (LIVES_IN, ЖИВЁТ_В), unchanged where it has none (住在)."""
    return relation.upper()


# Labels graphmem's own nodes carry; an entity typed like one would join its indexes.
RESERVED_LABELS = frozenset({"Entity", "Fact", "Episode", "Scope", "GraphMemSchema"})
MAX_TYPE_CHARS = 40


def normalize_entity_type(entity_type: str | None) -> str:
    """PascalCase type label in the type's own script ("city" -> "City", "город" -> "Город",
    "人物" -> "人物"); "" or junk becomes "Thing"; graphmem's own labels get "Type"."""
    label = "".join(w[:1].upper() + w[1:] for w in _words(entity_type or ""))[:MAX_TYPE_CHARS]
    if not label or not unicodedata.category(label[0]).startswith("L"):
        return "Thing"
    if label in RESERVED_LABELS:
        return f"{label}Type"
    return label


def require_unicode(value: str, what: str) -> str:
    """``value`` unchanged if it is valid Unicode text; InvalidInputError otherwise.

    Python strings may hold lone surrogates (e.g. from a bad decode); Neo4j, the tokenizer and
    JSON cannot take them, so they are refused here, with a typed error, before any work."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{what} is not valid Unicode: {exc.reason} at index {exc.start} ({value!r:.60}); "
            "decode your input with errors='replace' or fix its source"
        ) from exc
    return value
