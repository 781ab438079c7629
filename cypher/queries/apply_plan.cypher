// Update phase, step 2: write one add's whole resolution plan. Runs as ONE statement in ONE
// write transaction, so an add is applied entirely or not at all. Nothing is erased: retired
// facts get invalid_at / expired_at and stay for history.
// params: $scope MAP {scope_key, scope_token, user_id, agent_id, run_id},
//         $now DATETIME (system time), $episode MAP {id, observed_at DATETIME, messages_json,
//              text, metadata_json, message_count, idempotency_key (unique per scope)},
//         $entities LIST<MAP> [{key, id, name, type, embedding}] (created if new, else mentioned),
//         $invalidations LIST<MAP> [{fact_id, reason, kind, at: DATETIME|null (default: the
//              episode's time)}] (a valid fact is retired; a retired one whose interval holds
//              `at` ends there instead: a value told out of time order came between),
//         $facts LIST<MAP> [{id, key (graphmem's fact_key: source key, relation and target
//              key joined by tabs), source_key, target_key, relation, rel_type, fact, embedding,
//              valid_at: DATETIME|null (default: the episode's time), supersedes: STRING|null,
//              invalid_at: DATETIME|null (set: the fact is history, written retired, with
//              invalid_reason), followed_by: STRING|null (the stored fact that starts where
//              this one ends: it supersedes this one instead of `supersedes`),
//              copy_of: STRING|null (a stored fact resumed after a cut: embedding null, copied
//              from it), stated_at: LIST<DATETIME> (times it was told again),
//              meta: MAP (metadata, keys already prefixed "meta_")}],
//         $confirmations LIST<MAP> [{fact_id, at: DATETIME|null, since: DATETIME|null}] (facts
//              the episode restated; `at`: told for a time after the fact began, kept in its
//              stated_at; `since`: told for an earlier time with no other value between, so
//              it starts then and its old start joins stated_at; graphmem.resolution.timeline),
//         the Mem0 variant's memories (empty lists for the graph alone):
//         $memory_invalidations LIST<MAP> [{memory_id, reason, kind, at: DATETIME|null}],
//         $memories LIST<MAP> [{id, key (the text case-folded, spaces collapsed), text,
//              embedding, valid_at: DATETIME|null, supersedes: STRING|null, meta: MAP,
//              invalid_at: DATETIME|null, followed_by: STRING|null (as for facts)}],
//         $memory_confirmations LIST<MAP> [{memory_id, since: DATETIME|null}] (memories the
//              episode restated; `since`: in the same words for an earlier time, so it starts
//              then)
// returns: episode_id STRING, entities LIST<MAP {key, id, name, type, created}>,
//          facts LIST<MAP {id, stored_id, created}> (created false: a valid fact with the same
//          key was already stored, and this episode confirmed it),
//          invalidated INTEGER, added INTEGER, confirmed INTEGER,
//          memories LIST<MAP {id, stored_id, created}> (as facts), memories_added INTEGER
// Callers pass entities and facts sorted by key, so concurrent writers lock in one order.
// Plans are index-driven whatever the statistics say; replanning this large statement each
// time a growing graph's statistics shift cost 230-400 ms per add (measured), so keep the plan.
CYPHER replan=skip
// The scope's exclusive lock comes first, so adds to one scope queue here instead of
// deadlocking. With MERGE then SET, each add held the lock MERGE took while it waited to
// upgrade it, and Neo4j broke the cycle (measured: 70 DeadlockDetected retries in 240 adds from
// 8 threads on one scope; 0 with this). A plain MATCH takes no lock before the SET does.
// The aggregation makes the lock step finish before the MERGE, which creates a new scope.
OPTIONAL MATCH (held:Scope {scope_key: $scope.scope_key})
SET held.updated_at = $now
WITH count(*) AS locked
MERGE (s:Scope {scope_key: $scope.scope_key})
  ON CREATE SET s.user_id = $scope.user_id, s.agent_id = $scope.agent_id,
                s.run_id = $scope.run_id, s.created_at = $now,
                s.message_count = 0, s.summarized_count = 0, s.fact_count = 0,
                s.entity_count = 0
