// Full-text indexes that also cover scope_token (a hash of scope_key, one Lucene term), so a
// keyword query is filtered to one scope inside Lucene instead of after it. Nodes written before
// this migration carry no scope_token and are not found by keyword search.
DROP INDEX entity_name IF EXISTS;
DROP INDEX fact_text IF EXISTS;
CREATE FULLTEXT INDEX entity_name_scoped IF NOT EXISTS
FOR (e:Entity) ON EACH [e.name, e.scope_token];
CREATE FULLTEXT INDEX fact_text_scoped IF NOT EXISTS
FOR (f:Fact) ON EACH [f.fact, f.scope_token];
