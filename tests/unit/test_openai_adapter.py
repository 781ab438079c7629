"""The real openai SDK against the loopback OpenAI-compatible server."""

from collections.abc import Iterator

import pytest

from graphmem import LLMConfig, LLMError, LLMRateLimitError, LLMTimeoutError, LLMUnavailableError
from graphmem.adapters import OpenAIChatLLM
from graphmem.ports import ChatRequest
from graphmem.testing import DelayedReply, HTTPErrorReply, OpenAICompatibleServer, Script

REQUEST = ChatRequest(
    role="answer",
    messages=[{"role": "user", "content": "hi"}],
    json_schema={
        "type": "object",
        "properties": {"v": {"type": "integer"}},
        "required": ["v"],
        "additionalProperties": False,
    },
)


@pytest.fixture
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(Script()) as s:
        yield s


def _llm(server: OpenAICompatibleServer, **cfg: object) -> OpenAIChatLLM:
    options: dict[str, object] = {
        "model": "m",
        "base_url": server.base_url,
        "api_key": "k",
        "timeout_seconds": 2,
        "max_retries": 0,
        **cfg,
    }
    return OpenAIChatLLM(LLMConfig.model_validate(options))


def test_json_schema_mode_sends_the_schema_under_the_role_name(
    server: OpenAICompatibleServer,
) -> None:
    server.script.enqueue("answer", {"v": 1})
    reply = _llm(server).complete(REQUEST)
    assert reply.text == '{"v": 1}' and reply.prompt_tokens > 0
    sent = server.http_requests[0]["response_format"]
    assert sent["json_schema"]["name"] == "answer" and sent["json_schema"]["strict"] is True


def test_tool_call_mode_reads_the_arguments(server: OpenAICompatibleServer) -> None:
    server.script.enqueue("answer", {"v": 2})
    reply = _llm(server, structured_output="tool_call").complete(REQUEST)
    assert reply.text == '{"v": 2}'


def test_rate_limits_are_retried_with_backoff(server: OpenAICompatibleServer) -> None:
    server.script.enqueue("answer", HTTPErrorReply(429), {"v": 3})
    assert _llm(server, max_retries=2).complete(REQUEST).text == '{"v": 3}'
    assert len(server.http_requests) == 2


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (HTTPErrorReply(429), LLMRateLimitError),
        (HTTPErrorReply(503), LLMUnavailableError),
        (HTTPErrorReply(400, "bad schema"), LLMError),
        (DelayedReply(3.0, {"v": 1}), LLMTimeoutError),
    ],
)
def test_failures_become_typed_errors(
    server: OpenAICompatibleServer, reply: object, error: type[LLMError]
) -> None:
    server.script.enqueue("answer", reply)  # type: ignore[arg-type]
    with pytest.raises(error) as caught:
        _llm(server, timeout_seconds=0.5).complete(REQUEST)
    assert type(caught.value) is error
    assert caught.value.is_retryable() == (error is not LLMError)
