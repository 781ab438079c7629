// The variant of cypher/queries/similar_memories.cypher for Neo4j 2026+ (Cypher 25), whose
// memory_embedding index holds scope_key: the similar memories are found inside the index,
// filtered to the scope (retired memories are skipped afterwards, so it is asked for
// $search_k, twice $k).
// params: as similar_memories.cypher, and $search_k INTEGER ($exact_max, $oversample,
//         $max_k and $k_factor are not used)
// returns: as similar_memories.cypher (asked is $search_k)
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
  // Counted before retired memories are skipped: when the index returned all it was asked
  // for and fewer than $k are current, the caller asks again for more (graphmem.mem0.update).
  WITH size(collect(m)) AS raw,
       collect(CASE WHEN m IS NOT NULL AND m.invalid_at IS NULL THEN {m: m, score: score} END)
         AS hits
  CALL (hits) {
    UNWIND hits AS hit
    WITH hit.m AS m, hit.score AS score ORDER BY score DESC LIMIT $k
    RETURN collect(m {.id, .text, created_at: toString(m.created_at),
                      valid_at: toString(m.valid_at), .episode_ids, score: score}) AS similar
  }
  RETURN similar, raw, $search_k AS asked
}
RETURN c.key AS key,
       CASE WHEN same IS NULL THEN null ELSE same {.id, .text,
         created_at: toString(same.created_at), valid_at: toString(same.valid_at),
         .episode_ids, score: 1.0} END AS same,
       similar, raw, asked
