"""``graphmem import``: triplets or a conversation from a file, with progress, resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click
from tqdm import tqdm

from graphmem import importer
from graphmem.cli.common import emit_json, json_option, open_memory, scope_options
from graphmem.models import Scope

__all__ = ["import_file"]

_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@click.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "csv", "jsonl", "conversation"]),
    default="auto",
    show_default=True,
    help="auto: .csv/.tsv and .jsonl are triplets, .json a conversation (LoCoMo included)",
)
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=1000, show_default=True)
@click.option("--sample", help="which conversation of a LoCoMo file (sample_id or index)")
@click.option("--messages-per-add", type=click.IntRange(1, 100), default=2, show_default=True)
@click.option(
    "--resolver",
    type=click.Choice(["auto", "llm", "rules"]),
    default="auto",
    show_default=True,
    help="triplets: who settles conflicts (rules needs no LLM)",
)
@click.option("--single-valued", multiple=True, metavar="RELATION", help="e.g. lives_in")
@click.option(
    "--exact-names",
    is_flag=True,
    help="triplets: merge entities by exact name only (faster for canonical names)",
)
@click.option("--key", help="import key (default: a hash of the file): same key, same import")
@click.option("--no-progress", is_flag=True, help="no progress bar")
@scope_options
@json_option
def import_file(  # noqa: PLR0917 (one parameter per option)
    path: Path,
    fmt: str,
    batch_size: int,
    sample: str | None,
    messages_per_add: int,
    resolver: Literal["auto", "llm", "rules"],
    single_valued: tuple[str, ...],
    exact_names: bool,
    key: str | None,
    no_progress: bool,
    user_id: str | None,
    agent_id: str | None,
    run_id: str | None,
    as_json: bool,
) -> None:
    """Load PATH into a scope in batches. Interrupted or failed? Run the same command again:
    the batches already stored are skipped (the graph records them), nothing is written
    twice."""
    if fmt == "auto":
        fmt = _SUFFIX_FORMATS.get(path.suffix.lower(), "conversation")
    scope = Scope.of(user_id, agent_id, run_id)
    key = key or importer.import_key(path)
    bar = tqdm(disable=no_progress or as_json, unit="item", dynamic_ncols=True, smoothing=0.1)

    replayed = 0

    def step(batch: importer.Batch) -> None:
        nonlocal replayed
        replayed += batch.replayed
        bar.set_postfix(already_stored=replayed, refresh=False)
        bar.update(batch.items)

    with open_memory() as mem:
        if fmt == "conversation":
            turns = importer.read_conversation(
                path, sample=sample, messages_per_add=messages_per_add
            )
            bar.reset(total=sum(len(t.messages) for t in turns))
            bar.unit = "message"
            report = importer.import_conversation(mem, turns, key=key, scope=scope, on_batch=step)
        else:
            triplets = importer.read_triplets(path, "csv" if fmt == "csv" else "jsonl")
            bar.reset(total=len(triplets))
            bar.unit = "triplet"
            report = importer.import_triplets(
                mem,
                triplets,
                key=key,
                scope=scope,
                batch_size=batch_size,
                single_valued=single_valued or None,
                resolver=resolver,
                match_similar=not exact_names,
                on_batch=step,
            )
    bar.close()
    summary = report.as_dict()
    if as_json:
        emit_json(summary)
    else:
        click.echo(
            f"imported {summary['items']} {bar.unit}(s) under key {report.key}: "
            f"{report.written} batch(es) written, {report.replayed} already stored"
        )
