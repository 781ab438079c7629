"""Structured LLM calls: schema in, validated pydantic model out, usage counted."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from graphmem.effects import Chat, Step
from graphmem.errors import LLMOutputError
from graphmem.models import Usage
from graphmem.ports import LLM, ChatReply, ChatRequest

__all__ = ["UsageMeter", "call_structured", "strict_json_schema", "structured"]

T = TypeVar("T", bound=BaseModel)


class UsageMeter:
    """Counts LLM calls and tokens for one public operation (an add, a search)."""

    def __init__(self) -> None:
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.by_role: dict[str, int] = {}

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
) -> Step[T]:
    """Ask the LLM for a ``response_model``; re-ask with the validation error when the
    reply breaks the schema; raise LLMOutputError (with the raw text) when it keeps failing."""
    messages: list[dict[str, str]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": user},
    ]
    schema = strict_json_schema(response_model)
    last_error = ""
    raw = ""
    for _attempt in range(output_retries + 1):
        reply: ChatReply = yield Chat(
            ChatRequest(role=role, messages=list(messages), json_schema=schema)
        )
        meter.record(role, reply.prompt_tokens, reply.completion_tokens)
        raw = reply.text
        try:
            return response_model.model_validate_json(raw)
        except ValidationError as exc:
            last_error = _short(exc)
            messages += [
                {"role": "assistant", "content": raw},
                {
                    "role": "user",
                    "content": "That reply does not match the required JSON schema: "
                    f"{last_error}. Answer again with JSON that matches it exactly.",
                },
            ]
    raise LLMOutputError(
        f"the {role!r} reply did not match its schema after {output_retries + 1} attempt(s): "
        f"{last_error}",
        role=role,
        raw_text=raw,
    )


def call_structured(
    llm: LLM,
    *,
    role: str,
    system: str,
    user: str,
    response_model: type[T],
    meter: UsageMeter,
    output_retries: int,
) -> T:
    """:func:`structured` with a blocking LLM (for callers outside the memory pipeline)."""
    step = structured(
        role=role,
        system=system,
        user=user,
        response_model=response_model,
        meter=meter,
        output_retries=output_retries,
    )
    reply: Any = None
    while True:
        try:
            effect = step.send(reply)
        except StopIteration as stop:
            return cast(T, stop.value)
        assert isinstance(effect, Chat)
        reply = llm.complete(effect.request)


def _short(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
