"""``graphmem add | search | list | history | export | delete | forget``: the library's
operations on one scope, human-readable by default, ``--json`` for scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from graphmem.cli.common import (
    emit_json,
    json_option,
    open_memory,
    parse_metadata,
    parse_time,
    scope_of,
    scope_options,
)
from graphmem.errors import InvalidInputError
from graphmem.models import AddResult, Memory, Relation

if TYPE_CHECKING:
    from graphmem.memory import GraphMemory

__all__ = ["COMMANDS"]


@click.command()
@click.argument("text", nargs=-1)
@click.option(
    "--file",
    "messages_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a JSON list of messages ({role, content, name?}) instead of TEXT",
)
@click.option("--role", default="user", show_default=True, help="the role of TEXT's message")
@click.option("--name", help="who said TEXT (for conversations with several speakers)")
@click.option("--at", "at", metavar="TIME", help="when it was said, ISO 8601 with offset")
@click.option("--metadata", multiple=True, metavar="KEY=VALUE", help="kept on every fact")
@click.option("--key", "idempotency_key", help="idempotency key: a rerun is not written twice")
@scope_options
@json_option
def add(  # noqa: PLR0917 (one parameter per option)
    text: tuple[str, ...],
    messages_file: Path | None,
    role: str,
    name: str | None,
    at: str | None,
    metadata: tuple[str, ...],
    idempotency_key: str | None,
    user_id: str | None,
    agent_id: str | None,
    run_id: str | None,
    as_json: bool,
) -> None:
    """Remember what a message says (TEXT, "-" for stdin, or --file). Needs an LLM:
    OPENAI_API_KEY, or OPENAI_BASE_URL for any OpenAI-compatible server."""
    messages: list[dict[str, str]] | str
    if messages_file is not None:
        if text:
            raise click.UsageError("give TEXT or --file, not both")
        try:
            messages = json.loads(messages_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(
                f"{messages_file}: not a JSON list of messages ({exc})"
            ) from exc
    elif text == ("-",):
        messages = sys.stdin.read()
    elif text:
        messages = " ".join(text)
    else:
        raise click.UsageError('say what to remember: graphmem add "I moved to Lisbon" --user me')
    if isinstance(messages, str):
        messages = [{"role": role, "content": messages, **({"name": name} if name else {})}]
    scope = scope_of(user_id, agent_id, run_id)
    with open_memory() as mem:
        result = mem.add(
            messages,
            **scope,
            metadata=parse_metadata(metadata),
            timestamp=parse_time(at, "--at"),
            idempotency_key=idempotency_key,
        )
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        _print_add(result)


def _print_add(result: AddResult) -> None:
    for op in result.operations:
        line = f"{op.kind.value:<6} {op.relation.fact}  [{op.relation.id}]"
        if op.previous is not None:
            line += f"  (replaces: {op.previous.fact})"
        click.echo(line)
    for mop in result.memory_operations:
        line = f"{mop.kind.value:<6} {mop.memory.text}  [{mop.memory.id}]"
        if mop.previous is not None:
            line += f"  (replaces: {mop.previous.text})"
        click.echo(line)
    for skipped in result.skipped:
        click.echo(f"skipped {skipped.item}: {skipped.reason}")
    if not result.operations and not result.memory_operations:
        click.echo("nothing new to remember")
    if result.replayed:
        click.echo("(already stored under this key: nothing was written)")


@click.command()
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--as-of", metavar="TIME", help="what was true then (ISO 8601 with offset)")
@click.option("--include-invalid", is_flag=True, help="retired facts too")
@click.option("--depth", type=click.IntRange(1, 2), help="entity subgraph hops")
@click.option("--context", "as_context", is_flag=True, help="print the block for an LLM prompt")
@scope_options
@json_option
def search(  # noqa: PLR0917
    query: str,
    limit: int,
    as_of: str | None,
    include_invalid: bool,
    depth: int | None,
    as_context: bool,
    user_id: str | None,
    agent_id: str | None,
    run_id: str | None,
    as_json: bool,
) -> None:
    """The facts most relevant to QUERY (no LLM call)."""
    scope = scope_of(user_id, agent_id, run_id)
    with open_memory() as mem:
        found = mem.search(
            query,
            **scope,
            limit=limit,
            as_of=parse_time(as_of, "--as-of"),
            include_invalid=include_invalid,
            depth=depth,
        )
    if as_json:
        emit_json({**found.model_dump(mode="json"), "context": found.to_context()})
    elif as_context:
        click.echo(found.to_context())
    elif not found.relations and not found.memories:
        click.echo("nothing found")
    for item in () if as_json or as_context else found.relations:
        click.echo(f"{item.score:.3f}  {_line(item.relation)}")
    for scored in () if as_json or as_context else found.memories:
        click.echo(f"{scored.score:.3f}  {_line(scored.memory)}")


@click.command(name="list")
@click.option("--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@scope_options
@json_option
def list_facts(
    limit: int, user_id: str | None, agent_id: str | None, run_id: str | None, as_json: bool
) -> None:
    """The scope's currently valid facts (and memories, with GRAPHMEM_VARIANT mem0 or both),
    earliest valid_at first."""
    scope = scope_of(user_id, agent_id, run_id)
    with open_memory() as mem:
        facts = mem.get_all(**scope, limit=limit)
        memories = mem.get_memories(**scope, limit=limit) if _dense(mem) else None
    _print_facts(facts, memories, as_json)


@click.command()
@click.option("--entity", help="only the facts about this entity")
@click.option("--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@scope_options
@json_option
def history(  # noqa: PLR0917
    entity: str | None,
    limit: int,
    user_id: str | None,
    agent_id: str | None,
    run_id: str | None,
    as_json: bool,
) -> None:
    """Every fact (and memory, with GRAPHMEM_VARIANT mem0 or both), retired ones included,
    with when and why they stopped being true."""
    scope = scope_of(user_id, agent_id, run_id)
    with open_memory() as mem:
        facts = mem.history(**scope, entity=entity, limit=limit)
        memories = mem.memory_history(**scope, limit=limit) if _dense(mem) else None
    _print_facts(facts, memories, as_json)


def _dense(mem: GraphMemory) -> bool:
    return mem.config.variant != "mem0g"


def _print_facts(facts: list[Relation], memories: list[Memory] | None, as_json: bool) -> None:
    """Facts; and memories when the variant keeps them (JSON: {"facts", "memories"})."""
    if as_json:
        listed = [f.model_dump(mode="json") for f in facts]
        if memories is None:
            emit_json(listed)
        else:
            emit_json({"facts": listed, "memories": [m.model_dump(mode="json") for m in memories]})
        return
    if not facts and not memories:
        click.echo("no facts" if memories is None else "no facts or memories")
    items: list[Relation | Memory] = [*facts, *(memories or [])]
    for item in items:
        click.echo(_line(item))


def _line(item: Relation | Memory) -> str:
    when = f"since {item.valid_at:%Y-%m-%d}"
    if item.invalid_at is not None:
        when = f"{item.valid_at:%Y-%m-%d} .. {item.invalid_at:%Y-%m-%d}: {item.invalid_reason}"
    text = item.fact if isinstance(item, Relation) else item.text
    return f"{text}  ({when})  [{item.id}]"


@click.command()
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="default: stdout"
)
@click.option("--current-only", is_flag=True, help="leave retired facts out")
@scope_options
def export(
    output: Path | None,
    current_only: bool,
    user_id: str | None,
    agent_id: str | None,
    run_id: str | None,
) -> None:
    """The scope's graph as JSON (entities and relations, no embeddings)."""
    scope = scope_of(user_id, agent_id, run_id)
    with open_memory() as mem:
        data = mem.export(**scope, include_invalid=not current_only)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@click.command()
