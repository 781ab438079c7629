import pytest

from graphmem import InvalidInputError, ScopeError
from graphmem.mem0.update import memory_key
from graphmem.models import Scope, metadata_properties, normalize_name
from graphmem.pipeline.inputs import coerce_messages as _coerce_messages
from graphmem.text import normalize_entity_type, normalize_relation


def test_scope_needs_at_least_one_id() -> None:
    with pytest.raises(ScopeError, match="a scope is required"):
        Scope.of(None, None, None)
    with pytest.raises(ScopeError, match="user_id"):
        Scope.of("  ", None, None)


def test_scope_ids_fit_in_an_index_key() -> None:
    assert Scope.of("a" * 1000, "b" * 1000, "c" * 1000).user_id == "a" * 1000
    with pytest.raises(ScopeError, match="4101 bytes together"):
        Scope.of("a" * 4087, None, None)  # ["a...",null,null]: 4101 bytes


def test_memory_keys_stay_small_enough_to_index() -> None:
    assert memory_key("  Ana  LIVES in\nLisbon ") == "ana lives in lisbon"
    long = memory_key("Ä" * 600)  # 1,200 bytes
    assert long.startswith("sha256:") and len(long) == 71
    assert memory_key("ä" * 600) == long  # still case-folded first


def test_scope_keys_are_exact_and_unambiguous() -> None:
    keys = {
        Scope.of(*ids).key
        for ids in [
            ("a", None, None),
            (None, "a", None),
            (None, None, "a"),
            ("a", "b", None),
            ("a,b", None, None),
            ('a",null', None, None),
        ]
    }
    assert len(keys) == 6


@pytest.mark.parametrize("raw", ["Alice", "alice", " ALICE ", "Alice\t", "alice  "])
def test_name_variants_normalize_alike(raw: str) -> None:
    assert normalize_name(raw) == "alice"


def test_relation_names_become_safe_identifiers() -> None:
    assert normalize_relation("Lives In") == "lives_in"
    assert normalize_relation("works-at!") == "works_at"
    assert normalize_relation("`]->(x) DETACH DELETE x //") == "x_detach_delete_x"
    assert normalize_relation("3rd_place") == "r_3rd_place"
    with pytest.raises(InvalidInputError):
        normalize_relation("-> !")


def test_entity_types_become_safe_labels() -> None:
    assert normalize_entity_type("person") == "Person"
    assert normalize_entity_type("tv show") == "TvShow"
    assert normalize_entity_type("`:Admin {x:1}") == "AdminX1"
    assert normalize_entity_type("") == "Thing"
    assert normalize_entity_type("123") == "Thing"
    # An entity must never join the indexes of graphmem's own nodes.
    assert normalize_entity_type("fact") == "FactType"
    assert normalize_entity_type("Episode") == "EpisodeType"
    assert normalize_entity_type("entity") == "EntityType"


def test_messages_accept_a_string_or_role_content_dicts() -> None:
    assert _coerce_messages("hi")[0].content == "hi"
    two = _coerce_messages(
        [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    )
    assert [m.role for m in two] == ["user", "assistant"]


@pytest.mark.parametrize(
    "bad",
    [
        [],
        [{"role": "user"}],
        [{"role": "boss", "content": "x"}],
        "   ",
        [{"role": "user", "content": ""}],
        42,
    ],
)
def test_bad_messages_get_a_typed_error(bad: object) -> None:
    with pytest.raises(InvalidInputError):
        _coerce_messages(bad)  # type: ignore[arg-type]


def test_metadata_becomes_prefixed_properties_of_simple_values() -> None:
    assert metadata_properties({"source": "crm", "n": 2, "tags": ["a", "b"]}) == {
        "meta_source": "crm",
        "meta_n": 2,
        "meta_tags": ["a", "b"],
    }
    assert metadata_properties(None) == {}


@pytest.mark.parametrize(
    "bad",
    [
        {"bad key": 1},
        {"x": {"nested": 1}},
        {"x": [1, "a"]},
        {"x": None},
        {"1x": 1},
        {"x": 2**63},  # found by the fuzz run: the driver raised OverflowError
        {"x": [-(2**63) - 1]},
    ],
)
def test_metadata_that_neo4j_cannot_store_gets_a_typed_error(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match="metadata"):
        metadata_properties(bad)
