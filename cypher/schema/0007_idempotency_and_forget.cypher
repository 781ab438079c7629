// One stored add per (scope, idempotency key): a retried add, or two racing with one key,
// cannot write the same episode twice. Episodes written before this migration have no key.
CREATE CONSTRAINT episode_idempotency IF NOT EXISTS
FOR (ep:Episode) REQUIRE (ep.scope_key, ep.idempotency_key) IS UNIQUE;
// forget(user_id=...) finds every scope holding an id through these, not by a scan.
CREATE INDEX scope_user IF NOT EXISTS FOR (s:Scope) ON (s.user_id);
CREATE INDEX scope_agent IF NOT EXISTS FOR (s:Scope) ON (s.agent_id);
CREATE INDEX scope_run IF NOT EXISTS FOR (s:Scope) ON (s.run_id);
