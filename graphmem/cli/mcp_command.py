"""``graphmem mcp``: the memory as MCP tools, over stdio or streamable HTTP."""

from __future__ import annotations

import click

from graphmem.cli.common import config_from_env, scope_options
from graphmem.errors import ConfigurationError

__all__ = ["mcp_command"]


@click.command(name="mcp")
@click.option(
    "--transport",
    type=click.Choice(["stdio", "http"]),
    default="stdio",
    show_default=True,
    help="http: streamable HTTP at http://HOST:PORT/mcp",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="http only")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@scope_options
def mcp_command(  # noqa: PLR0917 (one parameter per option)
    transport: str,
    host: str,
    port: int,
    user_id: str | None,
    agent_id: str | None,
    run_id: str | None,
) -> None:
    """Serve the memory tools to an MCP client. --user/--agent/--run set the scope of calls
    that name none (a call's own ids win); without them every call must name its scope."""
    try:
        from graphmem.mcp_server import build_server
    except ImportError as exc:
        raise ConfigurationError(
            f"the MCP server needs the mcp package ({exc}): pip install 'graphmem[mcp]'"
        ) from exc
    from graphmem.memory import GraphMemory
    from graphmem.models import Scope

    default = None if not (user_id or agent_id or run_id) else Scope.of(user_id, agent_id, run_id)
    with GraphMemory(config_from_env()) as mem:
        server = build_server(mem, default)
        if transport == "stdio":
            server.run("stdio")
        else:
            server.run("streamable-http", host=host, port=port)
