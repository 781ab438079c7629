"""Update resolver: one call decides ADD / UPDATE / DELETE / NOOP for all new facts of an add,
and whether names that only look alike name the same entity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graphmem.structured import strict_json_schema

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
Each fact shows the time it holds from (and, if it ended, until). A new fact about an earlier
time than an existing one is history, not a replacement: decide UPDATE when it is the same
kind of fact with another value, and the memory keeps both, each in its own time.
Retire only what the new facts contradict. Give a short reason for every decision."""

SAME_ENTITY = """
SAME ENTITY questions (ids M1, M2, ...) pair a name from the new messages with a stored entity
whose name looks similar. Answer each: same=true only when both clearly name one real thing
(another spelling, an abbreviation, a transliteration, a shorter form of the same name);
same=false when they may be different things, e.g. names that differ in a number, version, year,
place or a person's given name. The new facts use the new name either way."""


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation: Literal["ADD", "UPDATE", "DELETE", "NOOP"]
    new_id: str | None = Field(description="N<k> of the new fact, or null for DELETE")
    existing_id: str | None = Field(description="E<k> of the existing fact, or null for ADD")
    reason: str


class SameEntity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="M<k> of the question")
    same: bool


class UpdateDecisions(BaseModel):
    """The reply when no SAME ENTITY question is asked (and the memory resolver's): the
    schema sent is then ~40% shorter than with the unused ``entities`` list."""

    model_config = ConfigDict(extra="forbid")
    decisions: list[Decision]


class UpdateResolution(UpdateDecisions):
    # One answer per SAME ENTITY question; empty when there are none.
    entities: list[SameEntity] = Field(default_factory=list)


def dated(text: str, valid_at: datetime | None, invalid_at: datetime | None = None) -> str:
    """A fact as the resolver sees it: its text and the interval it holds in."""
    if valid_at is None:
        return text
    if invalid_at is None:
        return f"{text} (since {valid_at:%Y-%m-%d})"
    return f"{text} ({valid_at:%Y-%m-%d} until {invalid_at:%Y-%m-%d})"


def build(
    existing: Sequence[tuple[str, str]],
    new: Sequence[tuple[str, str]],
    questions: Sequence[tuple[str, str, str]] = (),
) -> tuple[str, str]:
    """``existing`` and ``new`` are (short id, fact text) pairs; ``questions`` are
    (short id, new name with its type, stored name with its type)."""
    ex = "\n".join(f"{i}: {text}" for i, text in existing) or "(none)"
    nw = "\n".join(f"{i}: {text}" for i, text in new) or "(none)"
    user = f"EXISTING FACTS\n{ex}\n\nNEW FACTS\n{nw}"
    if not questions:
        return SYSTEM, user
    asked = "\n".join(f"{i}: {name} ~ {stored}" for i, name, stored in questions)
    return SYSTEM + SAME_ENTITY, f"{user}\n\nSAME ENTITY\n{asked}"


def reply_schema(
    model: type[BaseModel],
    new_ids: Sequence[str],
    existing_ids: Sequence[str],
    question_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """The reply's strict schema with the ids this call may name as enums, so servers that
    hold replies to the schema (OpenAI strict, llama.cpp and vLLM grammars) cannot write an
    id that does not exist (or a degenerate "1000000...")."""
    schema = strict_json_schema(model)
    enums: dict[str, list[str | None]] = {
        "new_id": [*new_ids, None],
        "existing_id": [*existing_ids, None],
        "id": list(question_ids),
    }
    _set_enums(schema, enums)
    return schema


def _set_enums(node: Any, enums: Mapping[str, list[str | None]]) -> None:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, values in enums.items():
                spec = properties.get(name)
                if isinstance(spec, dict) and values:
                    spec["enum"] = values
        for value in node.values():
            _set_enums(value, enums)
    elif isinstance(node, list):
        for item in node:
            _set_enums(item, enums)
