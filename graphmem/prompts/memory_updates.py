"""Memory update resolver (the Mem0 variant): one call decides ADD / UPDATE / DELETE / NOOP for
all candidate memories of an add, each shown beside its most similar stored memories. The reply
has the graph resolver's shape without entity questions
(graphmem.prompts.resolution.UpdateDecisions)."""

from __future__ import annotations

from collections.abc import Sequence

from graphmem.prompts.resolution import UpdateDecisions

__all__ = ["ROLE", "SYSTEM", "UpdateDecisions", "build"]

ROLE = "resolve_memories"

SYSTEM = """You keep a long-term memory consistent. You get EXISTING memories (ids E1, E2, ...)
and NEW memories just learned (ids N1, N2, ...). Return one decision per new memory, and one
DELETE for each existing memory that the new ones show to be no longer true:
- ADD: the new memory is new information (new_id set, existing_id null);
- UPDATE: the new memory replaces or refines one existing memory about the same thing, e.g. a
  changed value or more detail (new_id and existing_id set); the existing one is retired;
- NOOP: the new memory is already known (new_id and existing_id set);
- DELETE: an existing memory is contradicted (existing_id set, new_id null). The contradicting
  new memory gets its own ADD.
Memories that can hold together (likes pizza, likes sushi) are not contradictions. Memories
about different things (Python 3.11 and Python 3.12, two people sharing a surname) are
different memories. Give a short reason for every decision."""


def build(existing: Sequence[tuple[str, str]], new: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """``existing`` and ``new`` are (short id, memory text) pairs."""
    ex = "\n".join(f"{i}: {text}" for i, text in existing) or "(none)"
    nw = "\n".join(f"{i}: {text}" for i, text in new)
    return SYSTEM, f"EXISTING MEMORIES\n{ex}\n\nNEW MEMORIES\n{nw}"
