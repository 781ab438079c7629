"""Test doubles for graphmem and for your own tests. No network beyond 127.0.0.1.

- :class:`ScriptedLLM`: an in-process LLM that replays replies you enqueue per role.
- :class:`OpenAICompatibleServer`: a real HTTP server on 127.0.0.1 speaking the OpenAI
  chat-completions protocol (JSON-schema outputs and tool calls), answering from the same
  script, so the real openai adapter runs end to end.
- :class:`HashingEmbedder`: deterministic bag-of-words vectors (no model download).
- :class:`BoltFaultProxy`: a proxy in front of Neo4j that loses the next commit, before or
  after the server applied it (see graphmem.faultproxy).
- :class:`FailingEmbedder` and :func:`scope_snapshot`: an embedder that fails on chosen calls,
  and an exact picture of one scope to compare before and after a fault (graphmem.faultkit).

Scripted replies are fixtures: they say nothing about any model's quality.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel

from graphmem.errors import LLMError
from graphmem.faultkit import FailingEmbedder, scope_snapshot
from graphmem.faultproxy import BoltFaultProxy
from graphmem.ports import ChatReply, ChatRequest, Embedder

__all__ = [
    "BoltFaultProxy",
    "DecisionsByText",
    "DelayedReply",
    "FailingEmbedder",
    "HTTPErrorReply",
    "HashingEmbedder",
    "OpenAICompatibleServer",
    "RawReply",
    "RecordedResponse",
    "Script",
    "ScriptedLLM",
    "TruncatedReply",
    "adding_resolver",
    "scope_snapshot",
]


@dataclass(frozen=True, slots=True)
class RawReply:
    """Text returned as-is (e.g. to test malformed output)."""

    text: str


@dataclass(frozen=True, slots=True)
class HTTPErrorReply:
    """An HTTP error status from the loopback server (e.g. 429, 500)."""

    status: int
    message: str = "scripted error"


@dataclass(frozen=True, slots=True)
class TruncatedReply:
    """A reply cut at the output-token bound: ``text`` with finish_reason "length"."""

    text: str


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """An HTTP answer sent exactly as given (status and JSON body), e.g. one recorded from a
    real model server (tests/fixtures/servers)."""

    status: int
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DelayedReply:
    """Wait ``seconds`` before answering with ``reply`` (to test timeouts)."""

    seconds: float
    reply: Any


@dataclass(frozen=True, slots=True)
class DecisionsByText:
    """An update-resolver reply that names facts by their text instead of their short ids
    (which depend on ranking): (operation, new fact text, existing fact text, reason)."""

    decisions: tuple[tuple[str, str | None, str | None, str], ...]

    def materialize(self, request: ChatRequest) -> dict[str, Any]:
        prompt = "\n".join(str(m.get("content") or "") for m in request.messages)
        ids: dict[str, str] = {
            text.strip().casefold(): short for short, text in _FACT_LINE.findall(prompt)
        }

        def lookup(text: str | None) -> str | None:
            if text is None:
                return None
            if text.casefold() not in ids:
                raise AssertionError(
                    f"scripted decision names {text!r}, which the prompt "
                    f"does not list; it lists {sorted(ids)}"
                )
            return ids[text.casefold()]

        return {
            "decisions": [
                {"operation": op, "new_id": lookup(new), "existing_id": lookup(old), "reason": why}
                for op, new, old, why in self.decisions
            ]
        }


# "N1: Ana lives in Porto (since 2021-06-01)": the short id and the fact's text; the interval
# the resolver prompt adds (graphmem.prompts.resolution.dated) is not part of the text.
_FACT_LINE = re.compile(
    r"^([EN]\d+): (.+?)(?: \((?:since [\d-]+|[\d-]+ until [\d-]+)\))?$", re.MULTILINE
)
_QUESTION_LINE = re.compile(r"^(M\d+): (.+) \((.*)\) ~ (.+) \((.*)\)$", re.MULTILINE)


def adding_resolver(
    same: Callable[[str, str], bool] = lambda new, stored: False,
) -> Handler:
    """A handler for the update-resolver role: ADD every new fact, and answer each SAME ENTITY
    question with ``same(new name, stored name)``. For ``Script.respond_with`` (it refuses
    other roles). A fixture, not a model: it decides by your rule, not by understanding."""

    def answer(request: ChatRequest) -> Reply:
        if request.role != "resolve_updates":
            raise AssertionError(f"adding_resolver answers resolve_updates, not {request.role!r}")
        prompt = str(request.messages[-1].get("content") or "")
        new_ids = [short for short, _ in _FACT_LINE.findall(prompt) if short.startswith("N")]
        reply: dict[str, Any] = {
            "decisions": [
                {"operation": "ADD", "new_id": i, "existing_id": None, "reason": "scripted"}
                for i in new_ids
            ]
        }
        questions = _QUESTION_LINE.findall(prompt)
        if questions:  # the schema asks for entity answers only when there are questions
            reply["entities"] = [
                {"id": i, "same": same(new, stored)} for i, new, _, stored, _ in questions
            ]
        return reply

    return answer


Reply = (
    Mapping[str, Any]
    | BaseModel
    | RawReply
    | TruncatedReply
    | RecordedResponse
    | HTTPErrorReply
    | DelayedReply
    | LLMError
    | DecisionsByText
)
Handler = Callable[[ChatRequest], Reply]


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class Script:
    """Replies per LLM role, consumed in order; a ``handler`` answers roles with an empty queue."""

    def __init__(self, handler: Handler | None = None) -> None:
        self._queues: dict[str, deque[Reply]] = {}
        self._handler = handler
        self._lock = threading.Lock()
        self.requests: list[ChatRequest] = []

    def enqueue(self, role: str, *replies: Reply) -> Script:
        with self._lock:
            self._queues.setdefault(role, deque()).extend(replies)
        return self

    def enqueue_extraction(
        self,
        entities: Iterable[tuple[str, str]],
        relations: Iterable[tuple[str, ...]] = (),
        memories: Iterable[str] | None = None,
    ) -> Script:
        """The two extraction replies of one add: (name, type) and (source, relation, target),
        optionally followed by the valid_at and invalid_at the model states (ISO strings or
        None); with ``memories``, the relation reply of variant "both" (which writes memories
        too)."""
        found = [{"name": n, "type": t} for n, t in entities]
        self.enqueue("extract_entities", {"entities": found})
        if found:
            reply: dict[str, Any] = {"relations": [_relation(*r) for r in relations]}
            if memories is not None:
                reply["memories"] = list(memories)
            self.enqueue("extract_relations", reply)
        return self

    def enqueue_memories(self, *texts: str) -> Script:
        """The Mem0 variant's extraction reply of one add: the candidate memories."""
        return self.enqueue("extract_memories", {"memories": list(texts)})

    def enqueue_decisions(self, *decisions: tuple[str, str | None, str | None, str]) -> Script:
        """The update resolver's reply: (operation, new id "N1", existing id "E1", reason)."""
        return self.enqueue(
            "resolve_updates",
            {
                "decisions": [
                    {"operation": op, "new_id": new, "existing_id": old, "reason": why}
                    for op, new, old, why in decisions
                ]
            },
        )

    def respond_with(self, handler: Handler | None) -> Script:
        """Answer roles whose queue is empty with ``handler(request)`` (None: no handler)."""
        self._handler = handler
        return self

    def clear(self, role: str | None = None) -> None:
        """Drop queued replies (of one role, or all)."""
        with self._lock:
            for name, queue in self._queues.items():
                if role is None or name == role:
                    queue.clear()

    def pending(self) -> dict[str, int]:
        with self._lock:
            return {role: len(q) for role, q in self._queues.items() if q}

    def next_reply(self, request: ChatRequest) -> Reply:
        reply = self._next(request)
        if isinstance(reply, DecisionsByText):
            return reply.materialize(request)
        return reply

    def _next(self, request: ChatRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            queue = self._queues.get(request.role)
            if queue:
                return queue.popleft()
        if self._handler is not None:
            return self._handler(request)
        raise AssertionError(
            f"no scripted reply for LLM role {request.role!r}: enqueue one with "
            f"script.enqueue({request.role!r}, {{...}})"
        )

    def calls(self, role: str | None = None) -> int:
        return sum(1 for r in self.requests if role is None or r.role == role)


def _relation(
    source: str,
    relation: str,
    target: str,
    valid_at: str | None = None,
    invalid_at: str | None = None,
) -> dict[str, Any]:
    return {
        "source": source,
        "relation": relation,
        "target": target,
        "valid_at": valid_at,
        "invalid_at": invalid_at,
    }


def _reply_text(reply: Reply) -> str:
    if isinstance(reply, BaseModel):
        return reply.model_dump_json()
    if isinstance(reply, RawReply):
        return reply.text
    return json.dumps(reply)


class ScriptedLLM:
    """In-process LLM double: ``llm.enqueue("extract_entities", {...})``."""

    def __init__(self, script: Script | None = None, handler: Handler | None = None) -> None:
        self.script = script if script is not None else Script(handler)

    def enqueue(self, role: str, *replies: Reply) -> ScriptedLLM:
        self.script.enqueue(role, *replies)
        return self

    def complete(self, request: ChatRequest) -> ChatReply:
        reply = self.script.next_reply(request)
        if isinstance(reply, DelayedReply):
            time.sleep(reply.seconds)
            reply = reply.reply
        if isinstance(reply, LLMError):
            raise reply
        if isinstance(reply, HTTPErrorReply | RecordedResponse):
            raise LLMError(f"scripted HTTP {reply.status}", role=request.role)
        truncated = isinstance(reply, TruncatedReply)
        text = reply.text if isinstance(reply, TruncatedReply) else _reply_text(reply)
        prompt = "".join(m["content"] for m in request.messages)
        return ChatReply(text, _estimate_tokens(prompt), _estimate_tokens(text), truncated)


class OpenAICompatibleServer:
    """``POST /v1/chat/completions`` on 127.0.0.1, answered from a :class:`Script`, and
    ``POST /v1/embeddings`` answered by ``embedder`` (default: :class:`HashingEmbedder`).

    Use as a context manager; ``base_url`` goes into ``LLMConfig(base_url=...)``."""

    def __init__(
        self,
        script: Script | None = None,
        embedder: Embedder | None = None,
        *,
        refuse: Mapping[str, RecordedResponse] | None = None,
    ) -> None:
        self.script = script if script is not None else Script()
        # Structured-output modes ("json_schema", "tool", "json_object") this server refuses,
        # with the answer it gives, as servers that do not support one do.
        self.refuse = dict(refuse or {})
        self.embedder: Embedder = embedder if embedder is not None else HashingEmbedder()
        self.http_requests: list[dict[str, Any]] = []
        self.embedding_requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> OpenAICompatibleServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        """Status, JSON body and delay for one chat-completions request."""
        self.http_requests.append(body)
        mode, role, schema = _structured_mode(body)
        if mode in self.refuse:
            return self.refuse[mode].status, dict(self.refuse[mode].body), 0.0
        request = ChatRequest(role=role, messages=body.get("messages", []), json_schema=schema)
        reply = self.script.next_reply(request)
        delay = 0.0
        if isinstance(reply, DelayedReply):
            delay, reply = reply.seconds, reply.reply
        if isinstance(reply, RecordedResponse):
            return reply.status, dict(reply.body), delay
        finish = "stop"
        if isinstance(reply, TruncatedReply):
            reply, finish = RawReply(reply.text), "length"
        if isinstance(reply, HTTPErrorReply):
            return reply.status, {"error": {"message": reply.message, "type": "scripted"}}, delay
        if isinstance(reply, LLMError):
            return 500, {"error": {"message": str(reply), "type": "scripted"}}, delay
        text = _reply_text(reply)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if mode == "tool":
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{len(self.http_requests)}",
                        "type": "function",
                        "function": {"name": role, "arguments": text},
                    }
                ],
            }
            finish = "tool_calls" if finish == "stop" else finish
        prompt = "".join(str(m.get("content") or "") for m in body.get("messages", []))
        usage = {
            "prompt_tokens": _estimate_tokens(prompt),
            "completion_tokens": _estimate_tokens(text),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return (
            200,
            {
                "id": f"chatcmpl-{len(self.http_requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "scripted"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            },
            delay,
        )

    def _embed(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        self.embedding_requests.append(body)
        texts = body.get("input")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return 400, {"error": {"message": "input must be a string or a list of strings"}}, 0.0
        vectors = self.embedder.embed(texts)
        tokens = sum(_estimate_tokens(t) for t in texts)
        return (
            200,
            {
                "object": "list",
                "data": [
                    {"object": "embedding", "index": i, "embedding": v}
                    for i, v in enumerate(vectors)
                ],
                "model": body.get("model", "scripted"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
            0.0,
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        routes = {"/v1/chat/completions": self._answer, "/v1/embeddings": self._embed}

        class _Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # else Nagle + delayed ACK stall each reply

            def do_POST(self) -> None:
                route = routes.get(self.path.rstrip("/"))
                if route is None:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                    status, payload, delay = route(body)
                except AssertionError as exc:  # the script has no reply: not worth a retry
                    status, payload, delay = 400, {"error": {"message": str(exc)}}, 0.0
                except Exception as exc:  # a broken script must show up in the client's error
                    status, payload, delay = 500, {"error": {"message": repr(exc)}}, 0.0
                if delay:
                    time.sleep(delay)
                self._send(status, payload)

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return _Handler


def _structured_mode(body: Mapping[str, Any]) -> tuple[str, str, Mapping[str, Any]]:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema") or {}
        return "json_schema", str(spec.get("name", "")), spec.get("schema") or {}
    tools = body.get("tools") or []
    if tools:
        fn = tools[0].get("function") or {}
        return "tool", str(fn.get("name", "")), fn.get("parameters") or {}
    if fmt.get("type") == "json_object":
        # JSON mode: graphmem names the schema in the system message.
        system = next(
            (str(m.get("content")) for m in body.get("messages", []) if m.get("role") == "system"),
            "",
        )
        named = _SCHEMA_NAME.search(system)
        return "json_object", named.group(1) if named else "", fmt.get("schema") or {}
    return "text", "", {}


_SCHEMA_NAME = re.compile(r'JSON schema \(named "(\w+)"\)')


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Deterministic unit vectors from hashed words and character trigrams.

    Texts that share words come out similar; no model, no randomness."""

    def __init__(self, dimensions: int = 384) -> None:
        self._dimensions = dimensions

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._one(t) for t in texts]

    def _one(self, text: str) -> list[float]:
        vec = [0.0] * self._dimensions
        for feature in _features(text.casefold()):
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self._dimensions
            vec[index] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in vec)) or 1.0
        return [x / norm for x in vec]


def _features(text: str) -> Iterable[str]:
    for word in _TOKEN.findall(text):
        yield "w:" + word
        padded = f"#{word}#"
        for i in range(len(padded) - 2):
            yield "c:" + padded[i : i + 3]
