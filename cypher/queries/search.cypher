// Retrieval in one round trip, both of the paper's channels:
// (a) entity-centric: link the query to entities of the scope (exact names, vector index,
//     full-text index), then take the facts of their 1- or 2-hop subgraph ranked by similarity;
// (b) semantic triplet: nearest facts to the query embedding from the vector index.
// The caller fuses the two ranked lists.
// params: $scope_key STRING, $embedding LIST<FLOAT>, $include_invalid BOOLEAN,
//         $k INTEGER (neighbours asked of the shared vector index), $limit INTEGER,
//         $link_keys LIST<STRING> (normalized entity names to link exactly),
//         $fulltext STRING|null (Lucene query over entity names, already escaped),
//         $link_min_score FLOAT (vector index score, (1 + cosine) / 2),
//         $max_linked INTEGER, $depth INTEGER (1 or 2)
// returns: semantic LIST<MAP {id, score}>, entity LIST<MAP {id, score, hops}>,
//          linked LIST<MAP {id, name, type, score}>, facts LIST<MAP> (details of every id)
CALL () {
  CALL db.index.vector.queryNodes('fact_embedding', $k, $embedding) YIELD node, score
  WITH node AS f, score
  WHERE f.scope_key = $scope_key AND ($include_invalid OR f.invalid_at IS NULL)
  WITH f, score ORDER BY score DESC LIMIT $limit
  RETURN collect({id: f.id, score: score}) AS semantic
}
CALL () {
  CALL () {
    UNWIND $link_keys AS key
    MATCH (e:Entity {scope_key: $scope_key, normalized_name: key})
    RETURN e, 1.0 AS link_score
    UNION ALL
    CALL db.index.vector.queryNodes('entity_embedding', $k, $embedding) YIELD node, score
    WITH node AS e, score
    WHERE e.scope_key = $scope_key AND score >= $link_min_score
    RETURN e, score AS link_score
    UNION ALL
    WITH $fulltext AS ft WHERE ft IS NOT NULL
    CALL db.index.fulltext.queryNodes('entity_name', ft, {limit: $k}) YIELD node, score
    WITH node AS e, score
    WHERE e.scope_key = $scope_key
    RETURN e, 0.5 + 0.5 * score / (1.0 + score) AS link_score
  }
  WITH e, max(link_score) AS link_score
  ORDER BY link_score DESC LIMIT $max_linked
  RETURN collect({id: e.id, name: e.name, type: e.type, score: link_score}) AS linked,
         collect(e) AS linked_nodes
}
CALL (linked_nodes) {
  CALL (linked_nodes) {
    UNWIND linked_nodes AS e
    MATCH (e)-[r]-(:Entity)
    WHERE r.scope_key = $scope_key AND r.fact_id IS NOT NULL
      AND ($include_invalid OR r.invalid_at IS NULL)
    RETURN r, 1 AS hops
    UNION ALL
    UNWIND linked_nodes AS e
    MATCH (e)-[r1]-(:Entity)-[r]-(:Entity)
    WHERE $depth >= 2 AND r1.scope_key = $scope_key AND r1.invalid_at IS NULL
      AND r.scope_key = $scope_key AND r.fact_id IS NOT NULL
      AND ($include_invalid OR r.invalid_at IS NULL)
    RETURN r, 2 AS hops
  }
  WITH r.fact_id AS id, min(hops) AS hops
  MATCH (f:Fact {id: id})
  WITH id, hops, vector.similarity.cosine(f.embedding, $embedding) AS score
  ORDER BY score DESC LIMIT $limit
  RETURN collect({id: id, score: score, hops: hops}) AS entity
}
CALL (semantic, entity) {
  UNWIND semantic + entity AS hit
  WITH DISTINCT hit.id AS id
  MATCH (f:Fact {id: id})
  RETURN collect({id: f.id, source: f.source, relation: f.relation, target: f.target,
                  fact: f.fact, source_type: f.source_type, target_type: f.target_type,
                  created_at: f.created_at, valid_at: f.valid_at, invalid_at: f.invalid_at,
                  invalid_reason: f.invalid_reason, episode_ids: f.episode_ids}) AS facts
}
RETURN semantic, entity, [x IN linked | x] AS linked, facts
