"""What only AsyncGraphMemory has: many operations in flight on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from graphmem import AsyncGraphMemory, GraphMemConfig, OperationKind, Scope
from graphmem.adapters import AsyncOpenAIChatLLM
from graphmem.ports import ChatRequest, Embedder
from graphmem.testing import Script, ScriptedLLM
from tests.conftest import Cypher
from tests.integration.faults import episodes, relations

ADDS = 6


def test_adds_run_concurrently_on_one_event_loop(
    config: GraphMemConfig, minilm: Embedder, script: Script, uid: str
) -> None:
    # Every add's first LLM call waits at a barrier until all of them have made it: if the
    # adds ran one after another, the first would wait alone and the barrier would break.
    barrier = threading.Barrier(ADDS, timeout=20)
    users = [f"{uid}-{i}" for i in range(ADDS)]

    def answer(request: ChatRequest) -> dict[str, object]:
        prompt = request.messages[-1]["content"]
        [user] = [u for u in users if f"I am {u}." in prompt]
        if request.role == "extract_entities":
            barrier.wait()
            return {
                "entities": [{"name": user, "type": "Person"}, {"name": "Rome", "type": "City"}]
            }
        return {"relations": [{"source": user, "relation": "lives_in", "target": "Rome"}]}

    script.respond_with(answer)

    async def main() -> list[list[tuple[str, str, str]]]:
        async with AsyncGraphMemory(config, embedder=minilm) as mem:
            assert isinstance(mem._llm, AsyncOpenAIChatLLM)  # the SDK's async client
            results = await asyncio.gather(
                *(mem.add(f"I am {u}. I live in Rome.", user_id=u) for u in users)
            )
            assert all([op.kind for op in r.operations] == [OperationKind.ADD] for r in results)
            found = await asyncio.gather(*(mem.get_all(user_id=u) for u in users))
            return [relations(f) for f in found]

    assert asyncio.run(main()) == [[(u, "lives_in", "Rome")] for u in users]
    assert barrier.broken is False


def test_concurrent_restatements_store_one_fact(
    config: GraphMemConfig, minilm: Embedder, cypher: Cypher, uid: str
) -> None:
    async def main() -> list[list[tuple[str, str, str]]]:
        async with AsyncGraphMemory(config, embedder=minilm) as mem:
            results = await asyncio.gather(
                *(
                    mem.add_triplets([("Ana", "likes", "tea")], user_id=uid, resolver="rules")
                    for _ in range(8)
                )
            )
            kinds = sorted(op.kind for r in results for op in r.operations)
            assert kinds.count(OperationKind.ADD) == 1
            assert kinds.count(OperationKind.NOOP) == 7
            return [relations(await mem.get_all(user_id=uid))]

    assert asyncio.run(main()) == [[("Ana", "likes", "tea")]]
    assert episodes(cypher, Scope(user_id=uid)) == 8


def test_a_blocking_llm_runs_off_the_event_loop(
    config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    llm = ScriptedLLM()
    llm.script.enqueue_extraction(
        [(uid, "Person"), ("Dvořák", "Composer")], [(uid, "admires", "Dvořák")]
    )
    loop_threads: set[int] = set()
    llm_threads: set[int] = set()
    complete = llm.complete

    def recording(request: ChatRequest):  # type: ignore[no-untyped-def]
        llm_threads.add(threading.get_ident())
        return complete(request)

    llm.complete = recording  # type: ignore[method-assign]

    async def main() -> list[tuple[str, str, str]]:
        loop_threads.add(threading.get_ident())
        async with AsyncGraphMemory(config, llm=llm, embedder=minilm) as mem:
            await mem.add("I admire Dvořák.", user_id=uid)
            return relations(await mem.get_all(user_id=uid))

    assert asyncio.run(main()) == [(uid, "admires", "Dvořák")]
    assert llm_threads and not llm_threads & loop_threads


def test_the_first_call_opens_the_memory_without_async_with(
    config: GraphMemConfig, minilm: Embedder, uid: str
) -> None:
    async def main() -> list[tuple[str, str, str]]:
        mem = AsyncGraphMemory(config, embedder=minilm)
        try:
            await mem.add_triplets([("Ana", "likes", "tea")], user_id=uid, resolver="rules")
            return relations(await mem.get_all(user_id=uid))
        finally:
            await mem.close()

    assert asyncio.run(main()) == [("Ana", "likes", "tea")]


def test_an_add_cancelled_anywhere_is_stored_once_by_its_retry(
    config: GraphMemConfig, minilm: Embedder, cypher: Cypher, uid: str
) -> None:
    # Cancelled before it starts, while embedding, while querying, while committing or after:
    # the retry with the same key either finds the write or makes it, never twice.
    timeouts = [0.0, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.5]

    async def main() -> list[bool]:
        replays = []
        async with AsyncGraphMemory(config, embedder=minilm) as mem:
            for i, seconds in enumerate(timeouts):
                user = f"{uid}-{i}"
                add = mem.add_triplets(
                    [("Ana", "likes", "tea"), ("Ana", "lives_in", "Porto")],
                    user_id=user,
                    resolver="rules",
                    idempotency_key="k",
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(add, seconds)
                retry = await mem.add_triplets(
                    [("Ana", "likes", "tea"), ("Ana", "lives_in", "Porto")],
                    user_id=user,
                    resolver="rules",
                    idempotency_key="k",
                )
                replays.append(retry.replayed)
                assert relations(await mem.get_all(user_id=user)) == [
                    ("Ana", "likes", "tea"),
                    ("Ana", "lives_in", "Porto"),
                ]
        return replays

    replays = asyncio.run(main())
    # Both paths ran: a retry that wrote (cancelled early) and one that found the write.
    assert replays[0] is False and replays[-1] is True
    for i in range(len(timeouts)):
        assert episodes(cypher, Scope(user_id=f"{uid}-{i}")) == 1
