// The variant of cypher/queries/similar_memories.cypher for Neo4j 2026+ (Cypher 25), whose
// memory_embedding index holds scope_key: the similar memories are found inside the index,
// filtered to the scope (retired memories are skipped afterwards, so it is asked for
// $search_k, twice $k).
// params: as similar_memories.cypher, and $search_k INTEGER ($exact_max, $oversample and
//         $max_k are not used)
// returns: as similar_memories.cypher
CYPHER 25 replan=skip
UNWIND $candidates AS c
CALL (c) {
  OPTIONAL MATCH (same:Memory {scope_key: $scope_key, memory_key: c.key})
  RETURN same
}
CALL (c) {
  OPTIONAL CALL (c) {
    WITH c WHERE $similar
    MATCH (m:Memory)
      SEARCH m IN (VECTOR INDEX memory_embedding FOR c.embedding
                   WHERE m.scope_key = $scope_key LIMIT $search_k) SCORE AS score
    RETURN m, score
  }
  WITH m, score
  WHERE m IS NOT NULL AND m.invalid_at IS NULL
  WITH m, score ORDER BY score DESC LIMIT $k
  RETURN collect(m {.id, .text, created_at: toString(m.created_at),
                    valid_at: toString(m.valid_at), .episode_ids, score: score}) AS similar
}
RETURN c.key AS key,
       CASE WHEN same IS NULL THEN null ELSE same {.id, .text,
         created_at: toString(same.created_at), valid_at: toString(same.valid_at),
         .episode_ids, score: 1.0} END AS same,
       similar
