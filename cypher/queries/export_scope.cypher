// A scope's whole graph for export: its entities and its facts (valid and retired), without
// embeddings.
// params: $scope_key STRING, $include_invalid BOOLEAN
// returns: entities LIST<MAP {id, name, type, mentions, created_at}>,
//          facts LIST<MAP {id, source_id, target_id, relation, fact, valid_at, invalid_at, ...}>
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
RETURN entities, facts
