// Erases one memory of one scope for good (a user's explicit delete; an UPDATE or DELETE
// decision retires instead). With $erase_episodes, the raw text of every episode that stated
// it is erased too (the episodes stay, marked erased). Other scopes' memories are never matched.
// params: $scope_key STRING, $memory_id STRING, $erase_episodes BOOLEAN, $now DATETIME
// returns: deleted INTEGER (0 when the scope has no such memory), episodes_erased INTEGER
OPTIONAL MATCH (m:Memory {id: $memory_id})
WHERE m.scope_key = $scope_key
CALL (m) {
  UNWIND CASE WHEN $erase_episodes AND m IS NOT NULL THEN m.episode_ids ELSE [] END AS episode_id
  MATCH (ep:Episode {id: episode_id})
  WHERE ep.scope_key = $scope_key
  SET ep.messages_json = '[]', ep.text = '', ep.metadata_json = '{}', ep.erased_at = $now,
      ep.erased_reason = 'stated memory ' + m.id + ', deleted with erase_episodes'
  RETURN count(ep) AS episodes_erased
}
WITH m, m IS NOT NULL AS found, episodes_erased
DETACH DELETE m
WITH found, episodes_erased
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
FOREACH (x IN CASE WHEN found AND s IS NOT NULL THEN [s] ELSE [] END |
  SET x.memory_count = coalesce(x.memory_count, 0) - 1)
RETURN CASE WHEN found THEN 1 ELSE 0 END AS deleted, episodes_erased
