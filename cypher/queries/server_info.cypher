// What this server is: its version, edition and Cypher versions (graphmem picks its query
// variants from these, once per connection).
// params: none
// returns: version STRING, edition STRING, cypher LIST<STRING>
CALL dbms.components() YIELD name, versions, edition
WITH collect({name: name, versions: versions, edition: edition}) AS parts
RETURN [p IN parts WHERE p.name = 'Neo4j Kernel'][0].versions[0] AS version,
       [p IN parts WHERE p.name = 'Neo4j Kernel'][0].edition AS edition,
       coalesce([p IN parts WHERE p.name = 'Cypher'][0].versions, ['5']) AS cypher