SET s.message_count = s.message_count + $episode.message_count, s.updated_at = $now
CREATE (ep:Episode {id: $episode.id, scope_key: $scope.scope_key, user_id: $scope.user_id,
                    idempotency_key: $episode.idempotency_key,
                    agent_id: $scope.agent_id, run_id: $scope.run_id, created_at: $now,
                    observed_at: $episode.observed_at, messages_json: $episode.messages_json,
                    text: $episode.text, metadata_json: $episode.metadata_json,
                    message_count: $episode.message_count, last_seq: s.message_count})
WITH s, ep
CALL (ep) {
  UNWIND $entities AS item
  MERGE (e:Entity {scope_key: $scope.scope_key, normalized_name: item.key})
    ON CREATE SET e.id = item.id, e.name = item.name, e.type = item.type,
                  e.embedding = item.embedding, e.scope_token = $scope.scope_token,
                  e.user_id = $scope.user_id,
                  e.agent_id = $scope.agent_id, e.run_id = $scope.run_id,
                  e.created_at = $now, e.mentions = 0, e:$(item.type)
  SET e.mentions = e.mentions + 1, e.updated_at = $now
  MERGE (ep)-[:MENTIONS]->(e)
  RETURN collect({key: item.key, id: e.id, name: e.name, type: e.type,
                  created: e.created_at = $now AND e.mentions = 1}) AS entities
}
CALL (ep) {
  UNWIND $invalidations AS inv
  MATCH (f:Fact {id: inv.fact_id})
  WHERE f.scope_key = $scope.scope_key
    AND (f.invalid_at IS NULL OR (inv.at IS NOT NULL AND inv.at < f.invalid_at))
  // A retired fact gives up its key: the same fact may become valid again later.
  SET f.invalid_at = coalesce(inv.at, ep.observed_at), f.expired_at = $now,
      f.invalid_reason = inv.reason,
      f.invalidated_by = ep.id, f.fact_key = null
  CREATE (ep)-[:INVALIDATED {kind: inv.kind, reason: inv.reason}]->(f)
  WITH f
  MATCH (:Entity {scope_key: $scope.scope_key, normalized_name: f.source_key})-[r {fact_id: f.id}]->()
  SET r.invalid_at = f.invalid_at, r.invalid_reason = f.invalid_reason,
      r.display = r.name + ' ✗ ' + toString(date(f.invalid_at))
  RETURN count(r) AS invalidated
}
CALL (ep) {
  UNWIND $facts AS item
  WITH item WHERE item.invalid_at IS NULL
  MATCH (src:Entity {scope_key: $scope.scope_key, normalized_name: item.source_key})
  MATCH (tgt:Entity {scope_key: $scope.scope_key, normalized_name: item.target_key})
  OPTIONAL MATCH (copied:Fact {id: item.copy_of})
  WHERE copied.scope_key = $scope.scope_key
  // One valid fact per key and scope (constraint fact_scope_key): a fact that a concurrent
  // add stored first is found here (MERGE waits for its lock) and confirmed, not duplicated.
  MERGE (f:Fact {scope_key: $scope.scope_key, fact_key: item.key})
    ON CREATE SET f.id = item.id, f.scope_token = $scope.scope_token,
                  f.user_id = $scope.user_id, f.agent_id = $scope.agent_id,
                  f.run_id = $scope.run_id,
                  f.source = src.name, f.source_key = src.normalized_name,
                  f.source_type = src.type,
                  f.target = tgt.name, f.target_key = tgt.normalized_name,
                  f.target_type = tgt.type,
                  f.relation = item.relation, f.fact = item.fact,
                  f.embedding = coalesce(item.embedding, copied.embedding),
                  f.created_at = $now, f.valid_at = coalesce(item.valid_at, ep.observed_at),
                  f.stated_at = item.stated_at, f.episode_ids = [ep.id], f += item.meta
  WITH ep, f, item, src, tgt, f.id = item.id AS created
  CALL (ep, f, item, src, tgt, created) {
    WITH * WHERE created
    CREATE (src)-[r:$(item.rel_type) {fact_id: item.id, scope_key: $scope.scope_key,
                                       name: item.relation, display: item.relation,
                                       fact: item.fact,
                                       created_at: $now, valid_at: f.valid_at}]->(tgt)
    CREATE (ep)-[:ADDED]->(f)
    WITH f, item
    OPTIONAL MATCH (old:Fact {id: item.supersedes})
    WHERE old.scope_key = $scope.scope_key
    FOREACH (o IN CASE WHEN old IS NULL THEN [] ELSE [old] END | CREATE (f)-[:SUPERSEDES]->(o))
    RETURN 1 AS written
    UNION
    WITH * WHERE NOT created
    SET f.episode_ids = f.episode_ids + ep.id
    CREATE (ep)-[:CONFIRMED]->(f)
    RETURN 0 AS written
  }
  RETURN collect({id: item.id, stored_id: f.id, created: created}) AS facts,
         sum(written) AS added
}
// History: a fact whose later value is already stored (or whose end was stated) is written
// retired. It holds no fact_key, so it never meets the one-valid-fact-per-key constraint.
CALL (ep) {
  UNWIND $facts AS item
  WITH item WHERE item.invalid_at IS NOT NULL
  MATCH (src:Entity {scope_key: $scope.scope_key, normalized_name: item.source_key})
  MATCH (tgt:Entity {scope_key: $scope.scope_key, normalized_name: item.target_key})
  OPTIONAL MATCH (copied:Fact {id: item.copy_of})
  WHERE copied.scope_key = $scope.scope_key
  CREATE (f:Fact {id: item.id, scope_key: $scope.scope_key, scope_token: $scope.scope_token,
                  user_id: $scope.user_id, agent_id: $scope.agent_id, run_id: $scope.run_id,
                  source: src.name, source_key: src.normalized_name, source_type: src.type,
                  target: tgt.name, target_key: tgt.normalized_name, target_type: tgt.type,
                  relation: item.relation, fact: item.fact,
                  embedding: coalesce(item.embedding, copied.embedding),
                  created_at: $now, valid_at: coalesce(item.valid_at, ep.observed_at),
                  stated_at: item.stated_at, invalid_at: item.invalid_at, expired_at: $now,
                  invalid_reason: item.invalid_reason, invalidated_by: ep.id,
                  episode_ids: [ep.id]})
  SET f += item.meta
  CREATE (src)-[:$(item.rel_type) {fact_id: item.id, scope_key: $scope.scope_key,
                                    name: item.relation,
                                    display: item.relation + ' ✗ ' + toString(date(item.invalid_at)),
                                    fact: item.fact, created_at: $now, valid_at: f.valid_at,
                                    invalid_at: item.invalid_at,
                                    invalid_reason: item.invalid_reason}]->(tgt)
  CREATE (ep)-[:ADDED]->(f)
  WITH f, item
  OPTIONAL MATCH (old:Fact {id: item.supersedes})
  WHERE old.scope_key = $scope.scope_key
  FOREACH (o IN CASE WHEN old IS NULL THEN [] ELSE [old] END | CREATE (f)-[:SUPERSEDES]->(o))
  RETURN collect({id: item.id, stored_id: item.id, created: true}) AS history,
         count(f) AS history_added
}
// A fact placed before a stored one: the later one supersedes it (and no longer the fact the
// new one cut short), so SUPERSEDES runs in valid-time order.
CALL (ep) {
  UNWIND $facts AS item
  WITH item WHERE item.followed_by IS NOT NULL
  MATCH (f:Fact {id: item.id})
  WHERE f.scope_key = $scope.scope_key
  MATCH (later:Fact {id: item.followed_by})
  WHERE later.scope_key = $scope.scope_key
  OPTIONAL MATCH (later)-[skipped:SUPERSEDES]->(:Fact {id: item.supersedes})
  DELETE skipped
  MERGE (later)-[:SUPERSEDES]->(f)
  RETURN count(*) AS relinked
}
CALL (ep) {
  UNWIND $confirmations AS told
  MATCH (f:Fact {id: told.fact_id})
  WHERE f.scope_key = $scope.scope_key
  WITH ep, f, told, f.valid_at AS began, told.since IS NOT NULL AND told.since < f.valid_at AS earlier
  SET f.episode_ids = f.episode_ids + ep.id,
      f.valid_at = CASE WHEN earlier THEN told.since ELSE f.valid_at END,
      f.stated_at = coalesce(f.stated_at, []) + CASE WHEN earlier THEN [began] ELSE [] END
                    + CASE WHEN told.at IS NULL THEN [] ELSE [told.at] END
  CREATE (ep)-[:CONFIRMED]->(f)
  WITH f, earlier
  CALL (f, earlier) {
    WITH f WHERE earlier
    MATCH (:Entity {scope_key: $scope.scope_key, normalized_name: f.source_key})-[r {fact_id: f.id}]->()
    SET r.valid_at = f.valid_at
  }
  RETURN count(f) AS confirmed
}
CALL (ep) {
  UNWIND $memory_invalidations AS inv
  MATCH (m:Memory {id: inv.memory_id})
  WHERE m.scope_key = $scope.scope_key AND m.invalid_at IS NULL
  SET m.invalid_at = coalesce(inv.at, ep.observed_at), m.expired_at = $now,
      m.invalid_reason = inv.reason, m.invalidated_by = ep.id, m.memory_key = null
  CREATE (ep)-[:INVALIDATED {kind: inv.kind, reason: inv.reason}]->(m)
  RETURN count(m) AS memories_invalidated
}
CALL (ep) {
  UNWIND $memories AS item
  WITH item WHERE item.invalid_at IS NULL
  // One valid memory per key and scope (constraint memory_scope_key), as with facts.
  MERGE (m:Memory {scope_key: $scope.scope_key, memory_key: item.key})
    ON CREATE SET m.id = item.id, m.scope_token = $scope.scope_token,
                  m.user_id = $scope.user_id, m.agent_id = $scope.agent_id,
                  m.run_id = $scope.run_id, m.text = item.text, m.embedding = item.embedding,
                  m.created_at = $now, m.valid_at = coalesce(item.valid_at, ep.observed_at),
                  m.episode_ids = [ep.id], m += item.meta
  WITH ep, m, item, m.id = item.id AS created
  CALL (ep, m, item, created) {
    WITH * WHERE created
    CREATE (ep)-[:ADDED]->(m)
    WITH m, item
    OPTIONAL MATCH (old:Memory {id: item.supersedes})
    WHERE old.scope_key = $scope.scope_key
    FOREACH (o IN CASE WHEN old IS NULL THEN [] ELSE [old] END | CREATE (m)-[:SUPERSEDES]->(o))
    RETURN 1 AS written
    UNION
    WITH * WHERE NOT created
    SET m.episode_ids = m.episode_ids + ep.id
    CREATE (ep)-[:CONFIRMED]->(m)
    RETURN 0 AS written
  }
  RETURN collect({id: item.id, stored_id: m.id, created: created}) AS memories,
         sum(written) AS memories_added
}
// History: a memory older than the stored one it restates or would replace (as for facts).
CALL (ep) {
  UNWIND $memories AS item
  WITH item WHERE item.invalid_at IS NOT NULL
  CREATE (m:Memory {id: item.id, scope_key: $scope.scope_key, scope_token: $scope.scope_token,
                    user_id: $scope.user_id, agent_id: $scope.agent_id, run_id: $scope.run_id,
                    text: item.text, embedding: item.embedding, created_at: $now,
                    valid_at: coalesce(item.valid_at, ep.observed_at),
                    invalid_at: item.invalid_at, expired_at: $now,
                    invalid_reason: 'a later memory is known', invalidated_by: ep.id,
                    episode_ids: [ep.id]})
  SET m += item.meta
  CREATE (ep)-[:ADDED]->(m)
  WITH m, item
  OPTIONAL MATCH (later:Memory {id: item.followed_by})
  WHERE later.scope_key = $scope.scope_key
  FOREACH (l IN CASE WHEN later IS NULL THEN [] ELSE [later] END | MERGE (l)-[:SUPERSEDES]->(m))
  RETURN collect({id: item.id, stored_id: item.id, created: true}) AS memory_history,
         count(m) AS memories_history_added
}
CALL (ep) {
  UNWIND $memory_confirmations AS told
  MATCH (m:Memory {id: told.memory_id})
  WHERE m.scope_key = $scope.scope_key
  SET m.episode_ids = m.episode_ids + ep.id,
      m.valid_at = CASE WHEN told.since < m.valid_at THEN told.since ELSE m.valid_at END
  CREATE (ep)-[:CONFIRMED]->(m)
  RETURN count(m) AS memories_confirmed
}
SET s.fact_count = s.fact_count + added + history_added,
    s.entity_count = s.entity_count + size([e IN entities WHERE e.created]),
    s.memory_count = coalesce(s.memory_count, 0) + memories_added + memories_history_added
RETURN ep.id AS episode_id, entities, facts + history AS facts, invalidated,
       added + history_added AS added, confirmed, memories + memory_history AS memories,
       memories_added + memories_history_added AS memories_added
