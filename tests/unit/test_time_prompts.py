"""What the model is told about time, and how the times it answers are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphmem.models import Message
from graphmem.prompts import entities, memories, relations, resolution
from graphmem.prompts.entities import ExtractedEntity
from graphmem.prompts.memories import MemoryExtraction
from graphmem.prompts.relations import RelationExtraction, RelationsAndMemories
from graphmem.structured import strict_json_schema
from graphmem.times import describe, parse_stated

LISBON_SUMMER = timezone(timedelta(hours=1))
NOW = datetime(2023, 7, 3, 8, 5, tzinfo=UTC)


def _messages() -> tuple[list[Message], list[Message]]:
    earlier = [
        Message(
            content="I live in Porto.", timestamp=datetime(2023, 5, 8, 13, 56, tzinfo=LISBON_SUMMER)
        )
    ]
    new = [Message(content="I moved last month.", name="Ana", timestamp=NOW)]
    return new, earlier


def test_every_extraction_prompt_shows_each_message_time_and_now() -> None:
    new, earlier = _messages()
    users = [
        entities.build(new, "Ana lived in Porto.", earlier, "Ana", NOW)[1],
        memories.build(new, None, earlier, "Ana", NOW)[1],
        relations.build(new, [ExtractedEntity(name="Ana", type="Person")], earlier, "Ana", NOW)[1],
    ]
    for user in users:
        assert user.startswith("NOW: 2023-07-03 (Monday) 08:05 UTC+00:00\n")
        assert "[2023-05-08 (Monday) 13:56 UTC+01:00] user: I live in Porto." in user
        assert "[2023-07-03 (Monday) 08:05 UTC+00:00] Ana: I moved last month." in user


def test_the_resolver_sees_each_fact_with_its_interval() -> None:
    _, user = resolution.build(
        [
            (
                "E1",
                resolution.dated("Ana lives in Porto", datetime(2019, 3, 1), datetime(2023, 6, 1)),
            )
        ],
        [("N1", resolution.dated("Ana lives in Berlin", datetime(2023, 6, 1)))],
    )
    assert "E1: Ana lives in Porto (2019-03-01 until 2023-06-01)" in user
    assert "N1: Ana lives in Berlin (since 2023-06-01)" in user


def test_reply_schemas_carry_times_and_accept_replies_without_them() -> None:
    schema = strict_json_schema(RelationExtraction)
    item = schema["properties"]["relations"]["items"]
    assert {"valid_at", "invalid_at"} <= set(item["required"])
    bare = RelationExtraction.model_validate(
        {"relations": [{"source": "a", "relation": "r", "target": "b"}]}
    )
    assert bare.relations[0].valid_at is None
    # Memories: objects with a time; a bare string (older scripted replies) is one without.
    memory_item = strict_json_schema(MemoryExtraction)["properties"]["memories"]["items"]
    assert memory_item["required"] == ["text", "valid_at"]
    mixed = MemoryExtraction.model_validate(
        {"memories": ["Ana likes tea", {"text": "Ana moved", "valid_at": "2023-06"}]}
    )
    assert [(m.text, m.valid_at) for m in mixed.memories] == [
        ("Ana likes tea", None),
        ("Ana moved", "2023-06"),
    ]
    both = RelationsAndMemories.model_validate({"relations": [], "memories": ["x"]})
    assert both.memories[0].text == "x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", datetime(2019, 1, 1, tzinfo=LISBON_SUMMER)),
        ("2019-03", datetime(2019, 3, 1, tzinfo=LISBON_SUMMER)),
        ("2019-03-14", datetime(2019, 3, 14, tzinfo=LISBON_SUMMER)),
        ("2019-03-14T10:30:00Z", datetime(2019, 3, 14, 10, 30, tzinfo=UTC)),
        (" 2019-03-14T10:30+05:30 ", datetime(2019, 3, 14, 5, 0, tzinfo=UTC)),
    ],
)
def test_stated_times_are_read_in_the_messages_zone(text: str, expected: datetime) -> None:
    now = datetime(2023, 7, 3, tzinfo=LISBON_SUMMER)
    assert parse_stated(text, now) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("last month", "not an ISO 8601"),
        ("2019-13", "not an ISO 8601"),
        ("3024", "100 years"),
        ("0999-01-01", "before the year 1000"),
        ("", "not an ISO 8601"),
    ],
)
def test_times_a_model_gets_wrong_are_refused_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_stated(text, NOW)


@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_with_a_value_error(text: str) -> None:
    try:
        moment = parse_stated(text, NOW)
    except ValueError:
        return
    assert moment.tzinfo is not None and moment - NOW <= timedelta(days=366 * 100)


def test_describe_names_the_weekday_and_the_offset() -> None:
    moment = datetime(2024, 2, 29, 23, 59, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
    assert describe(moment) == "2024-02-29 (Thursday) 23:59 UTC-03:30"
