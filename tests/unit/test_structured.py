from __future__ import annotations

import copy
import json
from typing import Any, Literal

import jsonschema
import pytest
from pydantic import BaseModel

from graphmem import LLMOutputError
from graphmem.prompts.resolution import UpdateDecisions, UpdateResolution
from graphmem.structured import UsageMeter, _make_strict, call_structured, strict_json_schema
from graphmem.testing import RawReply, ScriptedLLM


class Answer(BaseModel):
    value: int


def test_strict_schema_requires_every_property_and_forbids_extras() -> None:
    schema = strict_json_schema(UpdateResolution)
    decision = schema["properties"]["decisions"]["items"]
    assert decision["additionalProperties"] is False
    assert set(decision["required"]) == {"operation", "new_id", "existing_id", "reason"}
    assert decision["properties"]["new_id"] == {"type": ["string", "null"]}
    assert "title" not in schema and "default" not in str(schema) and "$defs" not in schema


class Leaf(BaseModel):
    name: str
    size: int | None


class Tree(BaseModel):
    label: str | None
    kind: Literal["a", "b"] | None
    left: Leaf
    others: list[Leaf]
    child: Tree | None


REPLIES: list[Any] = [
    {"decisions": [], "entities": []},
    {
        "decisions": [{"operation": "ADD", "new_id": "N1", "existing_id": None, "reason": "r"}],
        "entities": [{"id": "M1", "same": True}],
    },
    {
        "decisions": [{"operation": "ADD", "new_id": None, "existing_id": 3, "reason": "r"}],
        "entities": [],
    },
    {
        "decisions": [{"operation": "MOVE", "new_id": "N1", "existing_id": None, "reason": "r"}],
        "entities": [],
    },
    {"decisions": [{"operation": "ADD", "new_id": "N1", "reason": "r"}], "entities": []},
    {"decisions": [], "entities": [], "extra": 1},
    {"decisions": [], "entities": [{"id": "M1", "same": "yes"}]},
    {"decisions": None, "entities": []},
]
TREES: list[Any] = [
    {
        "label": None,
        "kind": "a",
        "left": {"name": "x", "size": None},
        "others": [],
        "child": {
            "label": "c",
            "kind": None,
            "left": {"name": "y", "size": 2},
            "others": [],
            "child": None,
        },
    },
    {"label": None, "kind": "c", "left": {"name": "x", "size": None}, "others": [], "child": None},
    {"label": 1, "kind": None, "left": {"name": "x", "size": None}, "others": [], "child": None},
    {"label": None, "kind": None, "left": {"name": "x", "size": "2"}, "others": [], "child": None},
    {
        "label": None,
        "kind": None,
        "left": {"name": "x", "size": 1},
        "others": [{"name": "z", "size": None, "more": 1}],
        "child": None,
    },
    {
        "label": None,
        "kind": None,
        "left": {"name": "x", "size": 1},
        "others": [],
        "child": {"label": None},
    },
]


@pytest.mark.parametrize(
    ("model", "instance"),
    [(UpdateResolution, r) for r in REPLIES] + [(Tree, t) for t in TREES],
)
def test_the_compact_schema_accepts_exactly_what_the_full_strict_one_does(
    model: type[BaseModel], instance: Any
) -> None:
    """Inlining single-use definitions and writing nullable types as type lists only
    shortens the schema sent with every call: each instance validates the same way."""
    full = copy.deepcopy(model.model_json_schema())
    _make_strict(full)
    compact = strict_json_schema(model)
    assert len(json.dumps(compact)) < len(json.dumps(full))
    assert _valid(compact, instance) == _valid(full, instance)


def test_shared_and_recursive_definitions_stay_definitions() -> None:
    schema = strict_json_schema(Tree)
    # Leaf is used twice and Tree refers to itself: both stay in $defs, referenced.
    assert set(schema["$defs"]) == {"Leaf", "Tree"}
    assert schema["$ref"] == "#/$defs/Tree"
    assert schema["$defs"]["Tree"]["properties"]["left"] == {"$ref": "#/$defs/Leaf"}


def test_a_resolver_without_entity_questions_gets_the_shorter_schema() -> None:
    short, full = strict_json_schema(UpdateDecisions), strict_json_schema(UpdateResolution)
    assert list(short["properties"]) == ["decisions"]
    assert len(json.dumps(short)) < 0.75 * len(json.dumps(full))


def _valid(schema: dict[str, Any], instance: Any) -> bool:
    return bool(jsonschema.Draft202012Validator(schema).is_valid(instance))


def test_a_malformed_reply_is_retried_then_validated() -> None:
    llm = ScriptedLLM().enqueue("answer", RawReply("not json"), {"value": 3})
    meter = UsageMeter()
    got = call_structured(
        llm,
        role="answer",
        system="s",
        user="u",
        response_model=Answer,
        meter=meter,
        output_retries=1,
    )
    assert got.value == 3
    assert meter.usage().by_role == {"answer": 2}
    assert "does not match" in llm.script.requests[1].messages[-1]["content"]


def test_a_reply_that_keeps_failing_raises_with_the_raw_text() -> None:
    llm = ScriptedLLM().enqueue("answer", RawReply("{}"), RawReply('{"value": "x"}'))
    with pytest.raises(LLMOutputError) as caught:
        call_structured(
            llm,
            role="answer",
            system="s",
            user="u",
            response_model=Answer,
            meter=UsageMeter(),
            output_retries=1,
        )
    assert caught.value.raw_text == '{"value": "x"}'
    assert not caught.value.is_retryable()
