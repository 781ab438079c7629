"""Any OpenAI-compatible chat-completions endpoint, through the official openai SDK."""

from __future__ import annotations

from typing import Any

import openai

from graphmem.config import LLMConfig
from graphmem.errors import (
    LLMError,
    LLMOutputError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMUnavailableError,
)
from graphmem.ports import ChatReply, ChatRequest

__all__ = ["OpenAIChatLLM"]


class OpenAIChatLLM:
    """Structured outputs by JSON schema (``response_format``) or by a forced tool call.

    The SDK retries rate limits, timeouts, connection errors and 5xx answers with exponential
    backoff (``LLMConfig.max_retries``); what still fails becomes a typed graphmem error."""

    def __init__(self, config: LLMConfig, client: openai.OpenAI | None = None) -> None:
        self._config = config
        if client is None:
            key = config.api_key.get_secret_value() if config.api_key else None
            client = openai.OpenAI(
                # Local servers (Ollama, vLLM, llama.cpp) ignore the key but the SDK wants one.
                api_key=key or "unused",
                base_url=config.base_url,
                timeout=config.timeout_seconds,
                max_retries=config.max_retries,
            )
        self._client = client

    def close(self) -> None:
        self._client.close()

    def complete(self, request: ChatRequest) -> ChatReply:
        kwargs: dict[str, Any] = {
            "model": self._config.model,
            "messages": [dict(m) for m in request.messages],
        }
        if self._config.temperature is not None:
            kwargs["temperature"] = self._config.temperature
        if self._config.structured_output == "tool_call":
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
        try:
            response = self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError as exc:
            raise LLMTimeoutError(
                f"{request.role}: the LLM timed out ({exc})", role=request.role
            ) from exc
        except openai.RateLimitError as exc:
            raise LLMRateLimitError(
                f"{request.role}: rate limited ({exc})", role=request.role
            ) from exc
        except (openai.APIConnectionError, openai.InternalServerError) as exc:
            raise LLMUnavailableError(
                f"{request.role}: the LLM endpoint is unavailable ({exc})", role=request.role
            ) from exc
        except openai.APIStatusError as exc:
            raise LLMError(
                f"{request.role}: the LLM endpoint refused the request "
                f"(HTTP {exc.status_code}): {exc.message}",
                role=request.role,
            ) from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"{request.role}: {exc}", role=request.role) from exc
        if not response.choices:
            raise LLMOutputError(f"{request.role}: the reply has no choices", role=request.role)
        message = response.choices[0].message
        text = message.content
        if message.tool_calls:
            call = message.tool_calls[0]
            text = getattr(getattr(call, "function", None), "arguments", None) or text
        if not text:
            refusal = getattr(message, "refusal", None)
            raise LLMOutputError(
                f"{request.role}: the reply is empty"
                + (f" (refusal: {refusal})" if refusal else ""),
                role=request.role,
                raw_text=refusal or "",
            )
        usage = response.usage
        return ChatReply(
            text=text,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )
