// The last schema migration applied to this database (0 when none).
// params: none
// returns: version INTEGER
OPTIONAL MATCH (m:GraphMemSchema {name: 'graphmem'})
RETURN coalesce(m.version, 0) AS version
