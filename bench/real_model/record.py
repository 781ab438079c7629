"""Record real exchanges with an OpenAI-compatible server as test fixtures.

Each fixture is one request graphmem sends (built by graphmem's own adapter code, so it is
what the library sends) and the server's answer, status and body as they came:
tests/fixtures/servers/<server>/<name>.json. The tests replay the answers through
graphmem.testing's loopback server with the real openai client.

    python -m bench.real_model.record --base-url http://127.0.0.1:8080/v1 --server llama-cpp-python
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphmem.adapters.openai_llm import Mode, request_kwargs
from graphmem.config import LLMConfig
from graphmem.extraction.extractor import Conversation
from graphmem.models import Message
from graphmem.ports import ChatRequest
from graphmem.prompts import entities, memories
from graphmem.prompts.entities import EntityExtraction
from graphmem.prompts.memories import MemoryExtraction
from graphmem.structured import strict_json_schema

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "servers"
NOW = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def _request(kind: str, messages: list[Message]) -> ChatRequest:
    talk = Conversation(messages, None, [], "Alice", NOW)
    if kind == "entities":
        system, user = entities.build(talk.new, None, [], "Alice", NOW)
        return ChatRequest(
            entities.ROLE,
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            strict_json_schema(EntityExtraction),
        )
    system, user = memories.build(talk.new, None, [], "Alice", NOW)
    return ChatRequest(
        memories.ROLE,
        [{"role": "system", "content": system}, {"role": "user", "content": user}],
        strict_json_schema(MemoryExtraction),
    )


CASES: list[tuple[str, str, Mode, int, list[Message]]] = [
    # name, request kind, mode, max tokens, messages
    (
        "json_schema_refused",
        "entities",
        "json_schema",
        256,
        [Message(role="user", content="I moved from Lisbon to Berlin in March.")],
    ),
    (
        "tool_call_entities",
        "entities",
        "tool_call",
        256,
        [Message(role="user", content="I moved from Lisbon to Berlin in March.")],
    ),
    (
        "tool_call_truncated",
        "entities",
        "tool_call",
        16,
        [Message(role="user", content="I moved from Lisbon to Berlin in March.")],
    ),
    (
        "json_object_memories_multiline",
        "memories",
        "json_object",
        300,
        [
            Message(
                role="user",
                content="Remember my address exactly as written, on three lines:\n"
                "Rua Augusta 12\n1100-053 Lisboa\nPortugal",
            )
        ],
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    parser.add_argument("--server", default="llama-cpp-python")
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    model = args.model or _call(f"{base}/models", None)[1]["data"][0]["id"]
    out = FIXTURES / args.server
    out.mkdir(parents=True, exist_ok=True)
    for name, kind, mode, max_tokens, messages in CASES:
        config = LLMConfig(model=model, base_url=base, max_output_tokens=max_tokens)
        body: dict[str, Any] = request_kwargs(config, _request(kind, messages), mode)
        status, payload = _call(f"{base}/chat/completions", body)
        record = {
            "server": args.server,
            "model": Path(model).name,
            "recorded": datetime.now(UTC).date().isoformat(),
            "mode": mode,
            "request": body,
            "status": status,
            "response": payload,
        }
        (out / f"{name}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        print(name, status, json.dumps(payload, ensure_ascii=False)[:300])


def _call(url: str, body: dict[str, Any] | None) -> tuple[int, Any]:
    """Status and JSON body of a GET (no body) or POST, error statuses included."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=900) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"text": raw.decode(errors="replace")}


if __name__ == "__main__":
    main()
