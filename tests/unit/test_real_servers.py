"""What real model servers do, replayed: exchanges recorded from llama-cpp-python's server
(tests/fixtures/servers, by bench/real_model/record.py) and the shapes small models write,
through the loopback server and the real openai client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem import LLMConfig
from graphmem.adapters import OpenAIChatLLM
from graphmem.errors import (
    ConfigurationError,
    LLMOutputError,
    LLMTimeoutError,
    LLMTruncatedError,
)
from graphmem.ports import ChatRequest
from graphmem.prompts.entities import EntityExtraction
from graphmem.prompts.memories import MemoryExtraction
from graphmem.structured import UsageMeter, call_structured, parse_reply, strict_json_schema
from graphmem.testing import (
    DelayedReply,
    OpenAICompatibleServer,
    RawReply,
    RecordedResponse,
    Script,
    TruncatedReply,
)

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "servers" / "llama-cpp-python"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return data


def as_llama_cpp_python() -> OpenAICompatibleServer:
    """A loopback server that refuses json_schema as llama-cpp-python's server does (the
    recorded HTTP 500)."""
    refusal = recorded("json_schema_refused")
    return OpenAICompatibleServer(
        Script(), refuse={"json_schema": RecordedResponse(refusal["status"], refusal["response"])}
    )


@pytest.fixture
def server() -> Iterator[OpenAICompatibleServer]:
    with as_llama_cpp_python() as s:
        yield s


def _llm(server: OpenAICompatibleServer, **cfg: object) -> OpenAIChatLLM:
    options: dict[str, object] = {"model": "m", "base_url": server.base_url, **cfg}
    return OpenAIChatLLM(LLMConfig.model_validate(options))


def _entities(llm: OpenAIChatLLM, meter: UsageMeter | None = None) -> EntityExtraction:
    return call_structured(
        llm,
        role="extract_entities",
        system="Extract the entities.",
        user="I moved from Lisbon to Berlin in March.",
        response_model=EntityExtraction,
        meter=meter or UsageMeter(),
        output_retries=1,
    )


# -- D4: the default mode is found, a refused configured mode is a configuration error ----


def test_the_recorded_refusal_is_llama_cpp_pythons_500_for_json_schema() -> None:
    refusal = recorded("json_schema_refused")
    assert refusal["status"] == 500
    assert "json_object" in refusal["response"]["error"]["message"]


def test_auto_falls_back_to_a_tool_call_when_json_schema_is_refused(
    server: OpenAICompatibleServer,
) -> None:
    server.script.enqueue("extract_entities", RecordedResponse(200, _tool_reply()))
    server.script.enqueue("extract_entities", RecordedResponse(200, _tool_reply()))
    llm = _llm(server)
    found = _entities(llm)
    assert [e.name for e in found.entities] == ["Alice", "Lisbon", "Berlin"]
    assert llm.modes.chosen == "tool_call"
    # Chosen once: the next request goes straight to the tool call.
    _entities(llm)
    kinds = ["response_format" in r for r in server.http_requests]
    assert kinds == [True, False, False]


def test_a_configured_mode_the_server_refuses_is_a_configuration_error_not_a_retry(
    server: OpenAICompatibleServer,
) -> None:
    with pytest.raises(ConfigurationError, match="GRAPHMEM_LLM_STRUCTURED_OUTPUT") as caught:
        _entities(_llm(server, structured_output="json_schema"))
    assert not caught.value.is_retryable()
    assert len(server.http_requests) == 1


def test_json_mode_carries_the_schema_when_tools_are_refused_too() -> None:
    refusal = RecordedResponse(400, {"error": {"message": "tools are not supported"}})
    with as_llama_cpp_python() as server:
        server.refuse["tool"] = refusal
        server.script.enqueue("extract_entities", {"entities": [{"name": "Ana", "type": "P"}]})
        llm = _llm(server)
        assert _entities(llm).entities[0].name == "Ana"
        assert llm.modes.chosen == "json_object"
        sent = server.http_requests[-1]
        assert sent["response_format"]["type"] == "json_object"
        assert sent["response_format"]["schema"]["required"] == ["entities"]
        assert '"extract_entities"' in sent["messages"][0]["content"]


def test_an_endpoint_that_refuses_every_mode_says_which_setting_to_change() -> None:
    refusal = RecordedResponse(400, {"error": {"message": "response_format is not supported"}})
    with OpenAICompatibleServer(
        Script(), refuse={"json_schema": refusal, "tool": refusal, "json_object": refusal}
    ) as server:
        with pytest.raises(ConfigurationError, match="refused every structured-output mode"):
            _entities(_llm(server))
        assert len(server.http_requests) == 3


# -- D1 / D2: a bound on every reply, and a cut reply is its own error ---------------------


def test_every_request_carries_an_output_token_bound(server: OpenAICompatibleServer) -> None:
    server.script.enqueue("extract_entities", RecordedResponse(200, _tool_reply()))
    _entities(_llm(server, max_output_tokens=512))
    assert server.http_requests[-1]["max_tokens"] == 512


def test_openai_gets_the_bound_in_the_field_its_newer_models_read() -> None:
    assert LLMConfig().token_field() == "max_completion_tokens"
    assert LLMConfig(base_url="https://x.openai.azure.com/v1").token_field() == (
        "max_completion_tokens"
    )
    assert LLMConfig(base_url="http://127.0.0.1:8080/v1").token_field() == "max_tokens"


def test_a_recorded_cut_tool_call_is_a_truncation_error_and_not_re_asked(
    server: OpenAICompatibleServer,
) -> None:
    cut = recorded("tool_call_truncated")
    # llama-cpp-python says "tool_calls", not "length", for a tool call cut at the bound.
    assert cut["response"]["choices"][0]["finish_reason"] == "tool_calls"
    server.script.enqueue("extract_entities", RecordedResponse(200, cut["response"]))
    meter = UsageMeter()
    with pytest.raises(LLMTruncatedError, match="GRAPHMEM_LLM_MAX_TOKENS") as caught:
        _entities(_llm(server, max_output_tokens=16), meter)
    assert caught.value.raw_text.startswith('{"entities": [')
    assert meter.calls == 1 and len(server.http_requests) == 2  # the refusal, then one ask


def test_a_reply_cut_at_length_is_a_truncation_error() -> None:
    with OpenAICompatibleServer(Script()) as server:
        server.script.enqueue("extract_entities", TruncatedReply('{"entities": [{"na'))
        with pytest.raises(LLMTruncatedError):
            _entities(_llm(server))
        assert len(server.http_requests) == 1


def test_a_local_server_is_not_sent_the_same_request_again_after_a_timeout() -> None:
    with OpenAICompatibleServer(Script()) as server:
        server.script.enqueue("extract_entities", DelayedReply(2.0, {"entities": []}))
        with pytest.raises(LLMTimeoutError):
            _entities(_llm(server, timeout_seconds=0.5))
        assert len(server.http_requests) == 1
    assert LLMConfig(base_url="http://127.0.0.1:8080/v1").retries() == 0
    assert LLMConfig(base_url="http://192.168.1.20:11434/v1").retries() == 0
    assert LLMConfig(base_url="https://api.example.com/v1").retries() == 3
    assert LLMConfig(base_url="http://127.0.0.1:8080/v1", max_retries=2).retries() == 2


# -- D3 / D14: lenient reading, one bad item does not sink the reply -----------------------


def test_raw_newlines_inside_strings_are_read() -> None:
    raw = '{"memories": [{"text": "Address:\nRua Augusta 12\n\tLisboa", "valid_at": null}]}'
    parsed, dropped = parse_reply(raw, MemoryExtraction)
    assert parsed.memories[0].text == "Address:\nRua Augusta 12\n\tLisboa" and dropped == []


def test_a_fenced_reply_is_read() -> None:
    parsed, _ = parse_reply('```json\n{"entities": []}\n```', EntityExtraction)
    assert parsed.entities == []


def test_a_raw_newline_reply_through_the_server_is_stored_text_not_an_error() -> None:
    raw = '{"memories": [{"text": "Lives at\nRua Augusta 12", "valid_at": null}]}'
    with OpenAICompatibleServer(Script()) as server:
        server.script.enqueue("extract_memories", RawReply(raw))
        found = call_structured(
            _llm(server),
            role="extract_memories",
            system="s",
            user="u",
            response_model=MemoryExtraction,
            meter=UsageMeter(),
            output_retries=0,
        )
    assert found.memories[0].text == "Lives at\nRua Augusta 12"


def test_one_item_that_breaks_the_schema_is_left_out_and_said_the_rest_kept() -> None:
    long_name = "x" * 201
    raw = json.dumps(
        {"entities": [{"name": "Ana", "type": "Person"}, {"name": long_name, "type": "T"}]}
    )
    meter = UsageMeter()
    with OpenAICompatibleServer(Script()) as server:
        server.script.enqueue("extract_entities", RawReply(raw))
        found = _entities(_llm(server), meter)
        assert len(server.http_requests) == 1  # no re-ask for one bad item
    assert [e.name for e in found.entities] == ["Ana"]
    [(what, why)] = meter.dropped
    assert what.startswith("extract_entities entities[1]") and "200 characters" in why


def test_a_reply_that_is_not_json_is_still_re_asked_then_an_output_error() -> None:
    with OpenAICompatibleServer(Script()) as server:
        server.script.enqueue("extract_entities", RawReply("sure!"), RawReply("{nope"))
        with pytest.raises(LLMOutputError, match="not JSON"):
            _entities(_llm(server))
        assert len(server.http_requests) == 2


def test_the_strict_schema_still_matches_what_the_server_grammar_gets() -> None:
    schema = strict_json_schema(EntityExtraction)
    assert schema["required"] == ["entities"]


def _tool_reply() -> dict[str, Any]:
    response: dict[str, Any] = recorded("tool_call_entities")["response"]
    return response


def test_the_recorded_tool_call_is_what_the_adapter_reads() -> None:
    with OpenAICompatibleServer(Script()) as server:
        server.script.enqueue("extract_entities", RecordedResponse(200, _tool_reply()))
        reply = _llm(server, structured_output="tool_call").complete(
            ChatRequest("extract_entities", [{"role": "user", "content": "x"}], {})
        )
    assert json.loads(reply.text)["entities"][1] == {"name": "Lisbon", "type": "Place"}
    assert reply.completion_tokens > 0 and not reply.truncated
