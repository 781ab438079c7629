// What one add stored, found by its idempotency key: used to answer a retried add (or one
// whose commit acknowledgement was lost) with what is stored, instead of writing it twice.
// params: $scope_key STRING, $idempotency_key STRING
// returns (no row when no such add was stored): episode_id STRING, observed_at DATETIME,
//          entities LIST<MAP {id, name, type, created}>,
//          added LIST<MAP {fact: MAP, previous: MAP|null}> (previous: the fact it superseded),
//          confirmed LIST<MAP> (facts it restated), invalidated LIST<MAP {fact: MAP, kind, reason}>,
//          memories_added LIST<MAP {memory: MAP, previous: MAP|null}>, memories_confirmed
//          LIST<MAP>, memories_invalidated LIST<MAP {memory: MAP, kind, reason}> (the Mem0 variant)
// Fact maps carry what graphmem's Relation needs (see list_facts.cypher).
MATCH (ep:Episode {scope_key: $scope_key, idempotency_key: $idempotency_key})
CALL (ep) {
  OPTIONAL MATCH (ep)-[:MENTIONS]->(e:Entity)
  RETURN collect(e {.id, .name, .type, created: e.created_at = ep.created_at}) AS entities
}
CALL (ep) {
  OPTIONAL MATCH (ep)-[:ADDED]->(f:Fact)
  OPTIONAL MATCH (f)-[:SUPERSEDES]->(old:Fact)
  OPTIONAL MATCH (newer:Fact)-[:SUPERSEDES]->(f)
  WITH f, old, newer ORDER BY f.fact_key, f.id
  RETURN collect(CASE WHEN f IS NULL THEN null ELSE {
    fact: f {.id, .source, .relation, .target, .fact, .source_type, .target_type, .created_at,
             .valid_at, .invalid_at, .invalid_reason, .episode_ids, replaced_by: newer.id},
    previous: old {.id, .source, .relation, .target, .fact, .source_type, .target_type,
                   .created_at, .valid_at, .invalid_at, .invalid_reason, .episode_ids,
                   replaced_by: f.id}} END) AS added
}
CALL (ep) {
  OPTIONAL MATCH (ep)-[:CONFIRMED]->(f:Fact)
  WITH f ORDER BY f.fact_key, f.id
  RETURN collect(f {.id, .source, .relation, .target, .fact, .source_type, .target_type,
                    .created_at, .valid_at, .invalid_at, .invalid_reason, .episode_ids}) AS confirmed
}
CALL (ep) {
  OPTIONAL MATCH (ep)-[i:INVALIDATED]->(f:Fact)
  OPTIONAL MATCH (newer:Fact)-[:SUPERSEDES]->(f)
  WITH i, f, newer ORDER BY f.id
  RETURN collect(CASE WHEN f IS NULL THEN null ELSE {
    fact: f {.id, .source, .relation, .target, .fact, .source_type, .target_type, .created_at,
             .valid_at, .invalid_at, .invalid_reason, .episode_ids, replaced_by: newer.id},
    kind: i.kind, reason: i.reason} END) AS invalidated
}
CALL (ep) {
  OPTIONAL MATCH (ep)-[:ADDED]->(m:Memory)
  OPTIONAL MATCH (m)-[:SUPERSEDES]->(old:Memory)
  OPTIONAL MATCH (newer:Memory)-[:SUPERSEDES]->(m)
  WITH m, old, newer ORDER BY m.memory_key, m.id
  RETURN collect(CASE WHEN m IS NULL THEN null ELSE {
    memory: m {.id, .text, .created_at, .valid_at, .invalid_at, .invalid_reason, .episode_ids,
               replaced_by: newer.id},
    previous: old {.id, .text, .created_at, .valid_at, .invalid_at, .invalid_reason,
                   .episode_ids, replaced_by: m.id}} END) AS memories_added
}
CALL (ep) {
  OPTIONAL MATCH (ep)-[:CONFIRMED]->(m:Memory)
  WITH m ORDER BY m.memory_key, m.id
  RETURN collect(m {.id, .text, .created_at, .valid_at, .invalid_at, .invalid_reason,
                    .episode_ids}) AS memories_confirmed
}
CALL (ep) {
  OPTIONAL MATCH (ep)-[i:INVALIDATED]->(m:Memory)
  OPTIONAL MATCH (newer:Memory)-[:SUPERSEDES]->(m)
  WITH i, m, newer ORDER BY m.id
  RETURN collect(CASE WHEN m IS NULL THEN null ELSE {
    memory: m {.id, .text, .created_at, .valid_at, .invalid_at, .invalid_reason, .episode_ids,
               replaced_by: newer.id},
    kind: i.kind, reason: i.reason} END) AS memories_invalidated
}
RETURN ep.id AS episode_id, ep.observed_at AS observed_at, entities, added, confirmed,
       invalidated, memories_added, memories_confirmed, memories_invalidated
