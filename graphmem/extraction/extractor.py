"""The paper's extraction calls (Mem0g: entities, then relations; Mem0: memories), with the
scope's summary and recent messages as context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from graphmem.effects import Step
from graphmem.models import Message
from graphmem.prompts import entities as entity_prompt
from graphmem.prompts import memories as memory_prompt
from graphmem.prompts import relations as relation_prompt
from graphmem.prompts import summary as summary_prompt
from graphmem.prompts.entities import EntityExtraction, ExtractedEntity
from graphmem.prompts.memories import ExtractedMemory, MemoryExtraction
from graphmem.prompts.relations import (
    ExtractedRelation,
    RelationExtraction,
    RelationsAndMemories,
)
from graphmem.prompts.summary import ConversationSummary
from graphmem.structured import UsageMeter, structured

__all__ = ["Conversation", "Extraction", "Extractor"]


@dataclass(frozen=True, slots=True)
class Conversation:
    """What an extraction call reads: the new messages, the paper's context (the scope's
    summary and recent messages), the speaker's name, and the add's time ("now")."""

    new: Sequence[Message]
    summary: str | None
    recent: Sequence[Message]
    self_name: str
    now: datetime


@dataclass(frozen=True, slots=True)
class Extraction:
    entities: tuple[ExtractedEntity, ...]
    relations: tuple[ExtractedRelation, ...]
    # Asked with_memories: the memories the relation call wrote; None when it was not made.
    memories: tuple[ExtractedMemory, ...] | None = None


class Extractor:
    """The extraction and summary calls as steps (graphmem.effects): the driver asks the LLM."""

    def __init__(self, output_retries: int, relation_context_messages: int = 2) -> None:
        self._retries = output_retries
        self._relation_context = relation_context_messages

    def extract(
        self, talk: Conversation, meter: UsageMeter, *, with_memories: bool = False
    ) -> Step[Extraction]:
        """Entities, then relations over them (and, ``with_memories``, memories in the same
        call); no relation call when there are no entities."""
        system, user = entity_prompt.build(
            talk.new, talk.summary, talk.recent, talk.self_name, talk.now
        )
        found = yield from structured(
            role=entity_prompt.ROLE,
            system=system,
            user=user,
            response_model=EntityExtraction,
            meter=meter,
            output_retries=self._retries,
        )
        if not found.entities:  # nothing to relate: skip the second call
            return Extraction((), ())
        last = list(talk.recent[-self._relation_context :]) if self._relation_context else []
        system, user = relation_prompt.build(
            talk.new, found.entities, last, talk.self_name, talk.now, with_memories=with_memories
        )
        related: RelationExtraction = yield from structured(
            role=relation_prompt.ROLE,
            system=system,
            user=user,
            response_model=RelationsAndMemories if with_memories else RelationExtraction,
            meter=meter,
            output_retries=self._retries,
        )
        memories = related.memories if isinstance(related, RelationsAndMemories) else None
        return Extraction(
            tuple(found.entities),
            tuple(related.relations),
            tuple(memories) if memories is not None else None,
        )

    def extract_memories(
        self, talk: Conversation, meter: UsageMeter
    ) -> Step[list[ExtractedMemory]]:
        """The Mem0 variant's one extraction call: candidate memories in natural language,
        each with the time it became true when the messages say."""
        system, user = memory_prompt.build(
            talk.new, talk.summary, talk.recent, talk.self_name, talk.now
        )
        found = yield from structured(
            role=memory_prompt.ROLE,
            system=system,
            user=user,
            response_model=MemoryExtraction,
            meter=meter,
            output_retries=self._retries,
        )
        return list(found.memories)

    def summarize(
        self, current: str | None, new: Sequence[Message], meter: UsageMeter
    ) -> Step[str]:
        system, user = summary_prompt.build(current, new)
        written = yield from structured(
            role=summary_prompt.ROLE,
            system=system,
            user=user,
            response_model=ConversationSummary,
            meter=meter,
            output_retries=self._retries,
        )
        return written.summary
