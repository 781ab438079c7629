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
DETACH DELETE f
RETURN count(f) AS deleted
