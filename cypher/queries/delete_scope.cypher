// Erases everything one scope holds (facts, memories, episodes, entities, its summary) in
// batches.
// Reaches nodes only through the scope_key indexes; other scopes are untouched.
// Runs in an auto-commit transaction (CALL ... IN TRANSACTIONS).
// params: $scope_key STRING
// returns: deleted INTEGER (nodes)
CALL () {
  MATCH (n:Fact) WHERE n.scope_key = $scope_key RETURN n
  UNION ALL
  MATCH (n:Episode) WHERE n.scope_key = $scope_key RETURN n
  UNION ALL
  MATCH (n:Entity) WHERE n.scope_key = $scope_key RETURN n
  UNION ALL
  MATCH (n:Memory) WHERE n.scope_key = $scope_key RETURN n
  UNION ALL
  MATCH (n:Scope) WHERE n.scope_key = $scope_key RETURN n
}
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS
RETURN count(*) AS deleted
