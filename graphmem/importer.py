"""Bulk import: triplets (CSV, JSON lines) or conversations (a JSON list of messages, or a
LoCoMo sample) into one scope, in batches, resumable.

Progress lives in the graph: every batch is written with an idempotency key derived from the
import key (by default a hash of the file's bytes), so running the same import again, after
an interruption or a failed batch, replays the batches already stored (one lookup each, no
write, no LLM call) and writes only the rest. Nothing is written twice and no checkpoint file
can get lost or go stale.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from graphmem.errors import InvalidInputError
from graphmem.models import Message, Scope, Triplet
from graphmem.times import storable

if TYPE_CHECKING:
    from graphmem.memory import GraphMemory

__all__ = [
    "Batch",
    "ImportFormat",
    "ImportReport",
    "Turn",
    "import_conversation",
    "import_key",
    "import_triplets",
    "locomo_text",
    "parse_locomo_time",
    "read_conversation",
    "read_triplets",
]

ImportFormat = Literal["csv", "jsonl", "conversation", "locomo"]
TRIPLET_COLUMNS = ("source", "relation", "target")
_OPTIONAL_COLUMNS = ("source_type", "target_type", "valid_at", "invalid_at", "metadata")


@dataclass(frozen=True, slots=True)
class Turn:
    """Messages written by one add, said at ``when`` (None: the time of the import)."""

    messages: tuple[Message, ...]
    when: datetime | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """What one batch did: ``items`` triplets or messages; ``replayed``: already stored by an
    earlier run of the same import, so nothing was written."""

    number: int
    items: int
    replayed: bool
    operations: int


@dataclass(slots=True)
class ImportReport:
    key: str
    batches: list[Batch] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def written(self) -> int:
        return sum(1 for b in self.batches if not b.replayed)

    @property
    def replayed(self) -> int:
        return sum(1 for b in self.batches if b.replayed)

    @property
    def items(self) -> int:
        return sum(b.items for b in self.batches)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "batches": len(self.batches),
            "batches_written": self.written,
            "batches_replayed": self.replayed,
            "items": self.items,
            "operations": sum(b.operations for b in self.batches),
            "seconds": round(self.seconds, 3),
        }


def import_key(path: Path) -> str:
    """The default import key: the file's content, so the same file resumes (or is a no-op
    once complete) and a changed file is a new import."""
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return f"import:{digest.hexdigest()[:24]}"


# -- readers ------------------------------------------------------------------------------


def read_triplets(path: Path, fmt: Literal["csv", "jsonl"] | None = None) -> list[Triplet]:
    """Triplets from CSV (a header with source, relation, target and optionally source_type,
    target_type, valid_at, invalid_at, metadata as a JSON object) or JSON lines with the same
    keys."""
    fmt = fmt or ("csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl")
    text = _read_text(path)
    rows = _csv_rows(text, path) if fmt == "csv" else _jsonl_rows(text, path)
    triplets = []
    for line, row in rows:
        try:
            triplets.append(Triplet.model_validate(row))
        except ValidationError as exc:
            raise InvalidInputError(f"{path}:{line}: not a usable triplet: {_first(exc)}") from exc
    if not triplets:
        raise InvalidInputError(f"{path} holds no triplets")
    return triplets


def _csv_rows(text: str, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    missing = [c for c in TRIPLET_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise InvalidInputError(
            f"{path}: the CSV header lacks {', '.join(missing)}; it needs "
            f"{', '.join(TRIPLET_COLUMNS)} (optional: {', '.join(_OPTIONAL_COLUMNS)})"
        )
    for number, row in enumerate(reader, start=2):
        item: dict[str, Any] = {
            k: v for k, v in row.items() if k in TRIPLET_COLUMNS + _OPTIONAL_COLUMNS and v
        }
        if "metadata" in item:
            item["metadata"] = _json_object(item["metadata"], f"{path}:{number}: metadata")
        yield number, item


def _jsonl_rows(text: str, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, _json_object(line, f"{path}:{number}")


def read_conversation(
    path: Path, *, sample: str | None = None, messages_per_add: int = 2
) -> list[Turn]:
    """Turns to add, in order, from a JSON list of messages ({role, content, name?,
    timestamp?}; consecutive messages with the same timestamp are added together, at most
    ``messages_per_add`` at a time) or from LoCoMo (a sample, or a list of samples: pick one
    with ``sample``, its sample_id or index)."""
    if messages_per_add < 1:
        raise InvalidInputError("messages_per_add must be at least 1")
    data = json.loads(_read_text(path))
    if isinstance(data, list) and data and isinstance(data[0], dict) and "conversation" in data[0]:
        data = _pick_sample(data, sample, path)
    if isinstance(data, dict) and "conversation" in data:
        return _locomo_turns(data, messages_per_add, path)
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        data = data["messages"]
    if not isinstance(data, list) or not data:
        raise InvalidInputError(
            f"{path}: expected a JSON list of messages ({{role, content, timestamp}}) or a "
            "LoCoMo sample"
        )
    return _message_turns(data, messages_per_add, path)


def _message_turns(rows: list[Any], per_add: int, path: Path) -> list[Turn]:
    turns: list[Turn] = []
    current: list[Message] = []
    when: datetime | None = None
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise InvalidInputError(f"{path}: message {number} is not a JSON object")
        stamp = _time(row.get("timestamp"), f"{path}: message {number}: timestamp")
        try:
            message = Message.model_validate({k: v for k, v in row.items() if k != "timestamp"})
        except ValidationError as exc:
            raise InvalidInputError(f"{path}: message {number}: {_first(exc)}") from exc
        if current and (stamp != when or len(current) >= per_add):
            turns.append(Turn(tuple(current), when))
            current = []
        current.append(message)
        when = stamp
    turns.append(Turn(tuple(current), when))
    return turns


def _pick_sample(samples: list[dict[str, Any]], sample: str | None, path: Path) -> Any:
    if sample is None:
        if len(samples) == 1:
            return samples[0]
        ids = ", ".join(str(s.get("sample_id", i)) for i, s in enumerate(samples))
        raise InvalidInputError(f"{path} holds {len(samples)} conversations: pick one ({ids})")
    for index, item in enumerate(samples):
        if sample in (str(item.get("sample_id")), str(index)):
            return item
    raise InvalidInputError(f"{path}: no conversation {sample!r}")


def _locomo_turns(sample: Mapping[str, Any], per_add: int, path: Path) -> list[Turn]:
    conv = sample["conversation"]
    numbers = sorted(int(m.group(1)) for k in conv if (m := re.fullmatch(r"session_(\d+)", k)))
    turns: list[Turn] = []
    for n in numbers:
        said = conv.get(f"session_{n}") or []
        when = parse_locomo_time(conv.get(f"session_{n}_date_time"), f"{path}: session {n}")
        messages = [Message(role="user", name=t["speaker"], content=locomo_text(t)) for t in said]
        for start in range(0, len(messages), per_add):
            turns.append(Turn(tuple(messages[start : start + per_add]), when))
    if not turns:
        raise InvalidInputError(f"{path}: the conversation has no sessions")
    return turns


def locomo_text(turn: Mapping[str, str]) -> str:
    """A LoCoMo turn's words, with the caption of a shared image where there is one."""
    text = turn["text"]
    if turn.get("blip_caption"):
        text += f" [shares an image: {turn['blip_caption']}]"
    return text


