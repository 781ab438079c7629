"""One OpenAI-compatible server on 127.0.0.1 for every system in the peer benchmark.

``/<system>/v1/chat/completions`` answers each system's own request shapes (graphmem's JSON
schemas; mem0's tool calls) from the same ground truth: the turn whose message the request
carries, or the question it asks. ``/<system>/v1/embeddings`` serves all-MiniLM-L6-v2 vectors
to everyone. Requests, prompt tokens (messages plus tool or schema definitions, cl100k) and
completion tokens are counted per system and role, and returned in ``usage`` as OpenAI does.
"""

from __future__ import annotations

import ast
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.peers.conversation import Turn, mem0_name, memory_text, query_people
from graphmem.ports import Embedder
from graphmem.resolution.planner import fact_text
from graphmem.retrieval.context import count_tokens

Reply = tuple[str | None, list[tuple[str, dict[str, Any]]]]  # (content, [(tool, arguments)])

# "N1: Ada Abe lives in Porto (since 2015-01-01)": the id and the text, without the interval.
_FACT_LINE = re.compile(
    r"^([EN]\d+): (.+?)(?: \((?:since [\d-]+|[\d-]+ until [\d-]+)\))?$", re.MULTILINE
)


class Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rows: dict[tuple[str, str], dict[str, float]] = defaultdict(
            lambda: {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "texts": 0}
        )

    def add(self, system: str, role: str, **values: float) -> None:
        with self._lock:
            row = self.rows[(system, role)]
            row["requests"] += 1
            for key, value in values.items():
                row[key] += value

    def snapshot(self, system: str) -> dict[str, dict[str, float]]:
        with self._lock:
            return {role: dict(row) for (s, role), row in self.rows.items() if s == system}


