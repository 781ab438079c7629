// The history of a fact: every value an entity's relation has had, who said it and when,
// and what replaced it.
// :param scope_key => '["alice",null,null]'
// (scope_key is the JSON text of [user_id, agent_id, run_id]; the demo prints its own)
// :param name => 'Alice'
// :param relation => 'lives_in'
MATCH (f:Fact)
WHERE f.scope_key = $scope_key AND (f.source = trim($name) OR f.source_key = toLower(trim($name))) AND f.relation = $relation
OPTIONAL MATCH (said:Episode)-[:ADDED]->(f)
OPTIONAL MATCH (newer:Fact)-[:SUPERSEDES]->(f)
OPTIONAL MATCH (retired:Episode)-[:INVALIDATED]->(f)
RETURN f.fact AS fact, f.valid_at AS valid_from, f.invalid_at AS valid_until,
       f.invalid_reason AS why_retired, said.text AS said, said.observed_at AS said_at,
       retired.text AS retired_by, newer.fact AS replaced_by
ORDER BY f.valid_at
