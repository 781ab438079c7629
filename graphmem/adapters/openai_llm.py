"""Any OpenAI-compatible chat-completions endpoint, through the official openai SDK."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion

from graphmem.config import LLMConfig
from graphmem.errors import (
    ConfigurationError,
    LLMError,
    LLMOutputError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMUnavailableError,
)
from graphmem.ports import ChatReply, ChatRequest

__all__ = ["AsyncOpenAIChatLLM", "OpenAIChatLLM", "StructuredModes"]

log = logging.getLogger("graphmem")

Mode = Literal["json_schema", "tool_call", "json_object"]
# The order "auto" tries: the strongest guarantee first.
AUTO_ORDER: tuple[Mode, ...] = ("json_schema", "tool_call", "json_object")


class ModeRefusedError(Exception):
    """The endpoint refused a request for its structured-output mode (not a passing fault)."""

    def __init__(self, mode: Mode, status: int, message: str) -> None:
        said = " ".join(message.split())  # servers put tracebacks in the message
        super().__init__(f"{mode}: HTTP {status}: {said[:240]}")
        self.mode = mode


class StructuredModes:
    """Which structured-output mode a client uses. A fixed mode is used as configured; "auto"
    tries json_schema, then tool_call, then json_object, and keeps the first the endpoint
    accepts (logged once). Thread-safe: the blocking client is shared by threads."""

    def __init__(self, setting: str, endpoint: str) -> None:
        self._auto = setting == "auto"
        self._chosen: Mode | None = None if self._auto else _mode(setting)
        self._refused: list[ModeRefusedError] = []
        self._endpoint = endpoint
        self._lock = threading.Lock()

    @property
    def chosen(self) -> Mode | None:
        """The mode in use, once known."""
        return self._chosen

    def next(self) -> Mode:
        """The mode to try now; ConfigurationError when the endpoint refused them all."""
        with self._lock:
            if self._chosen is not None:
                return self._chosen
            tried = {r.mode for r in self._refused}
            for mode in AUTO_ORDER:
                if mode not in tried:
                    return mode
        reasons = "; ".join(str(r) for r in self._refused)
        raise ConfigurationError(
            f"the LLM endpoint {self._endpoint} refused every structured-output mode ({reasons}). "
            "Check the model name and that the server is an OpenAI-compatible chat endpoint; "
            "set LLMConfig.structured_output (GRAPHMEM_LLM_STRUCTURED_OUTPUT) to a mode it "
            "supports."
        )

    def accepted(self, mode: Mode) -> None:
        with self._lock:
            if self._chosen is None:
                self._chosen = mode
                log.info("graphmem: %s accepts structured output as %s", self._endpoint, mode)

    def refused(self, refusal: ModeRefusedError) -> None:
        """Under "auto" the next mode is tried; a configured mode is a ConfigurationError."""
        if not self._auto:
            raise ConfigurationError(
                f"the LLM endpoint {self._endpoint} refused structured output as {refusal}. "
                "Set LLMConfig.structured_output (GRAPHMEM_LLM_STRUCTURED_OUTPUT) to 'auto' "
                "or to a mode it supports (json_schema, tool_call, json_object)."
            ) from refusal
        with self._lock:
            if self._chosen is None:
                self._refused.append(refusal)
                log.warning(
                    "graphmem: %s refused structured output as %s; trying the next mode",
                    self._endpoint,
                    refusal,
                )


def _mode(setting: str) -> Mode:
    for mode in AUTO_ORDER:
        if mode == setting:
            return mode
    raise ConfigurationError(f"unknown structured_output {setting!r}")


class OpenAIChatLLM:
    """Structured outputs by JSON schema, by a forced tool call, or by JSON mode with the
    schema in the prompt (``LLMConfig.structured_output``; "auto" finds what the endpoint takes).

    The SDK retries rate limits, timeouts, connection errors and 5xx answers with exponential
    backoff (``LLMConfig.retries()``); what still fails becomes a typed graphmem error."""

    def __init__(self, config: LLMConfig, client: openai.OpenAI | None = None) -> None:
        self._config = config
        self._client = client if client is not None else openai.OpenAI(**client_options(config))
        self.modes = StructuredModes(config.structured_output, str(self._client.base_url))

    def close(self) -> None:
        self._client.close()

    def complete(self, request: ChatRequest) -> ChatReply:
        while True:
            mode = self.modes.next()
            try:
                with openai_errors(request.role, mode):
                    response = self._client.chat.completions.create(
                        **request_kwargs(self._config, request, mode)
                    )
            except ModeRefusedError as refusal:
                self.modes.refused(refusal)
                continue
            self.modes.accepted(mode)
            return reply_of(request.role, response, self._config.max_output_tokens)


class AsyncOpenAIChatLLM:
    """:class:`OpenAIChatLLM` on the SDK's async client (for AsyncGraphMemory)."""

    def __init__(self, config: LLMConfig, client: openai.AsyncOpenAI | None = None) -> None:
        self._config = config
        self._client = (
            client if client is not None else openai.AsyncOpenAI(**client_options(config))
        )
        self.modes = StructuredModes(config.structured_output, str(self._client.base_url))

    async def close(self) -> None:
        await self._client.close()

    async def complete(self, request: ChatRequest) -> ChatReply:
        while True:
            mode = self.modes.next()
            try:
                with openai_errors(request.role, mode):
                    response = await self._client.chat.completions.create(
                        **request_kwargs(self._config, request, mode)
                    )
            except ModeRefusedError as refusal:
                self.modes.refused(refusal)
                continue
            self.modes.accepted(mode)
            return reply_of(request.role, response, self._config.max_output_tokens)


