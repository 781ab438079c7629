// Update phase, step 1, in one round trip: match each extracted entity to the scope's entity with
// the same key (graphmem.text.name_key), and when there is none, list up to $max_similar
// entities whose names are similar (above $min_score: an exact cosine scan while the scope has
// at most $exact_max entities, else the shared vector index asked for k neighbours, k growing
// with (entities in the database / entities in the scope)). Similar names are never merged
// here: they become questions for the update resolver. Then fetch the conflict candidates: the
// valid facts touching any of these entities, ranked by similarity to the new facts, plus every
// fact, valid or retired, sharing a new fact's source and type (its history in valid time).
// params: $scope_key STRING,
//         $entities LIST<MAP> [{key: STRING (normalized name), embedding: LIST<FLOAT>,
//              rel_types: LIST<STRING> (types of the new facts it is the source of: every
//              fact of the matched entity with such a type, retired ones included, comes too)}],
//         $fact_embeddings LIST<LIST<FLOAT>> (embeddings of the new facts' text),
//         $use_vectors BOOLEAN (false: exact names only, for bulk loads of canonical names),
//         $k INTEGER (neighbours to ask at least), $max_k INTEGER, $exact_max INTEGER,
//         $min_score FLOAT (similarity score, (1 + cosine) / 2),
//         $similar_candidates BOOLEAN (rank the touched facts by similarity: the LLM resolver's
//              context; costs one cosine per touched fact and new fact, so off for bulk loads),
//         $max_candidates INTEGER, $max_expand INTEGER (relationships read per matched entity),
//         $max_similar INTEGER (similar entities listed per extracted entity)
// returns: matches LIST<MAP {key, exact: MAP|null {id, name, normalized_name, type},
//                            similar: LIST<MAP {id, name, normalized_name, type, score}>}>,
//          candidates, same_relation LIST<MAP {id, source, source_key, relation, target, ...,
//              valid_at, invalid_at, stated_at (same_relation only: the times it was told
//              again within its interval)}> (same_relation: valid and retired facts)
// Plans are index-driven whatever the statistics say; replanning this large statement each
// time a growing graph's statistics shift cost 230-400 ms per add (measured), so keep the plan.
CYPHER replan=skip
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
CALL () {
  MATCH (e:Entity) RETURN count(e) AS total
}
WITH coalesce(s.entity_count, 0) <= $exact_max AS scan,
     toInteger(ceil($k * total / (coalesce(s.entity_count, 0) + 1.0))) AS want
WITH scan, CASE WHEN want > $max_k THEN $max_k WHEN want < $k THEN $k ELSE want END AS k
UNWIND $entities AS item
OPTIONAL MATCH (x:Entity {scope_key: $scope_key, normalized_name: item.key})
// Similar names are only candidates (questions for the resolver), and only asked for when
// no entity has the exact key.
CALL (item, x, scan, k) {
  CALL (item, x, scan, k) {
    // The seek value depends on the gate: a disabled branch seeks null and reads nothing
    // (a WHERE before the MATCH does not stop the planner from running the seek).
    WITH item, x, scan
    MATCH (e:Entity)
    WHERE e.scope_key = CASE WHEN $use_vectors AND scan AND x IS NULL THEN $scope_key END
    WITH e, vector.similarity.cosine(e.embedding, item.embedding) AS score
    WHERE score >= $min_score
    RETURN e, score
    UNION
    WITH item, x, scan, k WHERE $use_vectors AND NOT scan AND x IS NULL
    CALL db.index.vector.queryNodes('entity_embedding', k, item.embedding) YIELD node, score
    WITH node, score
    WHERE node.scope_key = $scope_key AND score >= $min_score
    RETURN node AS e, score
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
