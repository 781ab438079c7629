"""Memory extractor (the Mem0 variant): the new messages as short, self-contained facts in
natural language, with the rolling summary and the recent messages as context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from graphmem.models import Message
from graphmem.prompts._common import conversation_prompt

ROLE = "extract_memories"

SYSTEM = """You keep a long-term memory of a conversation as short facts.
From the NEW MESSAGES, return each fact worth remembering about the speakers and the people,
places and things they talk about: preferences, plans, relationships, events, work, health,
and whatever they ask to be remembered. Each fact is one sentence that makes sense on its own;
when a speaker says "I", "me" or "my", name them {self_name}. Keep names, numbers, versions
and dates exactly as written, and the language the messages use. Use the earlier conversation
only to resolve references. Return an empty list when there is nothing worth remembering."""

MemoryText = Annotated[str, Field(min_length=1, max_length=2000)]


class MemoryExtraction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    memories: list[MemoryText]


def build(
    new: Sequence[Message], summary: str | None, recent: Sequence[Message], self_name: str
) -> tuple[str, str]:
    return SYSTEM.format(self_name=self_name), conversation_prompt(new, summary, recent)
