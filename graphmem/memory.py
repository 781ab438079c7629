"""GraphMemory: the public entry point. Wires the stages; holds no Cypher and no prompt text."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Self

from pydantic import ValidationError

from graphmem.config import GraphMemConfig
from graphmem.errors import ConfigurationError, InvalidInputError, NotFoundError
from graphmem.extraction import Extractor
from graphmem.models import (
    AddResult,
    EntityRef,
    Message,
    Operation,
    OperationKind,
    Relation,
    Scope,
    ScoredRelation,
    SearchResult,
    Triplet,
    normalize_name,
)
from graphmem.ports import LLM, Embedder
from graphmem.prompts import query_entities as query_entities_prompt
from graphmem.prompts import resolution as resolution_prompt
from graphmem.prompts.query_entities import QueryEntities
from graphmem.prompts.resolution import Decision, UpdateResolution
from graphmem.resolution import (
    Draft,
    EntityMatch,
    ResolutionPlan,
    draft_from_triplets,
    plan_updates,
    resolve_entities,
)
from graphmem.resolution.planner import Candidate, PlannedFact, PlannedOperation
from graphmem.retrieval import fulltext_query, mentions_self, reciprocal_rank_fusion
from graphmem.store import Neo4jStore
from graphmem.structured import UsageMeter, call_structured

__all__ = ["GraphMemory"]

MessagesInput = str | Message | Mapping[str, Any] | Sequence[Message | Mapping[str, Any]]


class GraphMemory:
    """Long-term graph memory for agents, stored in Neo4j.

    >>> with GraphMemory(config, llm=llm, embedder=embedder) as mem:
    ...     mem.add("I'm vegetarian and I avoid dairy.", user_id="alice")
    ...     mem.search("What should I cook for Alice tonight?", user_id="alice")
    """

    def __init__(
        self,
        config: GraphMemConfig | None = None,
        *,
        llm: LLM | None = None,
        embedder: Embedder | None = None,
        store: Neo4jStore | None = None,
        migrate: bool = True,
    ) -> None:
        self.config = config or GraphMemConfig()
        self._llm = llm if llm is not None else _default_llm(self.config)
        self._embedder = embedder if embedder is not None else _default_embedder(self.config)
        self._store = store if store is not None else Neo4jStore.connect(self.config.neo4j)
        self._extractor = (
            Extractor(self._llm, self.config.llm.max_output_retries) if self._llm else None
        )
        if migrate:
            try:
                self._check_embedder()
                self._store.migrate(self.config.embedding_dimensions)
            except BaseException:
                self._store.close()
                raise

    @classmethod
    def from_env(cls, **overrides: Any) -> GraphMemory:
        """Settings from the environment (NEO4J_URI, OPENAI_API_KEY, ... see the README)."""
        return cls(GraphMemConfig.from_env(), **overrides)

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def store(self) -> Neo4jStore:
        return self._store

    # -- add --------------------------------------------------------------------------------

    def add(
        self,
        messages: MessagesInput,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timestamp: datetime | None = None,
    ) -> AddResult:
        """Remember what ``messages`` say. One write transaction; nothing is written on failure.

        ``timestamp`` is when the messages were said (default: now); facts become valid then."""
        scope = Scope.of(user_id, agent_id, run_id)
        new = _coerce_messages(messages)
        extractor = self._require_extractor()
        meter = UsageMeter()
        queries_before = self._store.queries_run
        observed_at = _aware(timestamp) if timestamp else datetime.now(UTC)
        now = datetime.now(UTC)
        episode_id = uuid.uuid4().hex

        window = max(self.config.context_messages, self.config.summary_every)
        ctx = self._store.load_context(scope.key, window)
        earlier = [Message(**m) for chunk in ctx["recent"] for m in json.loads(chunk)]
        recent = earlier[-self.config.context_messages :] if self.config.context_messages else []
        self_name = _self_name(scope)
        extraction = extractor.extract(new, ctx["summary"], recent, self_name, meter)

        summary_update = None
        every = self.config.summary_every
        total = int(ctx["message_count"]) + len(new)
        if every and total - int(ctx["summarized_count"]) >= every:
            unsummarized = int(ctx["message_count"]) - int(ctx["summarized_count"])
            since = (earlier[-unsummarized:] if unsummarized > 0 else []) + new
            text = extractor.summarize(ctx["summary"], since, meter)
            summary_update = {"text": text, "summarized_count": total}

        draft = draft_from_triplets(
            (
                Triplet(source=r.source, relation=r.relation, target=r.target)
                for r in _usable(extraction.relations)
            ),
            ((e.name, e.type) for e in extraction.entities if e.name.strip()),
        )
        params, plan, entities = self._resolve(scope, draft, meter, episode_id)
        written = self._store.apply_plan(
            {
                **params,
                "scope": scope.as_params(),
                "now": now,
                "episode": {
                    "id": episode_id,
                    "observed_at": observed_at,
                    "messages_json": json.dumps([m.model_dump(exclude_none=True) for m in new]),
                    "text": "\n".join(f"{m.name or m.role}: {m.content}" for m in new),
                    "metadata_json": json.dumps(dict(metadata or {}), default=str),
                    "message_count": len(new),
                },
                "summary": summary_update,
            }
        )
        created = {e["key"]: bool(e["created"]) for e in written["entities"]}
        return AddResult(
            episode_id=episode_id,
            entities=tuple(
                EntityRef(id=e["id"], name=e["name"], type=e["type"], created=created[e["key"]])
                for e in written["entities"]
            ),
            operations=tuple(_operations(plan, entities, episode_id, now, observed_at)),
            usage=meter.usage(),
            neo4j_queries=self._store.queries_run - queries_before,
        )

    def _resolve(
        self, scope: Scope, draft: Draft, meter: UsageMeter, episode_id: str
    ) -> tuple[dict[str, Any], ResolutionPlan, dict[str, dict[str, str]]]:
        """Entity resolution + conflict detection + the update resolver -> apply_plan params."""
        empty: dict[str, Any] = {
            "entities": [],
            "facts": [],
            "invalidations": [],
            "confirmations": [],
        }
        if not draft.entities:
            return empty, ResolutionPlan(), {}
        texts = [e.name for e in draft.entities] + [f.fact for f in draft.facts]
        vectors = self._embedder.embed(texts)
        n = len(draft.entities)
        entity_vectors = {e.key: vectors[i] for i, e in enumerate(draft.entities)}
        fact_vectors = vectors[n:]
        found = self._store.resolve_entities(
            {
                "scope_key": scope.key,
                "entities": [
                    {"key": e.key, "embedding": entity_vectors[e.key]} for e in draft.entities
                ],
                "fact_embeddings": fact_vectors,
                "k": self.config.entity_candidates,
                "min_score": (1.0 + self.config.entity_match_threshold) / 2.0,
                "max_candidates": 40,
            }
        )
        matches = {m["key"]: EntityMatch(**m) for m in found["matches"]}
        planned, canonical = resolve_entities(draft, matches, entity_vectors, _new_id)
        new_facts = [
            PlannedFact(
                id=_new_id(),
                source_key=canonical[f.source_key],
                relation=f.relation,
                target_key=canonical[f.target_key],
                fact=f.fact,
                embedding=fact_vectors[i],
            )
            for i, f in enumerate(draft.facts)
        ]
        candidates = [
            Candidate(c["source_key"], c["target_key"], Relation.from_record(c))
            for c in found["candidates"]
        ]
        plan = plan_updates(new_facts, candidates, self._resolver(meter))
        entities = {e.key: {"name": e.name, "type": e.type} for e in planned}
        return (
            {
                "entities": [
                    {
                        "key": e.key,
                        "id": e.id,
                        "name": e.name,
                        "type": e.type,
                        "embedding": e.embedding,
                    }
                    for e in planned
                ],
                "facts": [
                    {
                        "id": f.id,
                        "source_key": f.source_key,
                        "target_key": f.target_key,
                        "relation": f.relation,
                        "rel_type": f.relation.upper(),
                        "fact": f.fact,
                        "embedding": f.embedding,
                        "supersedes": f.supersedes,
                    }
                    for f in plan.add
                ],
                "invalidations": [
                    {"fact_id": fid, "reason": why, "kind": kind.value}
                    for fid, why, kind in plan.invalidate
                ],
                "confirmations": list(plan.confirm),
            },
            plan,
            entities,
        )

    def _resolver(self, meter: UsageMeter) -> Any:
        llm = self._llm
        if llm is None:
            return None

        def decide(
            existing: Sequence[tuple[str, str]], new: Sequence[tuple[str, str]]
        ) -> list[Decision]:
            system, user = resolution_prompt.build(existing, new)
            return call_structured(
                llm,
                role=resolution_prompt.ROLE,
                system=system,
                user=user,
                response_model=UpdateResolution,
                meter=meter,
                output_retries=self.config.llm.max_output_retries,
            ).decisions

        return decide

    # -- search -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
        include_invalid: bool = False,
        entity_linking: str | None = None,
        depth: int | None = None,
    ) -> SearchResult:
        """The scope's facts most relevant to ``query``: the entity-centric subgraph and the
        semantic triplet search, fused by reciprocal rank. Only valid facts unless asked."""
        scope = Scope.of(user_id, agent_id, run_id)
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError("query must be a non-empty string")
        cfg = self.config.retrieval
        limit = cfg.limit if limit is None else limit
        if limit < 1:
            raise InvalidInputError(f"limit must be at least 1, got {limit}")
        depth = cfg.depth if depth is None else depth
        if depth not in (1, 2):
            raise InvalidInputError(f"depth must be 1 or 2, got {depth}")
        linking = entity_linking or cfg.entity_linking
        if linking not in ("embedding", "llm"):
            raise InvalidInputError(f"entity_linking must be 'embedding' or 'llm', got {linking!r}")
        meter = UsageMeter()

        link_keys: list[str] = []
        if mentions_self(query):
            link_keys.append(normalize_name(_self_name(scope)))
        fulltext = fulltext_query(query)
        if linking == "llm":
            llm = self._require_llm()
            system, user = query_entities_prompt.build(query, _self_name(scope))
            named = call_structured(
                llm,
                role=query_entities_prompt.ROLE,
                system=system,
                user=user,
                response_model=QueryEntities,
                meter=meter,
                output_retries=self.config.llm.max_output_retries,
            )
            link_keys += [normalize_name(n) for n in named.entities if n.strip()]
        embedding = self._embedder.embed([query])[0]
        row = self._store.search(
            {
                "scope_key": scope.key,
                "embedding": embedding,
                "include_invalid": include_invalid,
                "k": max(limit * cfg.oversample, 50),
                "limit": limit,
                "link_keys": link_keys,
                "fulltext": fulltext,
                "link_min_score": (1.0 + cfg.entity_link_threshold) / 2.0,
                "max_linked": cfg.max_linked_entities,
                "depth": depth,
            }
        )
        facts = {f["id"]: Relation.from_record(f) for f in row["facts"]}
        fused = reciprocal_rank_fusion(
            {
                "entity": [h["id"] for h in row["entity"]],
                "semantic": [h["id"] for h in row["semantic"]],
            }
        )
        return SearchResult(
            query=query,
            relations=tuple(
                ScoredRelation(relation=facts[i], score=score, channels=channels)
                for i, score, channels in fused[:limit]
                if i in facts
            ),
            linked_entities=tuple(
                EntityRef(id=e["id"], name=e["name"], type=e["type"]) for e in row["linked"]
            ),
            usage=meter.usage(),
        )

    # -- read and delete --------------------------------------------------------------------

    def get_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 1000,
    ) -> list[Relation]:
        """The scope's currently valid facts, oldest first."""
        scope = Scope.of(user_id, agent_id, run_id)
        return self._list(
            scope, include_invalid=False, entity=None, since=None, until=None, limit=limit
        )

    def history(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        entity: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[Relation]:
        """Every fact of the scope, invalidated ones included (with when and why), oldest first;
        optionally only those about ``entity`` or created in [since, until)."""
        scope = Scope.of(user_id, agent_id, run_id)
        return self._list(
            scope, include_invalid=True, entity=entity, since=since, until=until, limit=limit
        )

    def _list(
        self,
        scope: Scope,
        *,
        include_invalid: bool,
        entity: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> list[Relation]:
        if limit < 1:
            raise InvalidInputError(f"limit must be at least 1, got {limit}")
        rows = self._store.list_facts(
            {
                "scope_key": scope.key,
                "include_invalid": include_invalid,
                "entity_key": normalize_name(entity) if entity else None,
                "since": _aware(since) if since else None,
                "until": _aware(until) if until else None,
                "limit": limit,
            }
        )
        return [Relation.from_record(r) for r in rows]

    def delete(
        self,
        relation_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> None:
        """Erase one fact of the scope for good (unlike a contradiction, which keeps history)."""
        scope = Scope.of(user_id, agent_id, run_id)
        if not isinstance(relation_id, str) or not relation_id:
            raise InvalidInputError("relation_id must be a non-empty string")
        if not self._store.delete_fact(scope.key, relation_id):
            raise NotFoundError(f"no fact {relation_id!r} in scope {scope.key}")

    def delete_all(
        self, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> int:
        """Erase everything the scope holds; returns the number of nodes deleted."""
        return self._store.delete_scope(Scope.of(user_id, agent_id, run_id).key)

    # -- helpers ----------------------------------------------------------------------------

    def _require_llm(self) -> LLM:
        if self._llm is None:
            raise ConfigurationError(
                "no LLM configured: pass llm=..., or set OPENAI_API_KEY or OPENAI_BASE_URL "
                "(any OpenAI-compatible endpoint)"
            )
        return self._llm

    def _require_extractor(self) -> Extractor:
        self._require_llm()
        assert self._extractor is not None
        return self._extractor

    def _check_embedder(self) -> None:
        dims = self._embedder.dimensions
        if dims != self.config.embedding_dimensions:
            raise ConfigurationError(
                f"the embedder makes {dims}-dimensional vectors but embedding_dimensions is "
                f"{self.config.embedding_dimensions}: "
                f"set GraphMemConfig(embedding_dimensions={dims})"
            )


def _new_id() -> str:
    return uuid.uuid4().hex


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _self_name(scope: Scope) -> str:
    return scope.user_id or scope.agent_id or "user"


def _usable(relations: Sequence[Any]) -> list[Any]:
    return [r for r in relations if r.source.strip() and r.target.strip() and r.relation.strip()]


def _coerce_messages(messages: MessagesInput) -> list[Message]:
    if isinstance(messages, str):
        items: Sequence[Any] = [{"role": "user", "content": messages}]
    elif isinstance(messages, Message | Mapping):
        items = [messages]
    else:
        items = messages
    out: list[Message] = []
    try:
        for item in items:
            out.append(item if isinstance(item, Message) else Message.model_validate(item))
    except (ValidationError, TypeError) as exc:
        raise InvalidInputError(
            "messages must be a string or a list of {'role', 'content'} dicts "
            f"(role one of user, assistant, system, tool): {exc}"
        ) from exc
    if not out or not any(m.content.strip() for m in out):
        raise InvalidInputError("messages are empty: give at least one message with content")
    return out


def _operations(
    plan: ResolutionPlan,
    entities: Mapping[str, Mapping[str, str]],
    episode_id: str,
    now: datetime,
    observed_at: datetime,
) -> list[Operation]:
    out = []
    for op in plan.operations:
        out.append(_operation(op, entities, episode_id, now, observed_at))
    return out


def _operation(
    op: PlannedOperation,
    entities: Mapping[str, Mapping[str, str]],
    episode_id: str,
    now: datetime,
    observed_at: datetime,
) -> Operation:
    retired = None
    if op.existing is not None and op.kind in (OperationKind.UPDATE, OperationKind.DELETE):
        retired = op.existing.relation.model_copy(
            update={"invalid_at": observed_at, "invalid_reason": op.reason}
        )
    if op.kind is OperationKind.DELETE:
        assert retired is not None
        return Operation(kind=op.kind, relation=retired, reason=op.reason)
    if op.kind is OperationKind.NOOP:
        assert op.existing is not None
        return Operation(kind=op.kind, relation=op.existing.relation, reason=op.reason)
    assert op.new is not None
    src, tgt = entities[op.new.source_key], entities[op.new.target_key]
    relation = Relation(
        id=op.new.id,
        source=src["name"],
        relation=op.new.relation,
        target=tgt["name"],
        fact=op.new.fact,
        source_type=src["type"],
        target_type=tgt["type"],
        created_at=now,
        valid_at=observed_at,
        episode_ids=(episode_id,),
    )
    return Operation(kind=op.kind, relation=relation, previous=retired, reason=op.reason)


def _default_llm(config: GraphMemConfig) -> LLM | None:
    if config.llm.api_key is None and config.llm.base_url is None:
        return None  # add() and LLM linking say how to configure one
    from graphmem.adapters.openai_llm import OpenAIChatLLM

    return OpenAIChatLLM(config.llm)


def _default_embedder(config: GraphMemConfig) -> Embedder:
    from graphmem.adapters.sentence_transformers_embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(config.embedding_model)
