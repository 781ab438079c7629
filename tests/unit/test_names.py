"""Entity names: which variants share a key, which look-alikes are kept apart, in any script."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphmem.resolution.names import keep_apart, number_signature
from graphmem.text import name_key, normalize_entity_type, normalize_relation


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Zoë", "Zoe"),
        ("José  García", "jose garcia"),
        ("O'Brien", "OBrien"),
        ("O’Brien", "O'Brien"),
        ("Jean-Luc Picard", "jean luc picard"),
        ("St. Louis", "St Louis"),
        ("Ｔｏｋｙｏ", "Tokyo"),  # full-width letters
        ("MÜLLER", "müller"),
        ("New York, NY", "new york ny"),
    ],
)
def test_safe_variants_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("C#", "C"),
        ("C++", "C"),
        ("AT&T", "AT T"),
        ("Йорк", "Иорк"),  # й is a letter of its own in Russian, not и with a mark
        ("हिंदी", "हद"),  # Devanagari vowel signs are letters
        ("iPhone 14", "iPhone 15"),
        ("1.5", "15"),
    ],
)
def test_meaningful_differences_keep_distinct_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_a_name_of_punctuation_only_still_has_a_key() -> None:
    assert name_key("?") == "?"
    assert name_key("  ...  ") == "..."


@pytest.mark.parametrize(
    ("a", "b", "type_"),
    [
        ("iPhone 14", "iPhone 15", "Product"),
        ("Trip to Japan 2023", "Trip to Japan 2024", "Event"),
        ("Flat 3B", "Flat 4B", "Place"),
        ("Room 101", "Room 102", "Place"),
        ("Harry Potter 3", "Harry Potter 4", "Book"),
        ("Rocky II", "Rocky III", "Film"),
        ("Route 66", "Route 67", "Road"),
        ("Python 3.11", "Python 3.12", "Software"),
        ("3rd Avenue", "4th Avenue", "Road"),
        ("Paris, Texas", "Paris, France", "City"),
        ("North Carolina", "South Carolina", "Place"),
        ("Alice Smith", "Bob Smith", "Person"),
        ("Jon Smith", "John Smith", "Person"),
        ("Alice", "Alicia", "Person"),
        ("Christina Lee", "Christine Lee", "Person"),  # one letter apart, still two people
        ("Tchaikovsky", "Chaikovsky", "Person"),  # people: no spelling tolerance at all
        ("item 7", "item 3", "Thing"),
    ],
)
def test_look_alikes_that_differ_in_a_number_qualifier_or_given_name_are_kept_apart(
    a: str, b: str, type_: str
) -> None:
    assert keep_apart(a, b, type_, type_) is not None
    assert keep_apart(b, a, type_, type_) is not None


@pytest.mark.parametrize(
    ("a", "b", "type_"),
    [
        ("Bob", "Bob Smith", "Person"),
        ("New York", "New York City", "City"),
        ("hiking boot", "hiking boots", "Object"),
        ("Tchaikovsky Hall", "Chaikovsky Hall", "Place"),  # a transliteration
        ("Rocky 2", "Rocky II", "Film"),
        ("3rd Avenue", "Third Avenue", "Road"),
        ("NYC", "New York City", "City"),
        ("Starbucks", "Starbuck", "Organization"),
    ],
)
def test_plausible_variants_are_left_to_the_judge(a: str, b: str, type_: str) -> None:
    assert keep_apart(a, b, type_, type_) is None


def test_number_signatures_read_digits_words_ordinals_and_roman_numerals() -> None:
    assert number_signature("Apollo 11") == number_signature("Apollo eleven")
    assert number_signature("3rd floor") == number_signature("third floor")
    assert number_signature("World War II") == number_signature("World War 2")
    assert number_signature("غرفة ٣") == number_signature("غرفة 3")  # Arabic-Indic digits
    assert number_signature("Flat 3B") != number_signature("Flat 3")
    assert number_signature("MIX") == number_signature("mix")  # one word: not a numeral


def test_relations_keep_their_own_script() -> None:
    assert normalize_relation("très aimé par") == "très_aimé_par"
    assert normalize_relation("живёт в") == "живёт_в"
    assert normalize_relation("住在") == "住在"
    assert normalize_relation("يعيش في") == "يعيش_في"
    assert normalize_relation("Straße-Name") == "straße_name"


def test_entity_types_keep_their_own_script() -> None:
    assert normalize_entity_type("город") == "Город"
    assert normalize_entity_type("人物") == "人物"
    assert normalize_entity_type("مدينة") == "مدينة"
    assert normalize_entity_type("ville française") == "VilleFrançaise"


names = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())


@given(names)
def test_keys_are_idempotent_and_never_blank(name: str) -> None:
    key = name_key(name)
    assert key.strip() == key and key
    assert name_key(key) == key
    assert "\t" not in key and "  " not in key  # fact_key joins keys with tabs


@given(
    names, st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000)
)
def test_names_that_differ_only_in_a_number_are_never_left_to_similarity(
    stem: str, n: int, m: int
) -> None:
    a, b = f"{stem} {n}", f"{stem} {m}"
    if n != m and name_key(a) != name_key(b):
        assert keep_apart(a, b) is not None


@given(names, names)
def test_keep_apart_is_symmetric(a: str, b: str) -> None:
    assert (keep_apart(a, b) is None) == (keep_apart(b, a) is None)


@given(st.text(min_size=1, max_size=30))
def test_relations_normalize_or_raise_a_typed_error(relation: str) -> None:
    from graphmem import InvalidInputError

    try:
        out = normalize_relation(relation)
    except InvalidInputError:
        return
    assert out and normalize_relation(out) == out and len(out) <= 64
