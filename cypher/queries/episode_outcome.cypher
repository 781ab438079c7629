// What one add stored, found by its idempotency key: used to answer a retried add (or one
// whose commit acknowledgement was lost) with what is stored, instead of writing it twice.
// params: $scope_key STRING, $idempotency_key STRING
// returns (no row when no such add was stored): episode_id STRING, observed_at DATETIME,
//          entities LIST<MAP {id, name, type, created}>,
//          added LIST<MAP {fact: MAP, previous: MAP|null}> (previous: the fact it superseded),
//          confirmed LIST<MAP> (facts it restated), invalidated LIST<MAP {fact: MAP, kind, reason}>
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
RETURN ep.id AS episode_id, ep.observed_at AS observed_at, entities, added, confirmed,
       invalidated
