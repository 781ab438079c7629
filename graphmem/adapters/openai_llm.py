"""Any OpenAI-compatible chat-completions endpoint, through the official openai SDK."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from graphmem.config import LLMConfig
from graphmem.errors import (
    LLMError,
    LLMOutputError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMUnavailableError,
)
from graphmem.ports import ChatReply, ChatRequest

__all__ = ["AsyncOpenAIChatLLM", "OpenAIChatLLM"]


class OpenAIChatLLM:
    """Structured outputs by JSON schema (``response_format``) or by a forced tool call.

    The SDK retries rate limits, timeouts, connection errors and 5xx answers with exponential
    backoff (``LLMConfig.max_retries``); what still fails becomes a typed graphmem error."""

    def __init__(self, config: LLMConfig, client: openai.OpenAI | None = None) -> None:
        self._config = config
        self._client = client if client is not None else openai.OpenAI(**client_options(config))

    def close(self) -> None:
        self._client.close()

    def complete(self, request: ChatRequest) -> ChatReply:
        with openai_errors(request.role):
            response = self._client.chat.completions.create(**request_kwargs(self._config, request))
        return reply_of(request.role, response)


class AsyncOpenAIChatLLM:
    """:class:`OpenAIChatLLM` on the SDK's async client (for AsyncGraphMemory)."""

    def __init__(self, config: LLMConfig, client: openai.AsyncOpenAI | None = None) -> None:
        self._config = config
        self._client = (
            client if client is not None else openai.AsyncOpenAI(**client_options(config))
        )

    async def close(self) -> None:
        await self._client.close()

    async def complete(self, request: ChatRequest) -> ChatReply:
        with openai_errors(request.role):
            response = await self._client.chat.completions.create(
                **request_kwargs(self._config, request)
            )
        return reply_of(request.role, response)


def client_options(config: LLMConfig) -> dict[str, Any]:
    """The SDK client's settings (the same for the blocking and the async client)."""
    key = config.api_key.get_secret_value() if config.api_key else None
    return {
        # Local servers (Ollama, vLLM, llama.cpp) ignore the key but the SDK wants one.
        "api_key": key or "unused",
        "base_url": config.base_url,
        "timeout": config.timeout_seconds,
        "max_retries": config.max_retries,
    }


def request_kwargs(config: LLMConfig, request: ChatRequest) -> dict[str, Any]:
    """The chat-completions arguments: a JSON-schema response format or a forced tool call."""
    kwargs: dict[str, Any] = {
        "model": config.model,
        "messages": [dict(m) for m in request.messages],
    }
    if config.temperature is not None:
        kwargs["temperature"] = config.temperature
    if config.structured_output == "tool_call":
        kwargs["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": request.role,
                    "parameters": dict(request.json_schema),
                    "strict": True,
                },
            }
        ]
        kwargs["tool_choice"] = {"type": "function", "function": {"name": request.role}}
    else:
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": request.role,
                "schema": dict(request.json_schema),
                "strict": True,
            },
        }
    return kwargs


@contextmanager
def openai_errors(role: str) -> Iterator[None]:
    """The SDK's exceptions (after its own retries) as graphmem's typed LLM errors."""
    try:
        yield
    except openai.APITimeoutError as exc:
        raise LLMTimeoutError(f"{role}: the LLM timed out ({exc})", role=role) from exc
    except openai.RateLimitError as exc:
        raise LLMRateLimitError(f"{role}: rate limited ({exc})", role=role) from exc
    except (openai.APIConnectionError, openai.InternalServerError) as exc:
        raise LLMUnavailableError(
            f"{role}: the LLM endpoint is unavailable ({exc})", role=role
        ) from exc
    except openai.APIStatusError as exc:
        raise LLMError(
            f"{role}: the LLM endpoint refused the request (HTTP {exc.status_code}): {exc.message}",
            role=role,
        ) from exc
    except openai.OpenAIError as exc:
        raise LLMError(f"{role}: {exc}", role=role) from exc


def reply_of(role: str, response: ChatCompletion) -> ChatReply:
    """The structured JSON of a completion (message content or tool-call arguments)."""
    if not response.choices:
        raise LLMOutputError(f"{role}: the reply has no choices", role=role)
    message = response.choices[0].message
    text = message.content
    if message.tool_calls:
        call = message.tool_calls[0]
        text = getattr(getattr(call, "function", None), "arguments", None) or text
    if not text:
        refusal = getattr(message, "refusal", None)
        raise LLMOutputError(
            f"{role}: the reply is empty" + (f" (refusal: {refusal})" if refusal else ""),
            role=role,
            raw_text=refusal or "",
        )
    usage = response.usage
    return ChatReply(
        text=text,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
    )
