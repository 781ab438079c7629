// The Mem0 variant (GraphMemConfig(variant="mem0" or "both")): natural-language memories beside
// the graph. A :Memory has text, an embedding, its scope, validity times and the episodes that
// stated it; an UPDATE or DELETE retires it (invalid_at, invalid_reason), it is never erased.
// One valid memory per (scope, memory_key) (the text, case-folded, spaces collapsed): concurrent
// restatements cannot store it twice; a retired memory has no key.
CREATE CONSTRAINT memory_id IF NOT EXISTS FOR (m:Memory) REQUIRE m.id IS UNIQUE;
CREATE CONSTRAINT memory_scope_key IF NOT EXISTS
FOR (m:Memory) REQUIRE (m.scope_key, m.memory_key) IS UNIQUE;
CREATE INDEX memory_scope IF NOT EXISTS FOR (m:Memory) ON (m.scope_key);
// Dense retrieval and the update phase's similar memories. On Neo4j 2026+ graphmem rebuilds it
// with scope_key inside (cypher25/filtered_vector_indexes.cypher), as it does the others.
CREATE VECTOR INDEX memory_embedding IF NOT EXISTS FOR (m:Memory) ON m.embedding
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}};
// Keyword channel, filtered to one scope inside Lucene by scope_token (see 0005).
CREATE FULLTEXT INDEX memory_text_scoped IF NOT EXISTS
FOR (m:Memory) ON EACH [m.text, m.scope_token];
