// Update phase, step 1, on Neo4j 2026+ (Cypher 25): the variant of
// cypher/queries/resolve_entities.cypher for vector indexes that hold scope_key. Similar names
// come from the scope's own entities, filtered inside the index (SEARCH ... WHERE scope).
// params: as resolve_entities.cypher ($k: similar entities asked of the index per name;
//         $max_k and $exact_max are not used).
// returns: as resolve_entities.cypher.
CYPHER 25 replan=skip
UNWIND $entities AS item
OPTIONAL MATCH (x:Entity {scope_key: $scope_key, normalized_name: item.key})
// Similar names are only candidates (questions for the resolver), and only asked for when
// no entity has the exact key.
CALL (item, x) {
  CALL (item, x) {
    WITH item, x WHERE $use_vectors AND x IS NULL
    MATCH (e:Entity)
      SEARCH e IN (VECTOR INDEX entity_embedding FOR item.embedding
                   WHERE e.scope_key = $scope_key LIMIT $k) SCORE AS score
    WITH e, score
    WHERE score >= $min_score
    RETURN e, score
  }
  WITH e, score
  ORDER BY score DESC
  LIMIT $max_similar
  RETURN collect({node: e, score: score}) AS similar
}
WITH item, x, similar, [s IN similar | s.node] + CASE WHEN x IS NULL THEN [] ELSE [x] END AS found
CALL (found, item) {
  UNWIND found AS n
  // Retired facts too: a value told out of time order is placed among them by valid time.
  // The type is compared, not matched as a dynamic type ($(t)): with the plan kept
  // (replan=skip), the dynamic-type expansion in this subquery was seen to return only some
  // of an entity's relationships on Neo4j 2026.09 once many entities came in one call.
  MATCH (n)-[r]->(:Entity)
  WHERE r.scope_key = $scope_key AND type(r) IN item.rel_types
  MATCH (f:Fact {id: r.fact_id})
  RETURN collect({id: f.id, source: f.source, source_key: f.source_key, relation: f.relation,
                  target: f.target, target_key: f.target_key, fact: f.fact,
                  source_type: f.source_type, target_type: f.target_type,
                  created_at: toString(f.created_at), valid_at: toString(f.valid_at),
                  invalid_at: toString(f.invalid_at),
                  invalid_reason: f.invalid_reason, episode_ids: f.episode_ids,
                  stated_at: [t IN coalesce(f.stated_at, []) | toString(t)]}) AS same
}
WITH collect({
       key: item.key,
       exact: CASE WHEN x IS NULL THEN null ELSE {
         id: x.id, name: x.name, normalized_name: x.normalized_name, type: x.type} END,
       similar: [s IN similar | {id: s.node.id, name: s.node.name,
                                 normalized_name: s.node.normalized_name, type: s.node.type,
                                 score: s.score}]}) AS matches,
     reduce(acc = [], f IN collect(found) | acc + f) AS nodes,
     reduce(acc = [], s IN collect(same) | acc + s) AS same_relation
CALL (nodes) {
  UNWIND CASE WHEN $similar_candidates THEN nodes ELSE [] END AS n
  WITH DISTINCT n
  CALL (n) {
    MATCH (n)-[r]-(:Entity)
    WHERE r.scope_key = $scope_key AND r.fact_id IS NOT NULL AND r.invalid_at IS NULL
    RETURN r LIMIT $max_expand
  }
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
                  created_at: toString(f.created_at), valid_at: toString(f.valid_at),
                  invalid_at: toString(f.invalid_at),
                  invalid_reason: f.invalid_reason, episode_ids: f.episode_ids}) AS candidates
}
RETURN matches, candidates, same_relation
