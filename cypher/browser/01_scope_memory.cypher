// A scope's whole memory: its entities and the facts between them. Retired facts are drawn
// too; their caption ends with "✗ <date>".
// :param scope_key => '["alice",null,null]'
// (scope_key is the JSON text of [user_id, agent_id, run_id]; the demo prints its own)
MATCH (e:Entity)
WHERE e.scope_key = $scope_key
OPTIONAL MATCH (e)-[r]->(o:Entity)
WHERE r.fact_id IS NOT NULL
RETURN e, r, o
LIMIT 300
