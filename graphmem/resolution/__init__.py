"""Update phase, the pure part: entity resolution and the ADD/UPDATE/DELETE/NOOP plan."""

from graphmem.resolution.planner import (
    Draft,
    DraftFact,
    EntityMatch,
    ResolutionPlan,
    draft_from_triplets,
    plan_updates,
    resolve_entities,
)

__all__ = [
    "Draft",
    "DraftFact",
    "EntityMatch",
    "ResolutionPlan",
    "draft_from_triplets",
    "plan_updates",
    "resolve_entities",
]
