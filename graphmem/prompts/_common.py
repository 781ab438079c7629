from __future__ import annotations

from collections.abc import Sequence

from graphmem.models import Message


def render_messages(messages: Sequence[Message]) -> str:
    lines = []
    for m in messages:
        speaker = m.name or m.role
        lines.append(f"{speaker}: {m.content}")
    return "\n".join(lines)


def render_context(summary: str | None, recent: Sequence[Message]) -> str:
    parts = []
    if summary:
        parts.append(f"Summary of the earlier conversation:\n{summary}")
    if recent:
        parts.append(f"Most recent earlier messages:\n{render_messages(recent)}")
    return "\n\n".join(parts) if parts else "(no earlier conversation)"


def conversation_prompt(
    new: Sequence[Message], summary: str | None, recent: Sequence[Message]
) -> str:
    """The user message of an extraction call: the paper's context (summary and recent
    messages), then the new messages to extract from."""
    return (
        f"EARLIER CONVERSATION\n{render_context(summary, recent)}\n\n"
        f"NEW MESSAGES\n{render_messages(new)}"
    )
