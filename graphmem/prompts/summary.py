"""Conversation summarizer: the rolling long-term summary the extractors read as context."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from graphmem.models import Message
from graphmem.prompts._common import render_messages

ROLE = "summarize"

SYSTEM = """You maintain the running summary of a long conversation, used as context for
extracting facts from later messages. Merge the CURRENT SUMMARY and the NEW MESSAGES into one
summary of at most 200 words: who is who, what they said about themselves and each other, and
open topics. Keep names exact. Each message shows when it was said: write every time as a
date (2023-05-08, May 2023, 2019), never as "yesterday", "last month" or "next week"."""


class ConversationSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str


def build(current: str | None, new: Sequence[Message]) -> tuple[str, str]:
    return SYSTEM, (
        f"CURRENT SUMMARY\n{current or '(none yet)'}\n\nNEW MESSAGES\n{render_messages(new)}"
    )
