"""Update resolver: one call decides ADD / UPDATE / DELETE / NOOP for all new facts of an add."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ROLE = "resolve_updates"

SYSTEM = """You keep a long-term memory graph consistent. You get EXISTING facts (ids E1, E2, ...)
and NEW facts just learned (ids N1, N2, ...). Return one decision per new fact, and one DELETE for
each existing fact that the new facts show to be no longer true:
- ADD: the new fact is new information (new_id set, existing_id null);
- UPDATE: the new fact refines or replaces one existing fact about the same thing, e.g. a changed
  value or more detail (new_id and existing_id set); the existing fact is retired;
- NOOP: the new fact is already known (new_id and existing_id set);
- DELETE: an existing fact is contradicted, e.g. "lives_in San Francisco" once the user moved to
  New York (existing_id set, new_id null). The contradicting new fact gets its own ADD.
Facts that can hold together (likes pizza, likes sushi) are not contradictions.
Retire only what the new facts contradict. Give a short reason for every decision."""


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation: Literal["ADD", "UPDATE", "DELETE", "NOOP"]
    new_id: str | None = Field(description="N<k> of the new fact, or null for DELETE")
    existing_id: str | None = Field(description="E<k> of the existing fact, or null for ADD")
    reason: str


class UpdateResolution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decisions: list[Decision]


def build(existing: Sequence[tuple[str, str]], new: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """``existing`` and ``new`` are (short id, fact text) pairs."""
    ex = "\n".join(f"{i}: {text}" for i, text in existing) or "(none)"
    nw = "\n".join(f"{i}: {text}" for i, text in new)
    return SYSTEM, f"EXISTING FACTS\n{ex}\n\nNEW FACTS\n{nw}"
