// What one episode (one add) changed: facts added, restated and retired, entities mentioned.
// :param episode_id => '<an AddResult.episode_id>'
MATCH (ep:Episode {id: $episode_id})
OPTIONAL MATCH (ep)-[link:ADDED|CONFIRMED|INVALIDATED]->(f:Fact)
OPTIONAL MATCH (ep)-[:MENTIONS]->(e:Entity)
RETURN ep.text AS said, ep.observed_at AS at,
       collect(DISTINCT {change: type(link), fact: f.fact, reason: link.reason}) AS changes,
       collect(DISTINCT e.name) AS entities
