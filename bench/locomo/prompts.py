"""The answering and judging prompts of the LoCoMo harness (graphmem's own wording)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

ANSWER_ROLE = "locomo_answer"
ANSWER_SYSTEM = """You answer a question about a long conversation between {a} and {b}, using
only the memories below, which were extracted from that conversation. Each memory carries the
date it became true (and, if it stopped being true, until when). Turn relative dates ("last
year", "yesterday") into absolute ones from those dates. Answer in a short phrase of at most
ten words. When the memories do not hold the answer, say so briefly."""


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str


def answer_user(question: str, memories: str) -> str:
    return f"MEMORIES\n{memories or '(none)'}\n\nQUESTION\n{question}"


JUDGE_ROLE = "locomo_judge"
JUDGE_SYSTEM = """You grade an answer to a question about a conversation. You get the question,
the gold answer and a generated answer. Label it CORRECT when the generated answer states the
same thing as the gold answer, however it is worded; it may be longer if it contains the gold
answer's substance. For dates and times, the same day, month or period in another format is
CORRECT. Otherwise label it WRONG. Give one sentence of reasoning first."""


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reasoning: str
    label: Literal["CORRECT", "WRONG"]


def judge_user(question: str, gold: str, generated: str) -> str:
    return f"QUESTION\n{question}\n\nGOLD ANSWER\n{gold}\n\nGENERATED ANSWER\n{generated}"
