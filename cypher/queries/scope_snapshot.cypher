// Every node of one scope with its properties and outgoing relationships, for fault tests:
// equal snapshots before and after a failed add mean nothing was written or half-written.
// params: $scope_key STRING
// returns: labels LIST<STRING>, props MAP, out LIST<[type, properties, target id or scope_key]>
CALL () {
  MATCH (n:Fact) WHERE n.scope_key = $scope_key RETURN n
  UNION ALL MATCH (n:Episode) WHERE n.scope_key = $scope_key RETURN n
  UNION ALL MATCH (n:Entity) WHERE n.scope_key = $scope_key RETURN n
  UNION ALL MATCH (n:Memory) WHERE n.scope_key = $scope_key RETURN n
  UNION ALL MATCH (n:Scope {scope_key: $scope_key}) RETURN n
}
OPTIONAL MATCH (n)-[r]->(m)
RETURN labels(n) AS labels, properties(n) AS props,
       collect([type(r), properties(r), coalesce(m.id, m.scope_key)]) AS out
