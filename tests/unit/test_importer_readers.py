"""Reading import files: what is accepted, and the typed error (with the line) for the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from graphmem.cli.common import EXIT_RETRYABLE, exit_code
from graphmem.errors import GraphMemError, InvalidInputError, NotFoundError, ScopeError, StoreError
from graphmem.importer import import_key, read_conversation, read_triplets


def test_csv_triplets_keep_every_field_and_script(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    path.write_text(
        "source,relation,target,valid_at,metadata,target_type\n"
        'Zoë Müller,lives_in,東京,2021-03-01T00:00:00+09:00,"{""src"": ""crm"", ""n"": 2}",City\n'
        "Python 3.12,released_in,2023,,,\n",
        encoding="utf-8",
    )
    first, second = read_triplets(path)
    assert (first.source, first.relation, first.target) == ("Zoë Müller", "lives_in", "東京")
    assert first.valid_at == datetime(2021, 3, 1, tzinfo=timezone(timedelta(hours=9)))
    assert first.metadata == {"src": "crm", "n": 2} and first.target_type == "City"
    assert (second.source, second.target, second.valid_at) == ("Python 3.12", "2023", None)


def test_jsonl_triplets_and_a_bad_line_named(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    rows = [{"source": "Ana", "relation": "works_at", "target": "Zalando"}, {"source": "Eva"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"facts.jsonl:2: not a usable triplet"):
        read_triplets(path)
    path.write_text(json.dumps(rows[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"facts.jsonl:2: not JSON"):
        read_triplets(path)


def test_csv_without_the_needed_columns_says_which(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    path.write_text("subject,relation,object\nA,knows,B\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="lacks source, target"):
        read_triplets(path)
    (tmp_path / "empty.csv").write_text("source,relation,target\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="holds no triplets"):
        read_triplets(tmp_path / "empty.csv")
    (tmp_path / "latin1.csv").write_bytes("source,relation,target\nJosé,a,b\n".encode("latin-1"))
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        read_triplets(tmp_path / "latin1.csv")


def test_messages_group_by_timestamp_and_size(tmp_path: Path) -> None:
    path = tmp_path / "chat.json"
    at = ["2024-01-01T10:00:00+00:00"] * 3 + ["2024-01-02T10:00:00+01:00"]
    path.write_text(
        json.dumps(
            [{"role": "user", "content": f"message {i}", "timestamp": t} for i, t in enumerate(at)]
        ),
        encoding="utf-8",
    )
    turns = read_conversation(path, messages_per_add=2)
    assert [[m.content for m in t.messages] for t in turns] == [
        ["message 0", "message 1"],
        ["message 2"],
        ["message 3"],
    ]
    assert turns[2].when == datetime(2024, 1, 2, 9, tzinfo=UTC)


def test_a_naive_timestamp_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "chat.json"
    path.write_text(json.dumps([{"content": "hi", "timestamp": "2024-01-01T10:00:00"}]))
    with pytest.raises(InvalidInputError, match=r"message 1: timestamp.*no UTC offset"):
        read_conversation(path)


def test_locomo_layout_by_sample_id(tmp_path: Path) -> None:
    sample = {
        "sample_id": "conv-x",
        "conversation": {
            "speaker_a": "Caroline",
            "speaker_b": "Melanie",
            "session_2_date_time": "7:00 pm on 9 May, 2023",
            "session_2": [{"speaker": "Melanie", "dia_id": "D2:1", "text": "Back again"}],
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Caroline", "dia_id": "D1:1", "text": "Hey Mel!"},
                {"speaker": "Melanie", "dia_id": "D1:2", "text": "Look", "blip_caption": "a cat"},
                {"speaker": "Caroline", "dia_id": "D1:3", "text": "Cute"},
            ],
        },
    }
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps([sample, {**sample, "sample_id": "conv-y"}]))
    with pytest.raises(InvalidInputError, match="holds 2 conversations: pick one"):
        read_conversation(path)
    turns = read_conversation(path, sample="conv-x")
    assert [len(t.messages) for t in turns] == [2, 1, 1]
    assert turns[0].when == datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
    assert turns[0].messages[1].content == "Look [shares an image: a cat]"
    assert turns[0].messages[1].name == "Melanie"
    assert turns[2].when == datetime(2023, 5, 9, 19, tzinfo=UTC)


def test_the_import_key_follows_the_content(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("source,relation,target\nA,knows,B\n")
    b.write_text("source,relation,target\nA,knows,B\n")
    assert import_key(a) == import_key(b)
    b.write_text("source,relation,target\nA,knows,C\n")
    assert import_key(a) != import_key(b)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (NotFoundError("x"), 3),
        (ScopeError("x"), 64),
        (InvalidInputError("x"), 65),
        (StoreError("x", retryable=True), EXIT_RETRYABLE),
        (StoreError("x"), 1),
        (GraphMemError("x"), 1),
    ],
)
def test_exit_codes_tell_errors_apart(error: GraphMemError, code: int) -> None:
    assert exit_code(error) == code
