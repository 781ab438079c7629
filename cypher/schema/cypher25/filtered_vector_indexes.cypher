// Neo4j 2026+ (Cypher 25): vector indexes that also hold scope_key, so a scoped vector lookup
// (SEARCH ... WHERE x.scope_key = $scope_key) is filtered inside the index instead of asking
// the shared index for thousands of neighbours and dropping the other scopes' afterwards.
// graphmem applies this when the server supports it and an index lacks scope_key (a database
// created on 5.26, or by an older graphmem); the indexes are rebuilt from the stored vectors.
// Options (measured on real all-MiniLM-L6-v2 vectors, bench/vector_index.py ->
// bench/results/vector-index.md; 100k vectors, scopes of 1k and 10k): quantization off and
// search expansion factor 10 found the exact top 10 in every query at both scopes, LIMIT 20 and
// 40, at p50 2.3 / 4.9 ms. The server defaults (binary quantization, expansion 3) gave 0.997 at
// 10k facts; expansion 3 without quantization 0.997 at 2.7 ms. What was told must be found:
// ~2 ms at 10k buys the last misses. (On random vectors the defaults gave 0.63 / 0.28.)
DROP INDEX entity_embedding IF EXISTS;
DROP INDEX fact_embedding IF EXISTS;
CYPHER 25
CREATE VECTOR INDEX entity_embedding IF NOT EXISTS FOR (e:Entity) ON e.embedding
WITH [e.scope_key]
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine',
                       `vector.quantization.enabled`: false,
                       `vector.default_search_expansion_factor`: 10.0}};
CYPHER 25
CREATE VECTOR INDEX fact_embedding IF NOT EXISTS FOR (f:Fact) ON f.embedding
WITH [f.scope_key]
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine',
                       `vector.quantization.enabled`: false,
                       `vector.default_search_expansion_factor`: 10.0}};
DROP INDEX memory_embedding IF EXISTS;
CYPHER 25
CREATE VECTOR INDEX memory_embedding IF NOT EXISTS FOR (m:Memory) ON m.embedding
WITH [m.scope_key]
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine',
                       `vector.quantization.enabled`: false,
                       `vector.default_search_expansion_factor`: 10.0}};
