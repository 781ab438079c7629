// Everything a scope learned was no longer true within a time window.
// :param scope_key => '["alice",null,null]'
// (scope_key is the JSON text of [user_id, agent_id, run_id]; the demo prints its own)
// :param from => datetime('2026-01-01T00:00:00Z')
// :param to => datetime('2027-01-01T00:00:00Z')
MATCH (f:Fact)
WHERE f.scope_key = $scope_key AND f.invalid_at >= $from AND f.invalid_at < $to
OPTIONAL MATCH (newer:Fact)-[:SUPERSEDES]->(f)
RETURN f.fact AS fact, f.valid_at AS valid_from, f.invalid_at AS valid_until,
       f.invalid_reason AS why, newer.fact AS replaced_by
ORDER BY f.invalid_at
