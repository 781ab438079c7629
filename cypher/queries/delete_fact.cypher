// Erases one fact of one scope (a user's explicit delete): the :Fact node and its typed
// relationship. Facts of other scopes are never matched.
// params: $scope_key STRING, $fact_id STRING
// returns: deleted INTEGER (0 when the scope has no such fact)
OPTIONAL MATCH (f:Fact {id: $fact_id})
WHERE f.scope_key = $scope_key
CALL (f) {
  MATCH (:Entity {scope_key: $scope_key, normalized_name: f.source_key})-[r {fact_id: f.id}]->()
  DELETE r
  RETURN count(r) AS edges
}
WITH f, f IS NOT NULL AS found
DETACH DELETE f
WITH found
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
FOREACH (x IN CASE WHEN found AND s IS NOT NULL THEN [s] ELSE [] END |
  SET x.fact_count = x.fact_count - 1)
RETURN CASE WHEN found THEN 1 ELSE 0 END AS deleted
