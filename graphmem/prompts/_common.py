from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from graphmem.models import Message
from graphmem.times import describe


def render_messages(messages: Sequence[Message]) -> str:
    """One line per message: ``[when] speaker: content`` (the time when it is known)."""
    lines = []
    for m in messages:
        speaker = m.name or m.role
        when = f"[{describe(m.timestamp)}] " if m.timestamp is not None else ""
        lines.append(f"{when}{speaker}: {m.content}")
    return "\n".join(lines)


def render_context(summary: str | None, recent: Sequence[Message]) -> str:
    parts = []
    if summary:
        parts.append(f"Summary of the earlier conversation:\n{summary}")
    if recent:
        parts.append(f"Most recent earlier messages:\n{render_messages(recent)}")
    return "\n\n".join(parts) if parts else "(no earlier conversation)"


def now_line(now: datetime) -> str:
    """The first line of every extraction call: the time of the add, against which relative
    times ("yesterday", "next Friday", "two years ago") are resolved."""
    return f"NOW: {describe(now)}"


def conversation_prompt(
    new: Sequence[Message], summary: str | None, recent: Sequence[Message], now: datetime
) -> str:
    """The user message of an extraction call: the time of the add, the paper's context
    (summary and recent messages), then the new messages to extract from."""
    return (
        f"{now_line(now)}\n\nEARLIER CONVERSATION\n{render_context(summary, recent)}\n\n"
        f"NEW MESSAGES\n{render_messages(new)}"
    )
