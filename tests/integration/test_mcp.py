"""``graphmem mcp`` driven end to end by the official MCP SDK's client over stdio, on the
real Neo4j: the tools and their schemas, each tool called, the graph checked."""

from __future__ import annotations

import asyncio
import subprocess
import time
from typing import Any

from mcp import Client, StdioServerParameters

from graphmem import GraphMemory
from graphmem.localserver import Neo4jServer
from graphmem.localserver.java_server import free_port
from graphmem.testing import DecisionsByText, OpenAICompatibleServer, Script
from tests.integration.cli_helpers import GRAPHMEM, cli_env

TOOLS = {
    "add_memory",
    "add_triplets",
    "search_memory",
    "list_memories",
    "memory_history",
    "delete_memory",
    "forget",
}


def _run(params: StdioServerParameters, steps: Any) -> Any:
    async def session() -> Any:
        async with Client(params, read_timeout_seconds=120) as client:
            return await steps(client)

    return asyncio.run(session())


def test_an_mcp_client_uses_every_tool(
    neo4j_server: Neo4jServer,
    llm_server: OpenAICompatibleServer,
    script: Script,
    memory: GraphMemory,
    uid: str,
) -> None:
    params = StdioServerParameters(
        command=GRAPHMEM, args=["mcp", "--user", uid], env=cli_env(neo4j_server, llm_server)
    )
    script.enqueue_extraction([("Mei", "Person"), ("北京", "City")], [("Mei", "lives_in", "北京")])
    # add_triplets asks the resolver: Mei's new fact meets the one stored before it.
    script.enqueue(
        "resolve_updates",
        DecisionsByText((("ADD", "Mei works at Baidu 2.0", None, "a job, not a home"),)),
    )

    async def steps(client: Client) -> dict[str, Any]:
        listed = await client.list_tools()
        out: dict[str, Any] = {"tools": {t.name: t for t in listed.tools}}
        out["added"] = await client.call_tool(
            "add_memory", {"messages": "我住在北京。", "timestamp": "2024-02-01T08:00:00+08:00"}
        )
        out["triplets"] = await client.call_tool(
            "add_triplets",
            {"triplets": [{"source": "Mei", "relation": "works_at", "target": "Baidu 2.0"}]},
        )
        out["search"] = await client.call_tool("search_memory", {"query": "Where does Mei live?"})
        out["list"] = await client.call_tool("list_memories", {})
        out["other"] = await client.call_tool("list_memories", {"user_id": uid + "-other"})
        return out

    got = _run(params, steps)
    tools = got["tools"]
    assert set(tools) == TOOLS
    search_schema = tools["search_memory"].input_schema
    assert search_schema["required"] == ["query"]
    assert {"user_id", "limit", "as_of"} <= set(search_schema["properties"])
    assert tools["forget"].annotations.destructive_hint is True
    assert tools["search_memory"].annotations.read_only_hint is True

    for name in ("added", "triplets", "search", "list", "other"):
        assert not got[name].is_error, (name, got[name].content)
    added = got["added"].structured_content
    assert [op["kind"] for op in added["operations"]] == ["ADD"]
    found = got["search"].structured_content
    assert found["relations"][0]["relation"]["target"] == "北京"
    assert "北京" in found["context"]
    listed = {
        (f["source"], f["relation"], f["target"]) for f in got["list"].structured_content["facts"]
    }
    assert listed == {("Mei", "lives_in", "北京"), ("Mei", "works_at", "Baidu 2.0")}
    assert got["other"].structured_content["facts"] == []  # a call's own scope wins
    assert {(f.source, f.target) for f in memory.get_all(user_id=uid)} == {
        ("Mei", "北京"),
        ("Mei", "Baidu 2.0"),
    }

    fact_id = next(
        f["id"] for f in got["list"].structured_content["facts"] if f["relation"] == "works_at"
    )

    async def remove(client: Client) -> dict[str, Any]:
        return {
            "deleted": await client.call_tool("delete_memory", {"fact_id": fact_id}),
            "missing": await client.call_tool("delete_memory", {"fact_id": fact_id}),
            "history": await client.call_tool("memory_history", {}),
            "forget": await client.call_tool("forget", {}),
        }

    got = _run(params, remove)
    assert not got["deleted"].is_error
    assert got["missing"].is_error and "NotFoundError" in got["missing"].content[0].text
    assert len(got["history"].structured_content["facts"]) == 1
    assert got["forget"].structured_content["nodes_deleted"] > 0
    assert memory.history(user_id=uid) == []


