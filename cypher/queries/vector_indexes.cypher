// The embedding size each of graphmem's vector indexes was created with.
// params: none
// returns: name STRING, dimensions INTEGER, state STRING
SHOW VECTOR INDEXES YIELD name, options, state
WHERE name IN ['entity_embedding', 'fact_embedding']
RETURN name, options.indexConfig.`vector.dimensions` AS dimensions, state
