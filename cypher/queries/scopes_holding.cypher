// The scopes holding every given id (forget): all scopes of a user, of an agent, of a run, or
// of a combination. Reached through the Scope indexes (scope_user, scope_agent, scope_run).
// params: $user_id STRING|null, $agent_id STRING|null, $run_id STRING|null (at least one set)
// returns: scope_key, user_id, agent_id, run_id (one row per scope)
CALL () {
  MATCH (s:Scope) WHERE $user_id IS NOT NULL AND s.user_id = $user_id RETURN s
  UNION
  MATCH (s:Scope) WHERE $user_id IS NULL AND $agent_id IS NOT NULL AND s.agent_id = $agent_id
  RETURN s
  UNION
  MATCH (s:Scope)
  WHERE $user_id IS NULL AND $agent_id IS NULL AND $run_id IS NOT NULL AND s.run_id = $run_id
  RETURN s
}
WITH s
WHERE ($user_id IS NULL OR s.user_id = $user_id)
  AND ($agent_id IS NULL OR s.agent_id = $agent_id)
  AND ($run_id IS NULL OR s.run_id = $run_id)
RETURN s.scope_key AS scope_key, s.user_id AS user_id, s.agent_id AS agent_id,
       s.run_id AS run_id
ORDER BY scope_key
