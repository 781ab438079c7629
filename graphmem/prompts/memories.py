"""Memory extractor (the Mem0 variant): the new messages as short, self-contained facts in
natural language, with the rolling summary and the recent messages as context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graphmem.models import Message
from graphmem.prompts._common import conversation_prompt

ROLE = "extract_memories"

SYSTEM = """You keep a long-term memory of a conversation as short facts.
From the NEW MESSAGES, return each fact worth remembering about the speakers and the people,
places and things they talk about: preferences, plans, relationships, events, work, health,
and whatever they ask to be remembered. Each fact is one sentence that makes sense on its own;
when a speaker says "I", "me" or "my", name them {self_name}. Keep names, numbers and
versions exactly as written, and the language the messages use. Use the earlier conversation
only to resolve references. Return an empty list when there is nothing worth remembering."""

TIME = """Each message shows when it was said, and NOW is the time of this add. Write times as
dates, never relative: "moved to Berlin last month" said on 2023-05-08 is "moved to Berlin in
April 2023". valid_at is when the memory became true or the event happened (ISO 8601: 2019,
2019-03 or 2019-03-14), or null when the messages do not say."""

MemoryText = Annotated[str, Field(min_length=1, max_length=2000)]


class ExtractedMemory(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: MemoryText
    valid_at: str | None = Field(default=None, description="ISO 8601 date or null")


def _as_memories(value: Any) -> Any:
    """A bare string is a memory without a time (replies written before memories had one)."""
    if isinstance(value, list):
        return [{"text": v, "valid_at": None} if isinstance(v, str) else v for v in value]
    return value


class MemoryExtraction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    memories: list[ExtractedMemory]

    _strings = field_validator("memories", mode="before")(_as_memories)


def build(
    new: Sequence[Message],
    summary: str | None,
    recent: Sequence[Message],
    self_name: str,
    now: datetime,
) -> tuple[str, str]:
    system = SYSTEM.format(self_name=self_name) + "\n" + TIME
    return system, conversation_prompt(new, summary, recent, now)
