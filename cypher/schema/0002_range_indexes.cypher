// Scope-bounded reads: every list, history and delete starts from one of these.
CREATE INDEX fact_scope IF NOT EXISTS FOR (f:Fact) ON (f.scope_key);
CREATE INDEX episode_scope IF NOT EXISTS FOR (ep:Episode) ON (ep.scope_key);
CREATE INDEX episode_scope_seq IF NOT EXISTS FOR (ep:Episode) ON (ep.scope_key, ep.last_seq);
CREATE INDEX entity_scope IF NOT EXISTS FOR (e:Entity) ON (e.scope_key);
