"""``graphmem demo``, ``browser`` and ``server start|stop|status``: the local Neo4j and what
to look at in it."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

import click

from graphmem.cli.common import find_server
from graphmem.config import GraphMemConfig
from graphmem.localserver import Neo4jServer
from graphmem.models import Scope

if TYPE_CHECKING:
    from graphmem.memory import GraphMemory
    from graphmem.models import AddResult
    from graphmem.store.queries import Dialect
    from graphmem.testing import ScriptedLLM

__all__ = ["COMMANDS"]

DEMO_RUN_ID = "graphmem-demo"  # the demo only ever touches this run's memory
DEMO_MEM0_RUN_ID = "graphmem-demo-mem0"  # ... and, for the Mem0 variant, this one


def server_command(action: str) -> int:
    from graphmem.localserver import persistent

    if action == "stop":
        print("stopped" if persistent.stop() else "no graphmem server was running")
        return 0
    if (
        action == "status"
        and not (persistent.default_home() / "run" / "graphmem-server.json").exists()
    ):
        print("no graphmem server is running (start one with: graphmem server start)")
        return 0
    server = persistent.ensure_running()
    print(f"Neo4j: {server.uri}\nBrowser: {server.browser_url}\n({server.login_hint()})")
    return 0


def _dialect(server: Neo4jServer) -> Dialect:
    """Which saved-query variants suit the server ("5" if it cannot be asked)."""
    from graphmem.errors import StoreError
    from graphmem.store import Neo4jStore

    store = Neo4jStore.connect(server.config())
    try:
        return store.dialect
    except StoreError:
        return "5"
    finally:
        store.close()


def browser_command(*, open_it: bool) -> int:
    """Neo4j Browser, connected, with the inspection guide loaded; serves the kit until ^C."""
    import tempfile
    import time
    import webbrowser
    from pathlib import Path

    from graphmem.browser_kit import KitServer

    server = find_server()
    with tempfile.TemporaryDirectory(prefix="graphmem-kit-") as root:
        kit = KitServer(Path(root), dialect=_dialect(server)).start()
        base = server.browser_url or "http://127.0.0.1:7474/browser/"
        url = f"{base}{'&' if '?' in base else '?'}cmd=play&arg={kit.base_url}/guide.html"
        print(f"Neo4j: {server.uri}\nNeo4j Browser (with the graphmem guide): {url}")
        print(f"({server.login_hint()})")
        print("Serving the guide and style until Ctrl-C.", flush=True)
        if open_it:
            webbrowser.open(url)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            kit.stop()
    return 0


def demo() -> int:
    from graphmem.memory import GraphMemory
    from graphmem.testing import ScriptedLLM

    sample: dict[str, Any] = json.loads(
        resources.files("graphmem.samples").joinpath("alice.json").read_text(encoding="utf-8")
    )
    server = find_server()
    config = GraphMemConfig.from_env().model_copy(update={"neo4j": server.config()})
    scripted: ScriptedLLM | None = None
    if config.llm.api_key is None and config.llm.base_url is None:
        scripted = ScriptedLLM()
        print(
            "No LLM is configured (set OPENAI_API_KEY, or OPENAI_BASE_URL for any "
            "OpenAI-compatible server),\nso this demo REPLAYS the LLM replies bundled with the "
            "sample conversation.\nThey show what graphmem does with such replies, not how "
            "well a model extracts.\n"
        )
    else:
        print(f"LLM: {config.llm.model} at {config.llm.base_url or 'api.openai.com'}\n")
    scope = {"user_id": sample["user_id"], "run_id": DEMO_RUN_ID}
    with GraphMemory(config, llm=scripted) as mem:
        mem.delete_all(**scope)  # start fresh: this run id is the demo's own
        for turn in sample["turns"]:
            if scripted is not None:
                _script_turn(scripted, turn)
            result = mem.add(
                turn["messages"], timestamp=datetime.fromisoformat(turn["when"]), **scope
            )
            _print_add(turn, result)
        _print_memory(mem, sample["user_id"])
        for question in sample["questions"]:
            found = mem.search(question, limit=4, **scope)
            print(f"\nSearch: {question}")
            for item in found.relations:
                print(f"    {item.score:.2f}  {item.relation.fact}  via {'+'.join(item.channels)}")
    _dense_demo(sample, config, scripted)
    _print_where_to_look(server, sample["user_id"])
    return 0


def _dense_demo(
    sample: dict[str, Any], config: GraphMemConfig, scripted: ScriptedLLM | None
) -> None:
    """The same conversation kept by the paper's other architecture, Mem0: natural-language
    memories (GraphMemConfig(variant="mem0")), in its own run id."""
    from graphmem.memory import GraphMemory
    from graphmem.testing import DecisionsByText

    print('\n--- The same conversation as Mem0 memories (GraphMemConfig(variant="mem0")) ---')
    scope = {"user_id": sample["user_id"], "run_id": DEMO_MEM0_RUN_ID}
    with GraphMemory(config.model_copy(update={"variant": "mem0"}), llm=scripted) as mem:
        mem.delete_all(**scope)
        for turn in sample["turns"]:
            if scripted is not None:
                scripted.script.clear()
                scripted.script.enqueue_memories(*turn["memories"])
                decided = tuple(tuple(d) for d in turn.get("memory_decisions", []))
                scripted.enqueue("resolve_memories", DecisionsByText(decided))
            result = mem.add(
                turn["messages"], timestamp=datetime.fromisoformat(turn["when"]), **scope
            )
            for op in result.memory_operations:
                line = f"    {op.kind.value:<6} {op.memory.text}"
                if op.previous is not None:
                    line += f"   (replaces: {op.previous.text})"
                print(line)
            _print_skipped(result)
            u = result.usage
            print(f"    [{u.llm_calls} LLM calls, {result.neo4j_queries} Neo4j round trips]")
        question = sample["questions"][0]
        print(f"\nSearch: {question}")
        for item in mem.search(question, limit=4, **scope).memories:
            print(f"    {item.score:.2f}  {item.memory.text}  via {'+'.join(item.channels)}")


def _script_turn(scripted: ScriptedLLM, turn: dict[str, Any]) -> None:
    """Queue the bundled replies of one turn (and drop any the last turn did not use)."""
    from graphmem.testing import DecisionsByText

    scripted.script.clear()
    scripted.script.enqueue_extraction(
        [(name, kind) for name, kind in turn["entities"]],
        [(s, r, t) for s, r, t in turn["relations"]],
    )
    decisions = tuple((op, new, old, why) for op, new, old, why in turn.get("decisions", []))
    scripted.enqueue("resolve_updates", DecisionsByText(decisions))


def _print_add(turn: dict[str, Any], result: AddResult) -> None:
    said = " / ".join(m["content"] for m in turn["messages"] if m["role"] == "user")
    print(f"> {said}")
    for op in result.operations:
        line = f"    {op.kind.value:<6} {op.relation.fact}"
        if op.previous is not None:
            line += f"   (replaces: {op.previous.fact})"
        print(line)
    _print_skipped(result)
    u = result.usage
    print(
        f"    [{u.llm_calls} LLM calls, {u.prompt_tokens} prompt tokens, "
        f"{result.neo4j_queries} Neo4j round trips]"
    )


def _print_skipped(result: AddResult) -> None:
    """What the model wrote that was not stored, and why (a real model's mistakes)."""
    for item in result.skipped:
        print(f"    SKIP   {item.item}: {item.reason}")


def _print_memory(mem: GraphMemory, user_id: str) -> None:
    print("\nWhat the memory holds now:")
    for rel in mem.get_all(user_id=user_id, run_id=DEMO_RUN_ID):
        print(f"    {rel.fact}  (since {rel.valid_at:%Y-%m-%d})")
    print("No longer true (kept for history):")
    for rel in mem.history(user_id=user_id, run_id=DEMO_RUN_ID):
        if rel.invalid_at is not None:
            print(
                f"    {rel.fact}  ({rel.valid_at:%Y-%m-%d} .. {rel.invalid_at:%Y-%m-%d}: "
                f"{rel.invalid_reason})"
            )


def _print_where_to_look(server: Neo4jServer, user_id: str) -> None:
    print(f"\nNeo4j: {server.uri}")
    if server.browser_url:
        print(f"Neo4j Browser: {server.browser_url}\n({server.login_hint()})")
    key = Scope.of(user_id, None, DEMO_RUN_ID).key
    print(
        "In Browser, run:\n    MATCH (e:Entity)-[r]->(o:Entity) "
        f"WHERE e.scope_key = '{key}' RETURN e, r, o"
    )
    if server.kind == "local":
        print("The local Neo4j keeps running for Browser; stop it with: graphmem server stop")


@click.command(name="demo")
def demo_command() -> None:
    """Remember a sample conversation, search it, show where to look."""
    demo()


@click.command(name="browser")
@click.option("--open", "open_it", is_flag=True, help="open it in a web browser")
def browser_cmd(open_it: bool) -> None:
    """Start or find Neo4j and print (or open) Neo4j Browser with the inspection kit."""
    browser_command(open_it=open_it)


@click.command(name="server")
@click.argument("action", type=click.Choice(["start", "stop", "status"]))
def server_cmd(action: str) -> None:
    """The local Neo4j kept for the demo, Browser and the memory commands."""
    server_command(action)


COMMANDS = (demo_command, browser_cmd, server_cmd)
