// A scope's dense memories (the Mem0 variant) and their history: every memory, valid or
// retired, who said it and when, why it was retired and what replaced it.
// :param scope_key => '["alice",null,null]'
// (scope_key is the JSON text of [user_id, agent_id, run_id]; the demo prints its own)
MATCH (m:Memory)
WHERE m.scope_key = $scope_key
OPTIONAL MATCH (said:Episode)-[:ADDED]->(m)
OPTIONAL MATCH (newer:Memory)-[:SUPERSEDES]->(m)
RETURN m.text AS memory, m.valid_at AS valid_from, m.invalid_at AS valid_until,
       m.invalid_reason AS why_retired, size(m.episode_ids) AS times_said, said.text AS said,
       newer.text AS replaced_by
ORDER BY m.valid_at, m.created_at
LIMIT 200