def test_without_a_default_scope_every_call_must_name_one(
    neo4j_server: Neo4jServer, uid: str
) -> None:
    params = StdioServerParameters(command=GRAPHMEM, args=["mcp"], env=cli_env(neo4j_server))

    async def steps(client: Client) -> Any:
        return (
            await client.call_tool("search_memory", {"query": "anything"}),
            await client.call_tool("list_memories", {"agent_id": uid}),
        )

    unscoped, scoped = _run(params, steps)
    assert unscoped.is_error and "no scope" in unscoped.content[0].text
    assert not scoped.is_error and scoped.structured_content["facts"] == []


def test_streamable_http_serves_the_same_tools(
    neo4j_server: Neo4jServer, memory: GraphMemory, uid: str
) -> None:
    port = free_port()
    args = [GRAPHMEM, "mcp", "--transport", "http", "--port", str(port), "--user", uid]
    with subprocess.Popen(args, env=cli_env(neo4j_server), stderr=subprocess.PIPE) as server:
        try:

            async def steps() -> Any:
                deadline = time.monotonic() + 120
                while True:  # the server loads its model before it listens
                    try:
                        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                            listed = await client.list_tools()
                            added = await client.call_tool(
                                "add_triplets",
                                {
                                    "triplets": [
                                        {"source": "Åsa", "relation": "likes", "target": "fika"}
                                    ]
                                },
                            )
                            return listed, added
                    except Exception:
                        if server.poll() is not None or time.monotonic() > deadline:
                            raise
                        await asyncio.sleep(0.5)

            listed, added = asyncio.run(steps())
        finally:
            server.terminate()
            server.wait(30)
    assert {t.name for t in listed.tools} == TOOLS
    assert not added.is_error
    assert [(f.source, f.target) for f in memory.get_all(user_id=uid)] == [("Åsa", "fika")]


def test_the_mem0_variant_through_mcp(
    neo4j_server: Neo4jServer,
    llm_server: OpenAICompatibleServer,
    script: Script,
    memory: GraphMemory,
    uid: str,
) -> None:
    env = {**cli_env(neo4j_server, llm_server), "GRAPHMEM_VARIANT": "mem0"}
    params = StdioServerParameters(command=GRAPHMEM, args=["mcp", "--user", uid], env=env)
    script.enqueue_memories("Mei wohnt in München")
    script.enqueue_memories("Mei wohnt in Köln")
    script.enqueue(
        "resolve_memories",
        DecisionsByText((("UPDATE", "Mei wohnt in Köln", "Mei wohnt in München", "umgezogen"),)),
    )

    async def steps(client: Client) -> dict[str, Any]:
        return {
            "first": await client.call_tool("add_memory", {"messages": "Ich wohne in München."}),
            "moved": await client.call_tool("add_memory", {"messages": "Ich ziehe nach Köln."}),
            "search": await client.call_tool("search_memory", {"query": "Wo wohnt Mei?"}),
            "list": await client.call_tool("list_memories", {}),
            "history": await client.call_tool("memory_history", {}),
        }

    got = _run(params, steps)
    for name, reply in got.items():
        assert not reply.is_error, (name, reply.content)
    [op] = got["moved"].structured_content["memory_operations"]
    assert (op["kind"], op["previous"]["text"]) == ("UPDATE", "Mei wohnt in München")
    found = got["search"].structured_content
    assert [m["memory"]["text"] for m in found["memories"]] == ["Mei wohnt in Köln"]
    assert "Mei wohnt in Köln" in found["context"]
    listed = got["list"].structured_content
    assert listed["facts"] == [] and [m["text"] for m in listed["memories"]] == [
        "Mei wohnt in Köln"
    ]
    retired = [m for m in got["history"].structured_content["memories"] if m["invalid_at"]]
    assert [(m["text"], m["invalid_reason"]) for m in retired] == [
        ("Mei wohnt in München", "umgezogen")
    ]
    memory_id = listed["memories"][0]["id"]

    async def remove(client: Client) -> Any:
        return await client.call_tool("delete_memory", {"fact_id": memory_id})

    assert not _run(params, remove).is_error
    assert [m.text for m in memory.get_memories(user_id=uid)] == []
