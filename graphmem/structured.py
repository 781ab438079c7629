"""Structured LLM calls: schema in, validated pydantic model out, usage counted."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from graphmem.effects import Chat, Step
from graphmem.errors import LLMOutputError, LLMTruncatedError
from graphmem.models import Usage
from graphmem.ports import LLM, ChatReply, ChatRequest

__all__ = ["UsageMeter", "call_structured", "parse_reply", "strict_json_schema", "structured"]

T = TypeVar("T", bound=BaseModel)


class UsageMeter:
    """Counts LLM calls and tokens for one public operation (an add, a search)."""

    def __init__(self) -> None:
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.by_role: dict[str, int] = {}
        # Reply items left out because they broke their schema: (what, why).
        self.dropped: list[tuple[str, str]] = []

    def record(self, role: str, prompt_tokens: int, completion_tokens: int) -> None:
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.by_role[role] = self.by_role.get(role, 0) + 1

    def merge(self, usage: Usage) -> None:
        self.calls += usage.llm_calls
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        for role, calls in usage.by_role.items():
            self.by_role[role] = self.by_role.get(role, 0) + calls

    def usage(self) -> Usage:
        return Usage(
            llm_calls=self.calls,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            by_role=dict(self.by_role),
        )


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the strict subset OpenAI structured outputs accept:
    every property required, no extra properties, no defaults or titles. It is sent with
    every call, so it is also written compactly (the same instances validate): definitions
    used once are inlined and ``anyOf [T, null]`` becomes ``type: [T, "null"]``."""
    schema = copy.deepcopy(model.model_json_schema())
    _make_strict(schema)
    return _compact(schema)


def _make_strict(node: Any) -> None:
    if isinstance(node, dict):
        # Validation keywords the strict subset rejects; pydantic still enforces them.
        for key in ("title", "default", "minLength", "maxLength", "description"):
            if not isinstance(node.get(key), dict):
                node.pop(key, None)
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False
        for value in node.values():
            _make_strict(value)
    elif isinstance(node, list):
        for item in node:
            _make_strict(item)


def _compact(schema: dict[str, Any]) -> dict[str, Any]:
    defs: dict[str, Any] = schema.pop("$defs", {})
    uses = Counter(_refs(schema) + [r for d in defs.values() for r in _refs(d)])
    # Inline only what is used exactly once, so recursive or shared definitions stay put.
    inline = {f"#/$defs/{name}": d for name, d in defs.items() if uses[f"#/$defs/{name}"] == 1}
    kept = {name: d for name, d in defs.items() if f"#/$defs/{name}" not in inline}
    out = cast(dict[str, Any], _rewrite(schema, inline))
    if kept:
        out["$defs"] = {name: _rewrite(d, inline) for name, d in kept.items()}
    return out


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _rewrite(node: Any, inline: dict[str, Any], depth: int = 0) -> Any:
    if depth > 32:  # a cycle of single-use definitions; never produced by pydantic models
        raise ValueError("the JSON schema nests definitions more than 32 deep")
    if isinstance(node, list):
        return [_rewrite(v, inline, depth) for v in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"$ref"} and node["$ref"] in inline:
        return _rewrite(inline[node["$ref"]], inline, depth + 1)
    branches = node.get("anyOf")
    if set(node) == {"anyOf"} and isinstance(branches, list) and len(branches) == 2:
        kinds = [b.get("type") if isinstance(b, dict) and len(b) == 1 else None for b in branches]
        if "null" in kinds and all(isinstance(k, str) for k in kinds) and kinds[0] != kinds[1]:
            return {"type": [k for k in kinds if k != "null"] + ["null"]}
    return {k: _rewrite(v, inline, depth) for k, v in node.items()}


