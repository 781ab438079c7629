// Entities of one scope whose names look alike (their nearest neighbours in the scope, found
// inside the scope-filtered vector index, with cosine >= 0.8, i.e. score >= 0.9): candidates
// for a merge or a better match threshold. Neo4j 2026+ (Cypher 25); 5.26: the file one folder up.
// :param scope_key => '["alice",null,null]'
// (scope_key is the JSON text of [user_id, agent_id, run_id]; the demo prints its own)
CYPHER 25
MATCH (e:Entity)
WHERE e.scope_key = $scope_key
CALL (e) {
  MATCH (node:Entity)
    SEARCH node IN (VECTOR INDEX entity_embedding FOR e.embedding
                    WHERE node.scope_key = $scope_key LIMIT 10) SCORE AS score
  RETURN node, score
}
WITH e, node, score
WHERE node <> e AND score >= 0.9 AND e.name < node.name
RETURN e.name AS name, node.name AS looks_like, round(2 * score - 1, 3) AS cosine
ORDER BY cosine DESC
LIMIT 50
