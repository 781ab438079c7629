// Update phase, step 1, in one round trip: match each extracted entity to an existing entity of
// the scope (exact normalized name first, else the nearest by embedding above $min_score), then
// fetch the valid facts touching the matched entities, ranked by similarity to the new facts
// (the conflict detector's candidates).
// params: $scope_key STRING,
//         $entities LIST<MAP> [{key: STRING (normalized name), embedding: LIST<FLOAT>}],
//         $fact_embeddings LIST<LIST<FLOAT>> (embeddings of the new facts' text),
//         $k INTEGER (vector neighbours to ask the shared index for),
//         $min_score FLOAT (vector index score, (1 + cosine) / 2),
//         $max_candidates INTEGER
// returns: matches LIST<MAP {key, id, name, normalized_name, type, score, exact}>,
//          candidates LIST<MAP {id, source, source_key, relation, target, target_key, fact, ...}>
UNWIND $entities AS item
OPTIONAL CALL (item) {
  CALL (item) {
    MATCH (e:Entity {scope_key: $scope_key, normalized_name: item.key})
    RETURN e AS found, 1.0 AS score, true AS exact
    UNION
    CALL db.index.vector.queryNodes('entity_embedding', $k, item.embedding) YIELD node, score
    WITH node, score
    WHERE node.scope_key = $scope_key AND score >= $min_score
    RETURN node AS found, score, false AS exact
  }
  WITH found, score, exact
  ORDER BY exact DESC, score DESC
  LIMIT 1
  RETURN found, score, exact
}
WITH collect(CASE WHEN found IS NULL THEN null ELSE {
       key: item.key, id: found.id, name: found.name, normalized_name: found.normalized_name,
       type: found.type, score: score, exact: exact} END) AS matches,
     collect(DISTINCT found) AS nodes
CALL (nodes) {
  UNWIND nodes AS n
  MATCH (n)-[r]-(:Entity)
  WHERE r.scope_key = $scope_key AND r.fact_id IS NOT NULL AND r.invalid_at IS NULL
  WITH DISTINCT r
  MATCH (f:Fact {id: r.fact_id})
  WITH f, reduce(best = 0.0, v IN $fact_embeddings |
         CASE WHEN vector.similarity.cosine(f.embedding, v) > best
              THEN vector.similarity.cosine(f.embedding, v) ELSE best END) AS similarity
  ORDER BY similarity DESC
  LIMIT $max_candidates
  RETURN collect({id: f.id, source: f.source, source_key: f.source_key, relation: f.relation,
                  target: f.target, target_key: f.target_key, fact: f.fact,
                  source_type: f.source_type, target_type: f.target_type,
                  created_at: f.created_at, valid_at: f.valid_at, invalid_at: f.invalid_at,
                  invalid_reason: f.invalid_reason, episode_ids: f.episode_ids}) AS candidates
}
RETURN matches, candidates