def structured(
    *,
    role: str,
    system: str,
    user: str,
    response_model: type[T],
    meter: UsageMeter,
    output_retries: int,
    schema: Mapping[str, Any] | None = None,
) -> Step[T]:
    """Ask the LLM for a ``response_model``; re-ask with the validation error when the
    reply breaks the schema; raise LLMOutputError (with the raw text) when it keeps failing.

    The reply is read leniently: raw control characters inside strings (which grammar-
    constrained servers let through) and a Markdown code fence around the JSON are accepted,
    and list items that break their schema are left out (listed in ``meter.dropped``) when
    the rest is valid. ``schema`` (default: the model's strict schema) is what the endpoint
    is sent, e.g. with the ids a reply may name as enums."""
    messages: list[dict[str, str]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": user},
    ]
    sent = dict(schema) if schema is not None else strict_json_schema(response_model)
    last_error = ""
    raw = ""
    for _attempt in range(output_retries + 1):
        reply: ChatReply = yield Chat(
            ChatRequest(role=role, messages=list(messages), json_schema=sent)
        )
        meter.record(role, reply.prompt_tokens, reply.completion_tokens)
        raw = reply.text
        if reply.truncated:
            raise LLMTruncatedError(
                f"the {role!r} reply was cut at the output-token bound after "
                f"{reply.completion_tokens} tokens: raise LLMConfig.max_output_tokens "
                "(GRAPHMEM_LLM_MAX_TOKENS) or send fewer messages per add",
                role=role,
                raw_text=raw,
            )
        try:
            parsed, dropped = parse_reply(raw, response_model)
        except (ValidationError, ValueError) as exc:
            last_error = _short(exc)
            messages += [
                {"role": "assistant", "content": raw},
                {
                    "role": "user",
                    "content": "That reply does not match the required JSON schema: "
                    f"{last_error}. Answer again with JSON that matches it exactly.",
                },
            ]
            continue
        meter.dropped += [(f"{role} {what}", why) for what, why in dropped]
        return parsed
    raise LLMOutputError(
        f"the {role!r} reply did not match its schema after {output_retries + 1} attempt(s): "
        f"{last_error}",
        role=role,
        raw_text=raw,
    )


_FENCE = re.compile(r"^\s*```[A-Za-z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def parse_reply(raw: str, model: type[T]) -> tuple[T, list[tuple[str, str]]]:
    """``raw`` as a ``model``, and the list items left out because they broke their schema
    ((where, why) pairs). ValueError when it is not JSON; ValidationError when it cannot be
    read even without the bad items."""
    fenced = _FENCE.match(raw)
    text = fenced.group(1) if fenced else raw
    try:
        # strict=False: raw newlines and tabs inside strings are read as themselves.
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at character {exc.pos})") from exc
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        salvaged = _without_bad_items(data, exc)
        if salvaged is None:
            raise
        kept, dropped = salvaged
        return model.model_validate(kept), dropped


def _without_bad_items(
    data: Any, exc: ValidationError
) -> tuple[dict[str, Any], list[tuple[str, str]]] | None:
    """``data`` without the list items the errors point into, when every error points into a
    top-level list's item: one bad item must not sink the good ones beside it."""
    if not isinstance(data, dict):
        return None
    bad: dict[str, dict[int, str]] = {}
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) < 2 or not isinstance(loc[0], str) or not isinstance(loc[1], int):
            return None
        if not isinstance(data.get(loc[0]), list):
            return None
        where = ".".join(str(p) for p in loc[2:]) or "item"
        bad.setdefault(loc[0], {}).setdefault(loc[1], f"{where}: {err['msg']}")
    kept = dict(data)
    dropped: list[tuple[str, str]] = []
    for field_name, items in bad.items():
        kept[field_name] = [v for i, v in enumerate(data[field_name]) if i not in items]
        for i, why in sorted(items.items()):
            dropped.append((f"{field_name}[{i}] {_preview(data[field_name][i])}", why))
    return kept, dropped


def _preview(item: Any) -> str:
    text = json.dumps(item, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def call_structured(
    llm: LLM,
    *,
    role: str,
    system: str,
    user: str,
    response_model: type[T],
    meter: UsageMeter,
    output_retries: int,
    schema: Mapping[str, Any] | None = None,
) -> T:
    """:func:`structured` with a blocking LLM (for callers outside the memory pipeline)."""
    step = structured(
        role=role,
        system=system,
        user=user,
        response_model=response_model,
        meter=meter,
        output_retries=output_retries,
        schema=schema,
    )
    reply: Any = None
    while True:
        try:
            effect = step.send(reply)
        except StopIteration as stop:
            return cast(T, stop.value)
        assert isinstance(effect, Chat)
        reply = llm.complete(effect.request)


def _short(exc: ValidationError | ValueError) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc)
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
