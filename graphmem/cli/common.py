"""What every memory command shares: the scope options, opening the memory, output, and
turning graphmem's typed errors into messages and exit codes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from graphmem.config import GraphMemConfig
from graphmem.errors import (
    ConfigurationError,
    GraphMemError,
    InvalidInputError,
    LocalServerError,
    NotFoundError,
    SchemaError,
    ScopeError,
)
from graphmem.models import Scope

if TYPE_CHECKING:
    from graphmem.localserver import Neo4jServer
    from graphmem.memory import GraphMemory

F = TypeVar("F", bound=Callable[..., Any])

# Exit codes (sysexits.h where one fits), so scripts can tell what went wrong.
EXIT_CODES: tuple[tuple[type[GraphMemError], int], ...] = (
    (NotFoundError, 3),
    (ScopeError, 64),  # EX_USAGE: say whose memory
    (InvalidInputError, 65),  # EX_DATAERR
    (LocalServerError, 69),  # EX_UNAVAILABLE
    (ConfigurationError, 78),  # EX_CONFIG
    (SchemaError, 78),
)
EXIT_RETRYABLE = 75  # EX_TEMPFAIL: the same command may succeed later


def exit_code(exc: GraphMemError) -> int:
    if exc.is_retryable():
        return EXIT_RETRYABLE
    return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), 1)


def report_error(exc: GraphMemError) -> int:
    """Print the error as one line a person can act on (plus the notes it carries)."""
    click.echo(f"graphmem: {type(exc).__name__}: {exc}", err=True)
    for note in getattr(exc, "__notes__", ()):
        click.echo(f"  {note}", err=True)
    if exc.is_retryable():
        click.echo("  This may succeed if you run the same command again.", err=True)
    return exit_code(exc)


def scope_options(fn: F) -> F:
    """--user / --agent / --run (or GRAPHMEM_USER_ID / _AGENT_ID / _RUN_ID)."""
    for name, env in (("run", "RUN"), ("agent", "AGENT"), ("user", "USER")):
        fn = click.option(
            f"--{name}",
            f"{name}_id",
            envvar=f"GRAPHMEM_{env}_ID",
            metavar="ID",
            help=f"the {name} whose memory this is (env GRAPHMEM_{env}_ID)",
        )(fn)
    return fn


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="print JSON for scripts")(fn)


def scope_of(user_id: str | None, agent_id: str | None, run_id: str | None) -> dict[str, Any]:
    """The ids as keyword arguments, checked first: no server is started for a call that
    names no scope."""
    Scope.of(user_id, agent_id, run_id)
    return {"user_id": user_id, "agent_id": agent_id, "run_id": run_id}


def find_server() -> Neo4jServer:
    """NEO4J_URI if set, else graphmem's local server (started if it is not running)."""
    if os.environ.get("NEO4J_URI"):
        from graphmem.localserver import find_or_start

        return find_or_start()
    from graphmem.localserver.persistent import ensure_running

    return ensure_running()


def config_from_env() -> GraphMemConfig:
    """GraphMemConfig.from_env(), with the local server when NEO4J_URI is not set."""
    config = GraphMemConfig.from_env()
    if not os.environ.get("NEO4J_URI"):
        config = config.model_copy(update={"neo4j": find_server().config()})
    return config


@contextmanager
def open_memory() -> Iterator[GraphMemory]:
    from graphmem.memory import GraphMemory

    with GraphMemory(config_from_env()) as mem:
        yield mem


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint=option) from exc
    if moment.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} has no UTC offset: add one, e.g. {value}+00:00", param_hint=option
        )
    return moment


def parse_metadata(pairs: tuple[str, ...]) -> dict[str, Any] | None:
    """KEY=VALUE pairs; a VALUE that parses as JSON (numbers, true, ...) keeps its type."""
    if not pairs:
        return None
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--metadata")
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError:
            out[name] = raw
    return out


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