def client_options(config: LLMConfig) -> dict[str, Any]:
    """The SDK client's settings (the same for the blocking and the async client)."""
    key = config.api_key.get_secret_value() if config.api_key else None
    return {
        # Local servers (Ollama, vLLM, llama.cpp) ignore the key but the SDK wants one.
        "api_key": key or "unused",
        "base_url": config.base_url,
        "timeout": config.timeout_seconds,
        "max_retries": config.retries(),
    }


JSON_MODE_INSTRUCTION = (
    "Reply with one JSON object and nothing else. It must match this JSON schema "
    '(named "{role}"):\n{schema}'
)


def request_kwargs(config: LLMConfig, request: ChatRequest, mode: Mode) -> dict[str, Any]:
    """The chat-completions arguments for ``mode``, with the bound on the reply's length."""
    messages = [dict(m) for m in request.messages]
    kwargs: dict[str, Any] = {"model": config.model, config.token_field(): config.max_output_tokens}
    if config.temperature is not None:
        kwargs["temperature"] = config.temperature
    schema = dict(request.json_schema)
    if mode == "tool_call":
        kwargs["tools"] = [
            {
                "type": "function",
                "function": {"name": request.role, "parameters": schema, "strict": True},
            }
        ]
        kwargs["tool_choice"] = {"type": "function", "function": {"name": request.role}}
    elif mode == "json_object":
        # The schema goes into the prompt; "schema" beside the type is read by llama.cpp's
        # servers (a grammar) and ignored by others.
        instruction = JSON_MODE_INSTRUCTION.format(
            role=request.role, schema=json.dumps(schema, separators=(",", ":"))
        )
        if messages and messages[0].get("role") == "system":
            messages[0] = {**messages[0], "content": f"{messages[0]['content']}\n\n{instruction}"}
        else:
            messages.insert(0, {"role": "system", "content": instruction})
        kwargs["response_format"] = {"type": "json_object", "schema": schema}
    else:
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": request.role, "schema": schema, "strict": True},
        }
    kwargs["messages"] = messages
    return kwargs


# Words in an error that show the server refused the request's structured-output part.
_MODE_WORDS = ("response_format", "json_schema", "tool", "function", "schema", "grammar")
_REFUSAL_STATUSES = (400, 404, 415, 422, 501)


def _refusal(mode: Mode, exc: openai.APIStatusError) -> ModeRefusedError | None:
    """A refusal of ``mode`` (4xx, or a 500 that names the structured-output fields:
    llama-cpp-python's server answers json_schema with a 500), else None."""
    message = str(exc.message or "")
    about_mode = any(word in message.lower() for word in _MODE_WORDS)
    if exc.status_code == 500 and about_mode:
        return ModeRefusedError(mode, exc.status_code, message)
    if exc.status_code in _REFUSAL_STATUSES and (about_mode or exc.status_code == 501):
        return ModeRefusedError(mode, exc.status_code, message)
    return None


@contextmanager
def openai_errors(role: str, mode: Mode) -> Iterator[None]:
    """The SDK's exceptions (after its own retries) as graphmem's typed LLM errors; a refusal
    of the structured-output mode as :class:`ModeRefusedError`."""
    try:
        yield
    except openai.APITimeoutError as exc:
        raise LLMTimeoutError(f"{role}: the LLM timed out ({exc})", role=role) from exc
    except openai.RateLimitError as exc:
        raise LLMRateLimitError(f"{role}: rate limited ({exc})", role=role) from exc
    except openai.APIStatusError as exc:
        refusal = _refusal(mode, exc)
        if refusal is not None:
            raise refusal from exc
        if isinstance(exc, openai.InternalServerError):
            raise LLMUnavailableError(
                f"{role}: the LLM endpoint is unavailable ({exc})", role=role
            ) from exc
        raise LLMError(
            f"{role}: the LLM endpoint refused the request (HTTP {exc.status_code}): {exc.message}",
            role=role,
        ) from exc
    except openai.APIConnectionError as exc:
        raise LLMUnavailableError(
            f"{role}: the LLM endpoint is unavailable ({exc})", role=role
        ) from exc
    except openai.OpenAIError as exc:
        raise LLMError(f"{role}: {exc}", role=role) from exc


def reply_of(role: str, response: ChatCompletion, max_tokens: int | None = None) -> ChatReply:
    """The structured JSON of a completion (message content or tool-call arguments). A reply
    that used all ``max_tokens`` was cut there even when finish_reason does not say so
    (llama-cpp-python reports "tool_calls" for a cut tool call)."""
    if not response.choices:
        raise LLMOutputError(f"{role}: the reply has no choices", role=role)
    choice = response.choices[0]
    message = choice.message
    text = message.content
    if message.tool_calls:
        call = message.tool_calls[0]
        text = getattr(getattr(call, "function", None), "arguments", None) or text
    usage = response.usage
    used = usage.completion_tokens if usage else 0
    truncated = choice.finish_reason == "length" or (max_tokens is not None and used >= max_tokens)
    if not text and not truncated:
        refusal = getattr(message, "refusal", None)
        raise LLMOutputError(
            f"{role}: the reply is empty" + (f" (refusal: {refusal})" if refusal else ""),
            role=role,
            raw_text=refusal or "",
        )
    return ChatReply(
        text=text or "",
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        truncated=truncated,
    )
