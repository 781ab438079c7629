// The facts of one scope in valid time (earliest valid_at first): only valid ones (get_all) or
// all of them (history), optionally only those touching one entity, or created in a window.
// params: $scope_key STRING, $include_invalid BOOLEAN, $entity_key STRING|null,
//         $since DATETIME|null, $until DATETIME|null, $limit INTEGER
// returns: id, source, relation, target, fact, source_type, target_type, created_at, valid_at,
//          invalid_at, invalid_reason, episode_ids, replaced_by (id of the fact that
//          superseded it); the times as ISO 8601 strings (see search.cypher)
MATCH (f:Fact)
WHERE f.scope_key = $scope_key
  AND ($include_invalid OR f.invalid_at IS NULL)
  AND ($entity_key IS NULL OR f.source_key = $entity_key OR f.target_key = $entity_key)
  AND ($since IS NULL OR f.created_at >= $since)
  AND ($until IS NULL OR f.created_at < $until)
WITH f ORDER BY f.valid_at, f.created_at, f.id LIMIT $limit
OPTIONAL MATCH (newer:Fact)-[:SUPERSEDES]->(f)
WITH f, newer ORDER BY f.valid_at, f.created_at, f.id
RETURN f.id AS id, f.source AS source, f.relation AS relation, f.target AS target,
       f.fact AS fact, f.source_type AS source_type, f.target_type AS target_type,
       toString(f.created_at) AS created_at, toString(f.valid_at) AS valid_at,
       toString(f.invalid_at) AS invalid_at,
       f.invalid_reason AS invalid_reason, f.episode_ids AS episode_ids,
       newer.id AS replaced_by
