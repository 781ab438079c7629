// Erases one fact of one scope (a user's explicit delete): the :Fact node and its typed
// relationship. With $erase_episodes, the raw text of every episode that stated the fact is
// erased too (the episodes stay, marked erased, so the other facts they stated keep a source).
// Facts of other scopes are never matched.
// params: $scope_key STRING, $fact_id STRING, $erase_episodes BOOLEAN, $now DATETIME
// returns: deleted INTEGER (0 when the scope has no such fact), episodes_erased INTEGER
OPTIONAL MATCH (f:Fact {id: $fact_id})
WHERE f.scope_key = $scope_key
CALL (f) {
  MATCH (:Entity {scope_key: $scope_key, normalized_name: f.source_key})-[r {fact_id: f.id}]->()
  DELETE r
  RETURN count(r) AS edges
}
CALL (f) {
  UNWIND CASE WHEN $erase_episodes AND f IS NOT NULL THEN f.episode_ids ELSE [] END AS episode_id
  MATCH (ep:Episode {id: episode_id})
  WHERE ep.scope_key = $scope_key
  SET ep.messages_json = '[]', ep.text = '', ep.metadata_json = '{}', ep.erased_at = $now,
      ep.erased_reason = 'stated fact ' + f.id + ', deleted with erase_episodes'
  RETURN count(ep) AS episodes_erased
}
WITH f, f IS NOT NULL AS found, episodes_erased
DETACH DELETE f
WITH found, episodes_erased
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
FOREACH (x IN CASE WHEN found AND s IS NOT NULL THEN [s] ELSE [] END |
  SET x.fact_count = x.fact_count - 1)
RETURN CASE WHEN found THEN 1 ELSE 0 END AS deleted, episodes_erased