class GroundTruth:
    """Finds the turn or question a request is about and answers for it."""

    def __init__(self, turns: Iterable[Turn], questions: Iterable[str]) -> None:
        self.turns = {t.text: t for t in turns}
        # graphmem's resolver prompt lists fact texts, not the message: find the turn by them
        self.by_fact: dict[str, list[Turn]] = defaultdict(list)
        for t in self.turns.values():
            for f in t.facts:
                self.by_fact[fact_text(f.source, f.relation, f.target).casefold()].append(t)
        self.people = {f.source for t in self.turns.values() for f in t.facts}
        self.questions = set(questions)

    def turn_in(self, prompt: str) -> Turn | None:
        """The turn quoted last in the prompt: graphmem puts earlier messages first as context."""
        best, where = None, -1
        for text, turn in self.turns.items():
            at = prompt.rfind(text)
            if at > where:
                best, where = turn, at
        return best

    def question_in(self, prompt: str) -> str | None:
        return next((q for q in self.questions if q in prompt), None)

    # graphmem: JSON-schema replies named by role
    def graphmem(self, role: str, prompt: str) -> Reply:
        if role == "query_entities":
            question = self.question_in(prompt) or ""
            return _json({"entities": query_people(question, self.people)})
        if role == "summarize":
            people = sorted(p for p in self.people if p in prompt)[:10]
            return _json({"summary": "The user tells about " + ", ".join(people) + "."})
        if role == "resolve_updates":
            return _json({"decisions": self._graphmem_decisions(prompt)})
        if role == "resolve_memories":  # the Mem0 variant: the same decisions, on memories
            return _json({"decisions": self._graphmem_decisions(prompt, "NEW MEMORIES")})
        turn = self.turn_in(prompt)
        if turn is None:
            raise LookupError(f"graphmem {role}: no benchmark message in the prompt")
        if role == "extract_entities":
            return _json({"entities": [{"name": n, "type": t} for n, t in turn.entities]})
        if role == "extract_memories":
            return _json(
                {"memories": [fact_text(f.source, f.relation, f.target) for f in turn.facts]}
            )
        if role == "extract_relations":
            rels = [
                {"source": f.source, "relation": f.relation, "target": f.target} for f in turn.facts
            ]
            return _json({"relations": rels})
        raise LookupError(f"graphmem: unknown role {role!r}")

    def _graphmem_decisions(
        self, prompt: str, new_label: str = "NEW FACTS"
    ) -> list[dict[str, Any]]:
        new_part = prompt.rpartition(new_label)[2]
        texts = [t.strip().casefold() for _, t in _FACT_LINE.findall(new_part)]
        candidates = [
            t
            for t in self.by_fact.get(texts[0] if texts else "", [])
            if all(t in self.by_fact.get(x, []) for x in texts)
        ]
        if not candidates:
            raise LookupError("graphmem resolve_updates: the new facts match no benchmark turn")
        return _graphmem_decisions(candidates[-1], prompt, new_label)

    def graphmem_mem0(self, role: str, prompt: str) -> Reply:
        """graphmem with GraphMemConfig(variant="mem0"): the same JSON-schema roles."""
        return self.graphmem(role, prompt)

    # mem0: tool calls, several per reply where mem0 expects several
    def mem0(self, role: str, prompt: str) -> Reply:
        if role == "extract_entities":
            question = self.question_in(prompt)
            if question is not None:
                found = [(p, "person") for p in query_people(question, self.people)]
            else:
                turn = self._turn(prompt, role)
                found = [(n, t.lower()) for n, t in turn.entities]
            items = [{"entity": n, "entity_type": t} for n, t in found]
            return None, [("extract_entities", {"entities": items})]
        turn = self._turn(prompt, role)
        if role in ("establish_relationships", "establish_relations"):
            items = [
                {"source": f.source, "relationship": f.relation, "destination": f.target}
                for f in turn.facts
            ]
            return None, [(role, {"entities": items})]
        if role == "delete_graph_memory":
            # The system prompt's own example says "New Information:" too: cut at the last one.
            listed = prompt.rpartition("New Information:")[0]
            calls = [
                (
                    role,
                    {
                        "source": mem0_name(f.source),
                        "relationship": f.relation,
                        "destination": mem0_name(f.target),
                    },
                )
                for f in turn.retires
                if f"{mem0_name(f.source)} -- {f.relation} -- {mem0_name(f.target)}" in listed
            ]
            return ("Nothing to delete." if not calls else None), calls
        raise LookupError(f"mem0: unknown tool {role!r}")

    # mem0's vector memory (mem0.Memory, infer=True): two json_object requests per add, told
    # apart by their prompts: fact extraction, then the memory update over similar memories.
    def mem0_vector(self, role: str, prompt: str) -> Reply:
        if "Personal Information Organizer" in prompt:
            turn = self._turn(prompt.rpartition("Input:")[2], "mem0 vector")
            return _json({"facts": [memory_text(f) for f in turn.facts]})
        if "smart memory manager" not in prompt:
            raise LookupError(f"mem0 vector: unknown request {prompt[:80]!r}")
        blocks = re.findall(r"```\s*(\[.*?\])\s*```", prompt, re.DOTALL)
        old = ast.literal_eval(blocks[0]) if len(blocks) == 2 else []
        new = [str(t) for t in ast.literal_eval(blocks[-1])]
        turns = [
            t
            for t in self.by_fact.get(new[0].casefold() if new else "", [])
            if all(t in self.by_fact.get(x.casefold(), []) for x in new)
        ]
        if not turns:
            raise LookupError("mem0 vector update: the new facts match no benchmark turn")
        turn = turns[-1]
        by_text = {m["text"].casefold(): m["id"] for m in old}
        retired = {r.relation: memory_text(r).casefold() for r in turn.retires}
        events = []
        for fact in turn.facts:
            text = memory_text(fact)
            if text.casefold() in by_text:
                events.append({"id": by_text[text.casefold()], "text": text, "event": "NONE"})
            elif (gone := retired.get(fact.relation)) in by_text:
                events.append(
                    {
                        "id": by_text[gone],
                        "text": text,
                        "event": "UPDATE",
                        "old_memory": next(m["text"] for m in old if m["id"] == by_text[gone]),
                    }
                )
            else:
                events.append({"id": "new", "text": text, "event": "ADD"})
        return _json({"memory": events})

    def _turn(self, prompt: str, role: str) -> Turn:
        turn = self.turn_in(prompt)
        if turn is None:
            raise LookupError(f"mem0 {role}: no benchmark message in the prompt")
        return turn


def _json(payload: dict[str, Any]) -> Reply:
    return json.dumps(payload), []


