"""effects.alongside: two steps run as one, sharing embedding requests and read lookups."""

from __future__ import annotations

from typing import Any

import pytest

from graphmem.effects import Effect, Embed, Statement, Step, Together, alongside
from graphmem.errors import EmbeddingError


def drive(step: Step[Any], answer: Any) -> tuple[Any, list[Effect]]:
    """Runs ``step``, answering each effect with ``answer(effect)``; returns its value and the
    effects it asked for, in order."""
    asked: list[Effect] = []
    try:
        effect = step.send(None)
        while True:
            asked.append(effect)
            try:
                reply = answer(effect)
            except Exception as exc:
                effect = step.throw(exc)
            else:
                effect = step.send(reply)
    except StopIteration as stop:
        return stop.value, asked


def answer(effect: Effect) -> Any:
    match effect:
        case Embed(texts=texts):
            return [[float(len(t))] for t in texts]
        case Together(statements=statements):
            return [answer(s) for s in statements]
        case Statement(name=name):
            return f"rows of {name}"
    raise AssertionError(f"unexpected {effect!r}")


def planner(name: str, texts: tuple[str, ...], mode: str = "read") -> Step[list[Any]]:
    vectors = yield Embed(texts)
    rows = yield Statement(f"{name}_lookup", {}, mode=mode)  # type: ignore[arg-type]
    extra = yield Statement(f"{name}_after", {})
    return [vectors, rows, extra]


def test_shared_embedding_request_and_concurrent_lookups() -> None:
    (first, second), asked = drive(
        alongside(planner("graph", ("Ana", "Lisboa")), planner("memories", ("Ana mora",))),
        answer,
    )
    assert first == [[[3.0], [6.0]], "rows of graph_lookup", "rows of graph_after"]
    assert second == [[[8.0]], "rows of memories_lookup", "rows of memories_after"]
    assert asked[0] == Embed(("Ana", "Lisboa", "Ana mora"))
    assert isinstance(asked[1], Together)
    assert [s.name for s in asked[1].statements] == ["graph_lookup", "memories_lookup"]
    assert isinstance(asked[2], Together)  # the next reads pair up too
    assert len(asked) == 3


def test_writes_are_never_paired_and_the_first_step_goes_first() -> None:
    _, asked = drive(
        alongside(planner("a", ("x",), mode="write"), planner("b", ("y",), mode="write")),
        answer,
    )
    names = [e.name for e in asked if isinstance(e, Statement)]
    assert names == ["a_lookup", "a_after", "b_lookup", "b_after"]


def test_a_step_that_needs_nothing_lets_the_other_run_alone() -> None:
    def empty() -> Step[str]:
        return "nothing to plan"
        yield  # pragma: no cover

    (first, second), asked = drive(alongside(empty(), planner("b", ("y",))), answer)
    assert first == "nothing to plan" and second[1] == "rows of b_lookup"
    assert asked[0] == Embed(("y",))


def test_a_failed_shared_request_reaches_the_steps() -> None:
    def failing(effect: Effect) -> Any:
        if isinstance(effect, Embed):
            raise EmbeddingError("the embedder is down")
        return answer(effect)

    with pytest.raises(EmbeddingError, match="down"):
        drive(alongside(planner("a", ("x",)), planner("b", ("y",))), failing)
