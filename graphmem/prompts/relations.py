"""Relationship generator: (source, relation, target) triplets over the extracted entities."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from graphmem.models import Message
from graphmem.prompts._common import render_context, render_messages
from graphmem.prompts.entities import ExtractedEntity
from graphmem.prompts.memories import MemoryText

ROLE = "extract_relations"

SYSTEM = """You turn a conversation into facts for a long-term memory graph.
Given the NEW MESSAGES and the entities found in them, return the facts they state as
(source, relation, target) triplets. Rules:
- source and target are names from the ENTITIES list, written exactly as there;
- relation is a short lower_snake_case verb phrase in the present tense
  (lives_in, works_at, is_allergic_to, prefers, has_child); state negations positively
  (avoids dairy, not "does_not_eat dairy");
- only facts the messages state or clearly imply; nothing from general knowledge;
- when a speaker says "I", "me" or "my", the source is {self_name}.
Return an empty list when there are no facts."""


class ExtractedRelation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=200)
    relation: str = Field(min_length=1, max_length=100)
    target: str = Field(min_length=1, max_length=200)


class RelationExtraction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    relations: list[ExtractedRelation]


# GraphMemConfig(variant="both"): the same call also writes the Mem0 variant's memories, so
# the two representations come from one extraction pass.
WITH_MEMORIES = """
Also return the same knowledge as memories: each fact worth remembering as one sentence that
makes sense on its own (preferences, plans, relationships, events, work, health), with names,
numbers, versions and dates exactly as written, in the language of the messages. A memory may
keep detail that no triplet holds."""


class RelationsAndMemories(RelationExtraction):
    memories: list[MemoryText]


def build(
    new: Sequence[Message],
    entities: Sequence[ExtractedEntity],
    recent: Sequence[Message],
    self_name: str,
    *,
    with_memories: bool = False,
) -> tuple[str, str]:
    """The summary and the longer context went to the entity call, which resolved references
    into the ENTITIES list; only the last few ``recent`` messages come along here (the
    antecedents of "there" or "he"), so the context is not paid for twice."""
    listed = "\n".join(f"- {e.name} ({e.type})" for e in entities)
    user = (
        f"EARLIER MESSAGES\n{render_context(None, recent)}\n\n"
        f"NEW MESSAGES\n{render_messages(new)}\n\nENTITIES\n{listed}"
    )
    system = SYSTEM.format(self_name=self_name)
    return (system + WITH_MEMORIES if with_memories else system), user
