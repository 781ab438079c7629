"""Checks and coercions of what callers pass in, before anything runs (shared by both APIs)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from graphmem.errors import InvalidInputError
from graphmem.models import MemoryInput, Message, Triplet, normalize_name
from graphmem.text import normalize_relation, require_unicode
from graphmem.times import from_query, storable

__all__ = [
    "MemoryInputArg",
    "MessagesInput",
    "TripletInput",
    "batches",
    "check_idempotency_key",
    "coerce_memory",
    "coerce_messages",
    "coerce_triplet",
    "stored_messages",
    "timed",
]

MessagesInput = str | Message | Mapping[str, Any] | Sequence[Message | Mapping[str, Any]]
TripletInput = Triplet | Mapping[str, Any] | Sequence[str]
MemoryInputArg = MemoryInput | str | Mapping[str, Any]

_MAX_KEY_CHARS = 256


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > _MAX_KEY_CHARS:
        raise InvalidInputError(
            f"idempotency_key must be a non-blank string of at most {_MAX_KEY_CHARS} "
            f"characters (e.g. a UUID or your message id), got {key!r:.80}"
        )
    return require_unicode(key, "idempotency_key")


def coerce_messages(messages: MessagesInput) -> list[Message]:
    if isinstance(messages, str):
        items: Sequence[Any] = [{"role": "user", "content": messages}]
    elif isinstance(messages, Message | Mapping):
        items = [messages]
    else:
        items = messages
    out: list[Message] = []
    try:
        for item in items:
            out.append(item if isinstance(item, Message) else Message.model_validate(item))
    except (ValidationError, TypeError) as exc:
        raise InvalidInputError(
            "messages must be a string or a list of {'role', 'content'} dicts "
            f"(role one of user, assistant, system, tool): {exc}"
        ) from exc
    if not out or not any(m.content.strip() for m in out):
        raise InvalidInputError("messages are empty: give at least one message with content")
    return out


def coerce_triplet(item: TripletInput) -> Triplet:
    try:
        if isinstance(item, Triplet):
            return item
        if isinstance(item, Mapping):
            return Triplet.model_validate(item)
        if isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 3:
            return Triplet(source=item[0], relation=item[1], target=item[2])
    except ValidationError as exc:
        raise InvalidInputError(f"bad triplet {item!r}: {exc}") from exc
    raise InvalidInputError(
        f"bad triplet {item!r}: give a Triplet, a dict with source/relation/target, or a 3-tuple"
    )


def coerce_memory(item: MemoryInputArg) -> MemoryInput:
    try:
        if isinstance(item, MemoryInput):
            memory = item
        elif isinstance(item, str):
            memory = MemoryInput(text=item)
        elif isinstance(item, Mapping):
            memory = MemoryInput.model_validate(item)
        else:
            raise InvalidInputError(
                f"bad memory {item!r:.80}: give a string, a MemoryInput or a dict with 'text'"
            )
    except ValidationError as exc:
        raise InvalidInputError(f"bad memory {item!r:.80}: {exc}") from exc
    if not memory.text.strip():
        raise InvalidInputError("a memory's text is blank: give the words to remember")
    require_unicode(memory.text, "memory text")
    return memory


def batches(
    items: list[Triplet], default_time: datetime, singles: frozenset[str], size: int
) -> list[list[Triplet]]:
    """Time-ordered batches; a batch never holds two values of one single-valued relation for
    the same source, so the later value can retire the earlier one."""
    ordered = sorted(items, key=lambda t: storable(t.valid_at) if t.valid_at else default_time)
    batches: list[list[Triplet]] = [[]]
    seen: set[tuple[str, str]] = set()
    for t in ordered:
        key = (normalize_name(t.source), normalize_relation(t.relation))
        if len(batches[-1]) >= size or (key[1] in singles and key in seen):
            batches.append([])
            seen = set()
        batches[-1].append(t)
        seen.add(key)
    return batches


def timed(messages: Sequence[Message], default: datetime) -> list[Message]:
    """The messages, each with its time: its own, else ``default`` (the add's)."""
    return [
        m.model_copy(update={"timestamp": storable(m.timestamp) if m.timestamp else default})
        for m in messages
    ]


def stored_messages(episodes: Sequence[Mapping[str, Any]]) -> list[Message]:
    """The messages of stored episodes ({messages_json, observed_at}), each with its time;
    messages stored before they carried one get their episode's."""
    out: list[Message] = []
    for ep in episodes:
        when = from_query(ep["observed_at"]) if ep.get("observed_at") else None
        for m in json.loads(ep["messages_json"]):
            message = Message(**m)
            if message.timestamp is None and when is not None:
                message = message.model_copy(update={"timestamp": when})
            out.append(message)
    return out
