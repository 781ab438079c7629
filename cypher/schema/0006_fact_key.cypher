// One valid fact per (scope, fact_key): concurrent restatements of a fact cannot store it twice.
// fact_key is the source key, the relation and the target key joined by tabs; a retired fact
// has none (the constraint ignores nodes without the property).
// Valid facts written before this migration get their key.
MATCH (f:Fact)
WHERE f.invalid_at IS NULL AND f.fact_key IS NULL
SET f.fact_key = f.source_key + '\t' + f.relation + '\t' + f.target_key;
// Concurrent adds could store one fact twice before this constraint existed: keep the oldest
// copy (with every episode that stated it), retire the others with a reason, keep them in history.
MATCH (f:Fact)
WHERE f.fact_key IS NOT NULL
WITH f ORDER BY f.created_at, f.id
WITH f.scope_key AS scope_key, f.fact_key AS fact_key, collect(f) AS copies
WHERE size(copies) > 1
WITH head(copies) AS kept, tail(copies) AS extra
UNWIND extra AS dup
SET kept.episode_ids = kept.episode_ids + [e IN dup.episode_ids WHERE NOT e IN kept.episode_ids],
    dup.invalid_at = dup.created_at, dup.expired_at = datetime(),
    dup.invalid_reason = 'duplicate of fact ' + kept.id + ' (schema migration 0006)',
    dup.fact_key = null
WITH dup
MATCH (:Entity {scope_key: dup.scope_key, normalized_name: dup.source_key})-[r {fact_id: dup.id}]->()
SET r.invalid_at = dup.invalid_at, r.invalid_reason = dup.invalid_reason;
CREATE CONSTRAINT fact_scope_key IF NOT EXISTS
FOR (f:Fact) REQUIRE (f.scope_key, f.fact_key) IS UNIQUE;
