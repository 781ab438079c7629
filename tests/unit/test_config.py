import pytest
from pydantic import ValidationError

from graphmem import ConfigurationError, GraphMemConfig


def test_from_env_reads_only_what_is_given() -> None:
    cfg = GraphMemConfig.from_env(
        {
            "NEO4J_URI": "neo4j+s://example.invalid",
            "NEO4J_PASSWORD": "pw",
            "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
            "GRAPHMEM_LLM_MODEL": "llama3.1",
            "GRAPHMEM_ENTITY_MATCH_THRESHOLD": "0.9",
        }
    )
    assert cfg.neo4j.uri == "neo4j+s://example.invalid"
    assert cfg.neo4j.password is not None and cfg.neo4j.password.get_secret_value() == "pw"
    assert cfg.llm.model == "llama3.1" and cfg.llm.base_url == "http://127.0.0.1:11434/v1"
    assert cfg.entity_match_threshold == 0.9
    assert GraphMemConfig.from_env({}) == GraphMemConfig()


def test_bad_environment_values_raise_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="entity_match_threshold"):
        GraphMemConfig.from_env({"GRAPHMEM_ENTITY_MATCH_THRESHOLD": "high"})


def test_settings_are_frozen_and_strict() -> None:
    cfg = GraphMemConfig()
    with pytest.raises(ValidationError):
        cfg.embedding_dimensions = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        GraphMemConfig(unknown=1)  # type: ignore[call-arg]
