// A scope's whole memory for export: its entities, its facts and its memories (the Mem0
// variant), valid and retired, without embeddings.
// params: $scope_key STRING, $include_invalid BOOLEAN
// returns: entities LIST<MAP {id, name, type, mentions, created_at}>,
//          facts LIST<MAP {id, source_id, target_id, relation, fact, valid_at, invalid_at, ...}>,
//          memories LIST<MAP {id, text, created_at, valid_at, invalid_at, invalid_reason, ...}>
CALL () {
  MATCH (e:Entity)
  WHERE e.scope_key = $scope_key
  RETURN collect({id: e.id, name: e.name, type: e.type, mentions: e.mentions,
                  created_at: e.created_at}) AS entities
}
CALL () {
  MATCH (f:Fact)
  WHERE f.scope_key = $scope_key AND ($include_invalid OR f.invalid_at IS NULL)
  MATCH (s:Entity {scope_key: $scope_key, normalized_name: f.source_key})
  MATCH (t:Entity {scope_key: $scope_key, normalized_name: f.target_key})
  RETURN collect({id: f.id, source_id: s.id, target_id: t.id, source: f.source,
                  relation: f.relation, target: f.target, fact: f.fact,
                  created_at: f.created_at, valid_at: f.valid_at, invalid_at: f.invalid_at,
                  invalid_reason: f.invalid_reason, episode_ids: f.episode_ids}) AS facts
}
CALL () {
  MATCH (m:Memory)
  WHERE m.scope_key = $scope_key AND ($include_invalid OR m.invalid_at IS NULL)
  OPTIONAL MATCH (newer:Memory)-[:SUPERSEDES]->(m)
  RETURN collect({id: m.id, text: m.text, created_at: m.created_at, valid_at: m.valid_at,
                  invalid_at: m.invalid_at, invalid_reason: m.invalid_reason,
                  episode_ids: m.episode_ids, replaced_by: newer.id}) AS memories
}
RETURN entities, facts, memories
