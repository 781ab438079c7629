"""The guards between a model's reply and the memory (graphmem.extraction.guards,
graphmem.resolution.guards), on the mistakes a 1.5B model made on a real server."""

from __future__ import annotations

import pytest

from graphmem.extraction.guards import (
    memory_names,
    memory_too_short,
    restates_context,
    screen_relations,
    speaker_word,
)
from graphmem.models import Message
from graphmem.prompts.resolution import Decision, UpdateDecisions, UpdateResolution, reply_schema
from graphmem.resolution.guards import (
    memory_subject,
    read_ids,
    related_relations,
    retirement_refusal,
)

NEW = [Message(role="user", content="I moved to New York last week.")]
CONTEXT = ["I live in San Francisco and work at UCSF as a nurse."]


def _screen(*relations: tuple[str, str, str], entities: tuple[str, ...] = ()) -> list[str]:
    out = screen_relations(
        list(relations),
        entities or ("Alice", "New York", "San Francisco", "UCSF"),
        speaker="Alice",
        new=NEW,
        context=CONTEXT,
    )
    kept = [f"{s} {relations[i][1]} {t}" for i, s, t in out.kept]
    return kept + [f"skipped: {why}" for _, why in out.skipped]


def test_pronouns_and_user_are_the_speaker() -> None:
    assert _screen(("I", "moved_to", "New York")) == ["Alice moved_to New York"]
    assert _screen(("user", "moved_to", "New York")) == ["Alice moved_to New York"]
    assert speaker_word("Me") and speaker_word("the user") and not speaker_word("Mei")


def test_endpoints_outside_the_entity_list_are_skipped() -> None:
    [out] = _screen(("my sister", "lives_in", "New York"))
    assert out == "skipped: 'my sister' is not one of the entities extracted from the messages"


def test_a_self_loop_is_skipped() -> None:
    [out] = _screen(("Lia", "has_child", "Lia"), entities=("Lia",))
    assert out == "skipped: a fact relating a thing to itself"


def test_a_sentence_is_not_a_relation_name() -> None:
    long = "is_the_person_who_told_me_about_the_new_place"
    [out] = _screen(("Alice", long, "New York"))
    assert out.startswith("skipped: the relation is not a short verb phrase")
    assert _screen(("Alice", "is_allergic_to", "New York")) == ["Alice is_allergic_to New York"]


def test_a_fact_of_the_earlier_context_extracted_again_is_skipped() -> None:
    out = _screen(("I", "lives_in", "San Francisco"), ("I", "moved_to", "New York"))
    assert out == [
        "Alice moved_to New York",
        "skipped: it restates the earlier conversation, not the new messages",
    ]


def test_a_reference_back_keeps_a_fact_about_the_context() -> None:
    assert not restates_context(["San Francisco"], "I left there last week.", CONTEXT)
    assert not restates_context(["Berlin"], "I moved to New York.", CONTEXT)  # said nowhere
    assert restates_context(["UCSF"], "I moved to New York.", CONTEXT)


def test_where_several_people_speak_a_pronoun_is_not_guessed() -> None:
    out = screen_relations(
        [("I", "moved_to", "New York")],
        ("Alice", "New York"),
        speaker="conv-26",
        new=NEW,
        context=[],
        one_speaker=False,
    )
    assert out.kept == [] and "several people" in out.skipped[0][1]


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("I", True),
        ("my", True),
        ("Alice", True),
        ("Alice likes tea", False),
        ("我住在北京", False),  # Chinese has no spaces
        ("北", True),
    ],
)
def test_memories_too_short_to_mean_anything(text: str, short: bool) -> None:
    assert memory_too_short(text) is short


def test_memory_names_leave_out_the_speaker() -> None:
    assert memory_names("Alice works as a nurse at UCSF since 2019.", "Alice") == ["UCSF", "2019"]


def _decision(op: str, new: str | None, old: str | None) -> Decision:
    return Decision(operation=op, new_id=new, existing_id=old, reason="r")  # type: ignore[arg-type]


def test_ids_in_swapped_fields_are_read_by_their_prefix() -> None:
    read = read_ids(_decision("DELETE", "E1", "N1"), {"N1"}, {"E1"})
    assert isinstance(read, Decision)
    assert (read.new_id, read.existing_id) == ("N1", "E1")
    read = read_ids(_decision("UPDATE", " n1 ", None), {"N1"}, {"E1"})
    assert isinstance(read, Decision) and read.new_id == "N1"


def test_an_id_the_call_did_not_show_is_refused_with_the_reason() -> None:
    assert read_ids(_decision("UPDATE", "N1", "E7"), {"N1"}, {"E1"}) == (
        "it names 'E7', which is not one of the facts it was shown"
    )
    assert "two new" in str(read_ids(_decision("UPDATE", "N1", "N2"), {"N1", "N2"}, set()))
    assert "names no existing" in str(read_ids(_decision("DELETE", "N1", None), {"N1"}, set()))


def test_related_relations() -> None:
    assert related_relations("lives_in", "lived_in")
    assert related_relations("moved_to", "lives_in")
    assert related_relations("works_for", "works_at")
    assert not related_relations("works_at", "works_as")
    assert not related_relations("is", "works_at")
    assert related_relations("plays", "coaches", [("plays", "coaches")])


def test_a_retirement_needs_the_same_source_and_a_related_relation_or_target() -> None:
    ucsf = ("alice", "works_at", "ucsf")
    assert retirement_refusal(ucsf, [("alice", "works_at", "google")]) is None
    assert retirement_refusal(ucsf, [("alice", "left", "ucsf")]) is None
    assert retirement_refusal(("alice", "is", "vegetarian"), [("alice", "works_at", "ucsf")])
    assert retirement_refusal(ucsf, [("max", "works_at", "ucsf")])
    assert retirement_refusal(ucsf, [])


def test_memory_subjects() -> None:
    assert memory_subject("Alice's sister lives in Porto") == "alice"
    assert memory_subject("Alice moved to New York") == memory_subject("alice works at UCSF")
    assert memory_subject("我住在北京") is None


def test_resolver_ids_are_enums_in_the_schema_sent() -> None:
    schema = reply_schema(UpdateResolution, ["N1", "N2"], ["E1"], ["M1"])
    item = schema["properties"]["decisions"]["items"]["properties"]
    assert item["new_id"]["enum"] == ["N1", "N2", None]
    assert item["existing_id"]["enum"] == ["E1", None]
    assert schema["properties"]["entities"]["items"]["properties"]["id"]["enum"] == ["M1"]
    plain = reply_schema(UpdateDecisions, ["N1"], [])
    assert plain["properties"]["decisions"]["items"]["properties"]["existing_id"]["enum"] == [None]


def test_a_users_earlier_message_copied_as_a_memory_is_a_restatement() -> None:
    # What the 1.5B model stored on the demo's last turn ("Any idea what I could cook?").
    copied = "I live in San Francisco with my dog Max, and I work as a nurse at UCSF."
    names = memory_names(copied, "alice")
    assert names == ["San", "Francisco", "Max", "UCSF"]
    assert restates_context(names, "Any idea what I could cook tonight?", [copied], every=True)
    assert not restates_context(names, "Max is ill.", [copied], every=True)
