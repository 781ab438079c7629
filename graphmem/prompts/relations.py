"""Relationship generator: (source, relation, target) triplets over the extracted entities."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graphmem.models import Message
from graphmem.prompts._common import now_line, render_context, render_messages
from graphmem.prompts.entities import ExtractedEntity
from graphmem.prompts.memories import TIME as MEMORY_TIME
from graphmem.prompts.memories import ExtractedMemory, _as_memories

ROLE = "extract_relations"

SYSTEM = """You turn a conversation into facts for a long-term memory graph.
Given the NEW MESSAGES and the entities found in them, return the facts they state as
(source, relation, target) triplets. Rules:
- source and target are names from the ENTITIES list, written exactly as there;
- relation is a short lower_snake_case verb phrase in the present tense
  (lives_in, works_at, is_allergic_to, prefers, has_child); state negations positively
  (avoids dairy, not "does_not_eat dairy");
- only facts the messages state or clearly imply; nothing from general knowledge;
- when a speaker says "I", "me" or "my", the source is {self_name};
- time: each message shows when it was said, and NOW is the time of this add. valid_at is when
  the fact became true, or the date of the event (went to, met, bought); invalid_at is when it
  stopped being true. Write each as an ISO 8601 year, month, date or date-time (2019, 2019-03,
  2019-03-14), resolving relative times against the message's time ("last month" said on
  2023-05-08 is 2023-04; "since 2019" is 2019); null when the messages do not say.
Return an empty list when there are no facts."""


class ExtractedRelation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=200)
    relation: str = Field(min_length=1, max_length=100)
    target: str = Field(min_length=1, max_length=200)
    # Times as the model wrote them; graphmem.times.parse_stated reads them (a bad one is
    # dropped with a reason, not the fact). Optional, so replies without them stay valid.
    valid_at: str | None = Field(default=None, description="ISO 8601 date or null")
    invalid_at: str | None = Field(default=None, description="ISO 8601 date or null")


class RelationExtraction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    relations: list[ExtractedRelation]


# GraphMemConfig(variant="both"): the same call also writes the Mem0 variant's memories, so
# the two representations come from one extraction pass.
WITH_MEMORIES = (
    """
Also return the same knowledge as memories: each fact worth remembering as one sentence that
makes sense on its own (preferences, plans, relationships, events, work, health), with names,
numbers, versions and dates exactly as written, in the language of the messages. A memory may
keep detail that no triplet holds. """
    + MEMORY_TIME
)


class RelationsAndMemories(RelationExtraction):
    memories: list[ExtractedMemory]

    _strings = field_validator("memories", mode="before")(_as_memories)


def build(
    new: Sequence[Message],
    entities: Sequence[ExtractedEntity],
    recent: Sequence[Message],
    self_name: str,
    now: datetime,
    *,
    with_memories: bool = False,
) -> tuple[str, str]:
    """The summary and the longer context went to the entity call, which resolved references
    into the ENTITIES list; only the last few ``recent`` messages come along here (the
    antecedents of "there" or "he"), so the context is not paid for twice."""
    listed = "\n".join(f"- {e.name} ({e.type})" for e in entities)
    user = (
        f"{now_line(now)}\n\nEARLIER MESSAGES\n{render_context(None, recent)}\n\n"
        f"NEW MESSAGES\n{render_messages(new)}\n\nENTITIES\n{listed}"
    )
    system = SYSTEM.format(self_name=self_name)
    return (system + WITH_MEMORIES if with_memories else system), user
