"""Query entity extractor: the paper's LLM step that names the entities a search is about."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

ROLE = "query_entities"

SYSTEM = """You read a question asked to a memory system and list the entities it is about
(people, places, things, topics), as short names. When it says "I", "me" or "my", include
{self_name}. Return an empty list if it names none."""


class QueryEntities(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entities: list[str]


def build(query: str, self_name: str) -> tuple[str, str]:
    return SYSTEM.format(self_name=self_name), f"QUESTION\n{query}"
