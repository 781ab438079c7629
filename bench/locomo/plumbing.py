"""Scripted replies for the LoCoMo harness when no LLM endpoint is configured.

They only prove the plumbing (ingest, search, answer, judge, tables): entities are the
capitalised words of the new messages, every fact is "<speaker> mentions <entity>", the
"answer" is the first retrieved memory and the "judge" checks word overlap. Figures produced
this way are labelled as plumbing and are not a score of anything.
"""

from __future__ import annotations

import re
from typing import Any

from bench.locomo.metrics import token_f1
from graphmem.ports import ChatRequest
from graphmem.testing import ScriptedLLM

_CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,}\b")
# "[2023-05-08 (Monday) 13:56 UTC+00:00] Caroline: ...": graphmem dates each message.
_TIME = re.compile(r"^\[[^\]]*\] ", re.MULTILINE)
_SPEAKER = re.compile(r"^([A-Z][\w ]*?): ", re.MULTILINE)
_STOP = {"The", "And", "But", "What", "That", "This", "Hey", "Thanks", "Wow", "Yes", "Yeah"}


def _section(prompt: str, head: str, stop: str | None = None) -> str:
    """The text after the last ``head`` (system prompts mention the headings too)."""
    part = _TIME.sub("", prompt.rpartition(head)[2])
    return part.split(stop, 1)[0] if stop else part


def _respond(request: ChatRequest) -> dict[str, Any]:
    prompt = "\n".join(str(m.get("content") or "") for m in request.messages)
    role = request.role
    if role == "extract_entities":
        new = _section(prompt, "NEW MESSAGES")
        names = dict.fromkeys(_SPEAKER.findall(new))
        names |= dict.fromkeys(w for w in _CAPITALISED.findall(new) if w not in _STOP)
        return {"entities": [{"name": n, "type": "Thing"} for n in list(names)[:8]]}
    if role == "extract_relations":
        new = _section(prompt, "NEW MESSAGES", "ENTITIES")
        speakers = _SPEAKER.findall(new)
        listed = re.findall(r"^- (.+) \(", _section(prompt, "ENTITIES"), re.MULTILINE)
        reply: dict[str, Any] = {
            "relations": [
                {"source": speakers[0], "relation": "mentions", "target": e}
                for e in listed
                if speakers and e != speakers[0]
            ]
        }
        if "memories" in request.json_schema.get("properties", {}):  # variant "both"
            reply["memories"] = _memories(new)
        return reply
    if role == "extract_memories":  # the Mem0 variant
        return {"memories": _memories(_section(prompt, "NEW MESSAGES"))}
    if role in ("resolve_updates", "resolve_memories"):
        new_ids = re.findall(r"^(N\d+):", prompt, re.MULTILINE)
        return {
            "decisions": [
                {"operation": "ADD", "new_id": i, "existing_id": None, "reason": "scripted"}
                for i in new_ids
            ]
        }
    if role == "summarize":
        return {"summary": "A long conversation between two friends (scripted summary)."}
    if role == "query_entities":
        return {"entities": _CAPITALISED.findall(prompt)[:3]}
    if role == "locomo_answer":
        memories = _section(prompt, "MEMORIES", "QUESTION").strip().splitlines()
        return {"answer": memories[0][:80] if memories else "I don't know"}
    if role == "locomo_judge":
        gold = _section(prompt, "GOLD ANSWER", "GENERATED ANSWER")
        generated = _section(prompt, "GENERATED ANSWER")
        ok = token_f1(generated, gold) > 0.5
        return {"reasoning": "scripted word overlap", "label": "CORRECT" if ok else "WRONG"}
    raise AssertionError(f"the LoCoMo plumbing script has no reply for role {role!r}")


def _memories(new: str) -> list[str]:
    """Every new message as "<speaker> said: <its first 20 words>"."""
    out = []
    for line in new.strip().splitlines():
        speaker, sep, words = line.partition(": ")
        if sep and words.strip():
            out.append(f"{speaker} said: {' '.join(words.split()[:20])}")
    return out


def plumbing_llm() -> ScriptedLLM:
    return ScriptedLLM(handler=_respond)
