// The variant of cypher/queries/search_memories.cypher for Neo4j 2026+ (Cypher 25), whose
// memory_embedding index holds scope_key: the semantic channel is filtered to the scope inside
// the index.
// params: as search_memories.cypher, plus $k INTEGER (neighbours asked of the index);
//         $exact_max, $oversample, $max_k and $k_factor are not used
// returns: as search_memories.cypher (semantic_k is $k)
CYPHER 25 replan=skip
CALL () {
  OPTIONAL CALL () {
    WITH 1 AS one WHERE 'semantic' IN $channels
    MATCH (m:Memory)
      SEARCH m IN (VECTOR INDEX memory_embedding FOR $embedding
                   WHERE m.scope_key = $scope_key LIMIT $k) SCORE AS score
    RETURN m, score
  }
  // What the index returned is counted before the filters: when it returned all it was asked
  // for and the filters left fewer than $limit, the caller asks again for more neighbours
  // (graphmem.retrieval.widening).
  WITH size(collect(m)) AS semantic_raw,
       collect(CASE WHEN m IS NOT NULL THEN {m: m, score: score} END) AS hits
  CALL (hits) {
    UNWIND hits AS hit
    WITH hit.m AS m, hit.score AS score
    WHERE (($as_of IS NULL AND ($include_invalid OR m.invalid_at IS NULL))
           OR ($as_of IS NOT NULL AND m.valid_at <= $as_of
               AND (m.invalid_at IS NULL OR m.invalid_at > $as_of)))
      AND ($since IS NULL OR m.valid_at >= $since) AND ($until IS NULL OR m.valid_at < $until)
      AND ($metadata IS NULL
           OR all(key IN keys($metadata) WHERE m['meta_' + key] = $metadata[key]))
    WITH m, score ORDER BY score DESC LIMIT $limit
    RETURN collect({id: m.id, score: score}) AS semantic
  }
  RETURN semantic, semantic_raw, $k AS semantic_k
}
CALL () {
  OPTIONAL CALL () {
    WITH $memory_query AS q WHERE q IS NOT NULL AND 'keyword' IN $channels
    CALL db.index.fulltext.queryNodes('memory_text_scoped', q, {limit: $limit * 4})
    YIELD node, score
    RETURN node AS m, score
  }
  WITH m, score
  WHERE m IS NOT NULL AND m.scope_key = $scope_key
    AND (($as_of IS NULL AND ($include_invalid OR m.invalid_at IS NULL))
         OR ($as_of IS NOT NULL AND m.valid_at <= $as_of
             AND (m.invalid_at IS NULL OR m.invalid_at > $as_of)))
    AND ($since IS NULL OR m.valid_at >= $since) AND ($until IS NULL OR m.valid_at < $until)
    AND ($metadata IS NULL OR all(key IN keys($metadata) WHERE m['meta_' + key] = $metadata[key]))
  WITH m, score ORDER BY score DESC LIMIT $limit
  RETURN collect({id: m.id, score: score}) AS keyword
}
CALL (semantic, keyword) {
  UNWIND semantic + keyword AS hit
  WITH DISTINCT hit.id AS id
  MATCH (m:Memory {id: id})
  OPTIONAL MATCH (newer:Memory)-[:SUPERSEDES]->(m)
  RETURN collect({id: m.id, text: m.text, created_at: toString(m.created_at),
                  valid_at: toString(m.valid_at), invalid_at: toString(m.invalid_at),
                  invalid_reason: m.invalid_reason, episode_ids: m.episode_ids,
                  replaced_by: newer.id}) AS memories
}
RETURN semantic, keyword, memories, semantic_raw, semantic_k
