"""LoCoMo (locomo10.json) as the Mem0 paper uses it: conversations in session order with their
dates, and the questions of categories 1-4 (category 5, adversarial, is left out)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from graphmem.importer import locomo_text, parse_locomo_time

# The data's own category ids; the paper's tables name them this way.
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "shared/data/locomo/locomo10.json"


@dataclass(frozen=True, slots=True)
class Session:
    number: int
    when: datetime
    turns: list[dict[str, str]]  # {speaker, dia_id, text[, blip_caption]}


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    answer: str
    category: int


@dataclass(frozen=True, slots=True)
class Sample:
    sample_id: str
    speakers: tuple[str, str]
    sessions: list[Session]
    questions: list[Question]


def parse_when(text: str) -> datetime:
    """'1:56 pm on 8 May, 2023' -> 2023-05-08 13:56 UTC (as graphmem import reads it)."""
    return parse_locomo_time(text)


def load(path: Path = DEFAULT_PATH) -> list[Sample]:
    if not path.exists():
        raise SystemExit(
            f"LoCoMo not found at {path}: put locomo10.json there (shared/data/locomo) "
            "or pass --data"
        )
    return [_sample(raw) for raw in json.loads(path.read_text())]


def _sample(raw: dict[str, object]) -> Sample:
    conv = raw["conversation"]
    assert isinstance(conv, dict)
    numbers = sorted(int(m.group(1)) for k in conv if (m := re.fullmatch(r"session_(\d+)", k)))
    sessions = [
        Session(n, parse_when(conv[f"session_{n}_date_time"]), conv[f"session_{n}"])
        for n in numbers
        if conv.get(f"session_{n}")
    ]
    qa = raw["qa"]
    assert isinstance(qa, list)
    questions = [
        Question(str(q["question"]), str(q["answer"]), int(q["category"]))
        for q in qa
        if int(q["category"]) in CATEGORIES and "answer" in q
    ]
    return Sample(
        str(raw["sample_id"]), (conv["speaker_a"], conv["speaker_b"]), sessions, questions
    )


turn_text = locomo_text  # a turn's words, with the caption of a shared image


def pairs(session: Session) -> Iterator[list[dict[str, str]]]:
    """Messages two at a time, as the paper feeds them (m_{t-1}, m_t)."""
    turns = session.turns
    for i in range(0, len(turns), 2):
        yield [
            {"role": "user", "name": t["speaker"], "content": turn_text(t)}
            for t in turns[i : i + 2]
        ]
