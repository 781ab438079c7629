// The memories of one scope (the Mem0 variant) in valid time (earliest valid_at first): only
// valid ones (get_memories) or all of them with why and when each was retired
// (memory_history), optionally only those created in a time window.
// params: $scope_key STRING, $include_invalid BOOLEAN, $since DATETIME|null,
//         $until DATETIME|null, $limit INTEGER
// returns: id, text, created_at, valid_at, invalid_at, invalid_reason, episode_ids,
//          replaced_by (id of the memory that superseded it); times as ISO 8601 strings
MATCH (m:Memory)
WHERE m.scope_key = $scope_key
  AND ($include_invalid OR m.invalid_at IS NULL)
  AND ($since IS NULL OR m.created_at >= $since)
  AND ($until IS NULL OR m.created_at < $until)
WITH m ORDER BY m.valid_at, m.created_at, m.id LIMIT $limit
OPTIONAL MATCH (newer:Memory)-[:SUPERSEDES]->(m)
WITH m, newer ORDER BY m.valid_at, m.created_at, m.id
RETURN m.id AS id, m.text AS text, toString(m.created_at) AS created_at,
       toString(m.valid_at) AS valid_at, toString(m.invalid_at) AS invalid_at,
       m.invalid_reason AS invalid_reason, m.episode_ids AS episode_ids,
       newer.id AS replaced_by
