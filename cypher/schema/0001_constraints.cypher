// Uniqueness: one entity per normalized name in a scope; ids are unique.
CREATE CONSTRAINT entity_scope_name IF NOT EXISTS
FOR (e:Entity) REQUIRE (e.scope_key, e.normalized_name) IS UNIQUE;
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT fact_id IF NOT EXISTS FOR (f:Fact) REQUIRE f.id IS UNIQUE;
CREATE CONSTRAINT episode_id IF NOT EXISTS FOR (ep:Episode) REQUIRE ep.id IS UNIQUE;
CREATE CONSTRAINT scope_key IF NOT EXISTS FOR (s:Scope) REQUIRE s.scope_key IS UNIQUE;