def parse_locomo_time(text: Any, where: str = "LoCoMo") -> datetime:
    """'1:56 pm on 8 May, 2023' -> 2023-05-08 13:56 UTC (LoCoMo gives no zone)."""
    try:
        return datetime.strptime(str(text).strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidInputError(f"{where}: unreadable date {text!r}") from exc


# -- writers ------------------------------------------------------------------------------


def import_triplets(
    mem: GraphMemory,
    triplets: Sequence[Triplet],
    *,
    key: str,
    scope: Scope,
    batch_size: int = 1000,
    single_valued: Sequence[str] | None = None,
    resolver: Literal["auto", "llm", "rules"] = "auto",
    match_similar: bool = True,
    on_batch: Callable[[Batch], None] | None = None,
) -> ImportReport:
    """Write ``triplets`` in time order, ``batch_size`` per transaction; see the module doc
    for how a rerun resumes. ``resolver`` and ``match_similar`` as for add_triplets."""
    if not 1 <= batch_size <= 10_000:
        raise InvalidInputError(f"batch_size must be within 1..10000, got {batch_size}")
    now = datetime.now(UTC)
    # The whole import in time order, as one add_triplets call would order it: a later
    # value of a single-valued relation then retires the earlier one, across batches too.
    ordered = sorted(triplets, key=lambda t: storable(t.valid_at) if t.valid_at else now)
    report = ImportReport(key)
    started = time.perf_counter()
    for number, start in enumerate(range(0, len(ordered), batch_size)):
        chunk = ordered[start : start + batch_size]
        result = mem.add_triplets(
            chunk,
            user_id=scope.user_id,
            agent_id=scope.agent_id,
            run_id=scope.run_id,
            timestamp=now,
            single_valued=single_valued,
            resolver=resolver,
            match_similar=match_similar,
            batch_size=batch_size,
            idempotency_key=f"{key}/{number}",
        )
        batch = Batch(number, len(chunk), result.replayed, len(result.operations))
        report.batches.append(batch)
        report.seconds = time.perf_counter() - started
        if on_batch is not None:
            on_batch(batch)
    return report


def import_conversation(
    mem: GraphMemory,
    turns: Sequence[Turn],
    *,
    key: str,
    scope: Scope,
    on_batch: Callable[[Batch], None] | None = None,
) -> ImportReport:
    """One ``add`` per turn, in order (the extraction of each sees the ones before it)."""
    report = ImportReport(key)
    started = time.perf_counter()
    for number, turn in enumerate(turns):
        result = mem.add(
            list(turn.messages),
            user_id=scope.user_id,
            agent_id=scope.agent_id,
            run_id=scope.run_id,
            timestamp=turn.when,
            idempotency_key=f"{key}/{number}",
        )
        batch = Batch(number, len(turn.messages), result.replayed, len(result.operations))
        report.batches.append(batch)
        report.seconds = time.perf_counter() - started
        if on_batch is not None:
            on_batch(batch)
    return report


# -- helpers ------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InvalidInputError(f"{path} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path} is not UTF-8 text ({exc.reason})") from exc


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{where}: not JSON ({exc.msg})") from exc
    if not isinstance(value, dict):
        raise InvalidInputError(f"{where}: expected a JSON object")
    return value


def _time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInputError(f"{where}: not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise InvalidInputError(f"{where}: {value!r} has no UTC offset; add one (e.g. +00:00)")
    return moment


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])
