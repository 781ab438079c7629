// graphmem's vector indexes: the embedding size each was created with, and its properties
// (a second property, scope_key, means the index filters by scope inside itself: Neo4j 2026+).
// params: none
// returns: name STRING, dimensions INTEGER, properties LIST<STRING>, state STRING
SHOW VECTOR INDEXES YIELD name, options, properties, state
WHERE name IN ['entity_embedding', 'fact_embedding', 'memory_embedding']
RETURN name, options.indexConfig.`vector.dimensions` AS dimensions, properties, state