@click.argument("fact_id")
@click.option("--erase-episodes", is_flag=True, help="blank the raw messages that stated it")
@scope_options
@json_option
def delete(  # noqa: PLR0917
    fact_id: str,
    erase_episodes: bool,
    user_id: str | None,
    agent_id: str | None,
    run_id: str | None,
    as_json: bool,
) -> None:
    """Erase one fact for good (a contradiction retires facts instead; see history)."""
    scope = scope_of(user_id, agent_id, run_id)
    with open_memory() as mem:
        erased = mem.delete(fact_id, **scope, erase_episodes=erase_episodes)
    if as_json:
        emit_json({"deleted": fact_id, "episodes_erased": erased})
    else:
        click.echo(f"deleted {fact_id} ({erased} episode(s) erased)")


@click.command()
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@scope_options
@json_option
def forget(
    yes: bool, user_id: str | None, agent_id: str | None, run_id: str | None, as_json: bool
) -> None:
    """Erase every scope holding these ids, with everything in it; nothing is kept."""
    scope = scope_of(user_id, agent_id, run_id)
    if not yes:
        named = ", ".join(f"{k.removesuffix('_id')} {v!r}" for k, v in scope.items() if v)
        click.confirm(f"Erase everything remembered for {named}?", abort=True)
    with open_memory() as mem:
        result = mem.forget(**scope)
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        click.echo(f"erased {len(result.scopes)} scope(s), {result.nodes_deleted} node(s)")


COMMANDS = (add, search, list_facts, history, export, delete, forget)
