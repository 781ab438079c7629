"""LLM-free linking of a query to entities: what to ask the full-text index, and whether the
query speaks about the user themself."""

from __future__ import annotations

import re

__all__ = ["content_words", "fulltext_query", "mentions_self", "scoped_fulltext_query"]

_WORD = re.compile(r"\w+", re.UNICODE)
_SELF = re.compile(r"\b(i|me|my|mine|myself|i'm|i've|i'd)\b", re.IGNORECASE)
_STOP = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "like",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "tell",
        "know",
        "recommend",
        "suggest",
        "remember",
        "tonight",
        "today",
    ]
)


def mentions_self(query: str) -> bool:
    return _SELF.search(query) is not None


def content_words(query: str) -> list[str]:
    """The query's lower-cased words, stop words and one-letter words left out, in order."""
    words: list[str] = []
    for word in _WORD.findall(query.casefold()):
        if len(word) >= 2 and word not in _STOP and word not in words:
            words.append(word)
    return words


def fulltext_query(query: str, max_terms: int = 12, fuzzy: bool = True) -> str | None:
    """A Lucene query OR-ing the query's content words, fuzzy for longer ones: one edit (a
    wrong, missing, extra or swapped letter) per word. Lucene's default of two edits cost
    ~2.5 ms more per search in the 1M-relation database of bench/retrieval.

    Terms are plain \\w+ tokens in lower case, so no Lucene operator or special character
    can come through from the user's text."""
    terms = content_words(query)
    if not terms:
        return None
    return " OR ".join(f"{t}~1" if fuzzy and len(t) >= 5 else t for t in terms[:max_terms])


def scoped_fulltext_query(
    field: str, scope_token: str, query: str, *, fuzzy: bool = True
) -> str | None:
    """``fulltext_query`` on one field, required to match the scope's token (a filter inside
    Lucene, so other scopes never take the top places)."""
    terms = fulltext_query(query, fuzzy=fuzzy)
    if terms is None:
        return None
    return f"+scope_token:{scope_token} +{field}:({terms})"
