"""Text that is not valid Unicode (lone surrogates) is refused up front with a typed error.

Found by fuzzing: search("\\ud800") reached the tokenizer and raised a bare TypeError."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from graphmem import InvalidInputError, Message, Scope, ScopeError, Triplet
from graphmem.models import metadata_properties
from graphmem.text import require_unicode

LONE = "caf\ud800e"


def test_valid_text_in_any_script_passes_unchanged() -> None:
    for text in ("", "Zoë", "名前", "اسم", "🙂", "a\tb\r\n"):
        assert require_unicode(text, "x") == text


def test_a_lone_surrogate_is_an_invalid_input_error_naming_the_field() -> None:
    with pytest.raises(InvalidInputError, match=r"query is not valid Unicode.*index 3"):
        require_unicode(LONE, "query")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Message(content=LONE),
        lambda: Triplet(source=LONE, relation="likes", target="tea"),
        lambda: Triplet(source="Ana", relation=LONE, target="tea"),
        lambda: Triplet(source="Ana", relation="likes", target="tea", source_type=LONE),
    ],
)
def test_models_built_from_input_refuse_it(build: object) -> None:
    with pytest.raises(ValidationError, match=r"(?i)unicode"):
        build()  # type: ignore[operator]


def test_scope_ids_and_metadata_refuse_it() -> None:
    with pytest.raises(ScopeError, match="user_id is not valid Unicode"):
        Scope.of(LONE, None, None)
    with pytest.raises(InvalidInputError, match="metadata 'k'"):
        metadata_properties({"k": LONE})
    with pytest.raises(InvalidInputError, match="metadata 'k'"):
        metadata_properties({"k": ["ok", LONE]})