def _graphmem_decisions(turn: Turn, prompt: str, new_label: str) -> list[dict[str, Any]]:
    existing_part, _, new_part = prompt.rpartition(new_label)
    existing = {t.strip().casefold(): i for i, t in _FACT_LINE.findall(existing_part)}
    new = {t.strip().casefold(): i for i, t in _FACT_LINE.findall(new_part)}
    decisions: list[dict[str, Any]] = []
    replaced: set[str] = set()
    for old in turn.retires:
        old_id = existing.get(fact_text(old.source, old.relation, old.target).casefold())
        if old_id is None:
            continue
        successor = next((f for f in turn.facts if f.relation == old.relation), None)
        new_id = successor and new.get(
            fact_text(successor.source, successor.relation, successor.target).casefold()
        )
        if new_id:
            replaced.add(new_id)
            decisions.append(_decision("UPDATE", new_id, old_id, f"{old.relation} changed"))
        else:
            decisions.append(_decision("DELETE", None, old_id, f"{old.relation} changed"))
    for text, new_id in new.items():
        if new_id in replaced:
            continue
        if text in existing:
            decisions.append(_decision("NOOP", new_id, existing[text], "already known"))
        else:
            decisions.append(_decision("ADD", new_id, None, "new information"))
    return decisions


def _decision(op: str, new_id: str | None, existing_id: str | None, why: str) -> dict[str, Any]:
    return {"operation": op, "new_id": new_id, "existing_id": existing_id, "reason": why}


def _prompt(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content") or "") for m in body.get("messages", []))


def _role(body: dict[str, Any]) -> str:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return str((fmt.get("json_schema") or {}).get("name", ""))
    tools = body.get("tools") or []
    return str(((tools[0] if tools else {}).get("function") or {}).get("name", "text"))


class OracleServer:
    """Serves ``truth`` to every system; ``counter`` holds the per-system, per-role figures."""

    def __init__(self, truth: GroundTruth, embedder: Embedder) -> None:
        self.truth = truth
        self.embedder = embedder
        self.counter = Counter()
        self.errors: list[str] = []
        self._embed_lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def base_url(self, system: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{system}/v1"

    def stats_url(self, system: str) -> str:
        return self.base_url(system).removesuffix("/v1") + "/stats"

    def __enter__(self) -> OracleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def chat(self, system: str, body: dict[str, Any]) -> dict[str, Any]:
        role, prompt = _role(body), _prompt(body)
        if system not in ("graphmem", "graphmem_mem0", "mem0", "mem0_vector"):
            raise LookupError(f"unknown system {system!r}")
        answer: Callable[[str, str], Reply] = getattr(self.truth, system)
        content, calls = answer(role, prompt)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{i}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
                for i, (name, args) in enumerate(calls)
            ]
        sent = prompt + json.dumps(body.get("tools") or body.get("response_format") or "")
        usage = {
            "prompt_tokens": count_tokens(sent),
            "completion_tokens": count_tokens(
                (content or "") + "".join(json.dumps(a) for _, a in calls)
            ),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        self.counter.add(
            system, role, **{k: usage[k] for k in ("prompt_tokens", "completion_tokens")}
        )
        return {
            "id": "chatcmpl-oracle",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "oracle"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if calls else "stop",
                }
            ],
            "usage": usage,
        }

    def embeddings(self, system: str, body: dict[str, Any]) -> dict[str, Any]:
        texts: Sequence[str] = body["input"]
        if isinstance(texts, str):
            texts = [texts]
        with self._embed_lock:
            vectors = self.embedder.embed(list(texts))
        tokens = sum(count_tokens(t) for t in texts)
        self.counter.add(system, "embeddings", texts=len(texts), prompt_tokens=tokens)
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
            ],
            "model": body.get("model", "oracle"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        oracle = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
            # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
            # algorithm and the client's delayed ACK add ~40 ms to every answer.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                parts = self.path.strip("/").split("/")
                if len(parts) == 2 and parts[1] == "stats":
                    self._send(200, oracle.counter.snapshot(parts[0]))
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                parts = self.path.strip("/").split("/")
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                try:
                    system, route = parts[0], "/".join(parts[1:])
                    if route == "v1/embeddings":
                        status, payload = 200, oracle.embeddings(system, body)
                    elif route == "v1/chat/completions":
                        status, payload = 200, oracle.chat(system, body)
                    else:
                        raise LookupError(f"no route {self.path}")
                except Exception as exc:  # the client must see what the oracle could not answer
                    oracle.errors.append(repr(exc))
                    status, payload = 400, {"error": {"message": repr(exc), "type": "oracle"}}
                self._send(status, payload)

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
