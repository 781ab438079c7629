// Records that schema migrations up to $version are applied.
// params: $version INTEGER
// returns: version INTEGER
MERGE (m:GraphMemSchema {name: 'graphmem'})
SET m.version = $version, m.updated_at = datetime()
RETURN m.version AS version
