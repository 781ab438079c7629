// One entity and everything within two hops of it, in its scope.
// :param scope_key => '["alice",null,null]'
// (scope_key is the JSON text of [user_id, agent_id, run_id]; the demo prints its own)
// :param name => 'Max'
// The name as it is stored (any script), or its lower-case form.
MATCH (e:Entity {scope_key: $scope_key})
WHERE e.name = trim($name) OR e.normalized_name = toLower(trim($name))
MATCH p = (e)-[rs*1..2]-(:Entity)
WHERE all(r IN rs WHERE r.fact_id IS NOT NULL)
RETURN p
LIMIT 200
