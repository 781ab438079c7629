import pytest
from pydantic import BaseModel

from graphmem import LLMOutputError
from graphmem.prompts.resolution import UpdateResolution
from graphmem.structured import UsageMeter, call_structured, strict_json_schema
from graphmem.testing import RawReply, ScriptedLLM


class Answer(BaseModel):
    value: int


def test_strict_schema_requires_every_property_and_forbids_extras() -> None:
    schema = strict_json_schema(UpdateResolution)
    decision = schema["$defs"]["Decision"]
    assert decision["additionalProperties"] is False
    assert set(decision["required"]) == {"operation", "new_id", "existing_id", "reason"}
    assert "title" not in schema and "default" not in str(schema)


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
