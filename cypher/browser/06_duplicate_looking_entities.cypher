// Entities of one scope whose names look alike (vector index neighbours with cosine >= 0.8,
// i.e. index score >= 0.9): candidates for a merge or a better match threshold.
// :param scope_key => '["alice",null,null]'
// (scope_key is the JSON text of [user_id, agent_id, run_id]; the demo prints its own)
MATCH (e:Entity)
WHERE e.scope_key = $scope_key
CALL db.index.vector.queryNodes('entity_embedding', 10, e.embedding) YIELD node, score
WITH e, node, score
WHERE node <> e AND node.scope_key = e.scope_key AND score >= 0.9 AND e.name < node.name
RETURN e.name AS name, node.name AS looks_like, round(2 * score - 1, 3) AS cosine
ORDER BY cosine DESC
LIMIT 50
