"""Entity extractor: which entities do the new messages mention, and of what type."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from graphmem.models import Message
from graphmem.prompts._common import conversation_prompt

ROLE = "extract_entities"

SYSTEM = """You extract the entities of a conversation for a long-term memory graph.
Return every person, place, organisation, object, activity, preference, food, date or concept
that the NEW MESSAGES state a fact about. Give each a short canonical name and a one-word type
(Person, Place, Organization, Food, Activity, Preference, Event, Object, Concept, Date, ...).
When a speaker says "I", "me" or "my", the entity is that speaker: name it {self_name}.
Use the earlier conversation only to resolve references; extract from the NEW MESSAGES only.
Return an empty list when the messages state no facts."""


class ExtractedEntity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=60)


class EntityExtraction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entities: list[ExtractedEntity]


def build(
    new: Sequence[Message],
    summary: str | None,
    recent: Sequence[Message],
    self_name: str,
    now: datetime,
) -> tuple[str, str]:
    return SYSTEM.format(self_name=self_name), conversation_prompt(new, summary, recent, now)
