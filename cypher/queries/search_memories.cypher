// Dense retrieval over the Mem0 variant's memories, in one query: two channels, each
// filtered and bounded; the caller fuses them by reciprocal rank.
//  semantic: memories nearest the query embedding; an exact cosine over the scope's memories
//            while the scope is small ($exact_max), else the shared vector index asked for k
//            neighbours, k growing with (memories in the database / in the scope) (Neo4j 5.26
//            has no filtered vector search; see search.cypher);
//  keyword:  Lucene full-text over memory text, restricted to the scope inside Lucene.
// params: $scope_key STRING, $embedding LIST<FLOAT>, $limit INTEGER (candidates per channel),
//         $channels LIST<STRING> (any of "semantic", "keyword"), $memory_query STRING|null,
//         $exact_max INTEGER, $oversample FLOAT, $max_k INTEGER, $k_factor INTEGER (1, or more
//         when asked again because filters left too few of the index's neighbours),
//         filters: $include_invalid BOOLEAN, $as_of DATETIME|null, $since DATETIME|null,
//         $until DATETIME|null, $metadata MAP|null
// returns: semantic, keyword LIST<MAP {id, score}>, memories LIST<MAP> (details of every id,
//          times as ISO 8601 strings), semantic_raw INTEGER (rows the vector index returned,
//          before any filter), semantic_k INTEGER|null (neighbours asked; null: exact scan)
CYPHER replan=skip
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
CALL () {
  MATCH (m:Memory) RETURN count(m) AS total
}
WITH coalesce(s.memory_count, 0) AS held, total
WITH held, toInteger(ceil($limit * $oversample * $k_factor * total / (held + 1.0))) AS want
WITH held <= $exact_max AND held <= want AS exact,
     CASE WHEN want > $max_k THEN $max_k WHEN want < $limit THEN $limit ELSE want END AS k
CALL (exact, k) {
  OPTIONAL CALL (exact, k) {
    // The seek value depends on the gate, so the index path never reads the scope's memories.
    MATCH (m:Memory)
    WHERE m.scope_key = CASE WHEN exact AND 'semantic' IN $channels THEN $scope_key END
    RETURN m, vector.similarity.cosine(m.embedding, $embedding) AS score
    UNION ALL  // the two branches exclude each other; ALL keeps equal rows to be counted
    WITH exact, k WHERE NOT exact AND 'semantic' IN $channels
    CALL db.index.vector.queryNodes('memory_embedding', k, $embedding) YIELD node, score
    // Other scopes' memories stay as null rows, so that the index's rows can be counted.
    RETURN CASE WHEN node.scope_key = $scope_key THEN node END AS m, score
  }
  // What the index returned is counted before the filters: when it returned all it was asked
  // for and the filters left fewer than $limit, the caller asks again for more neighbours
  // (graphmem.retrieval.widening).
  WITH exact, k, count(score) AS semantic_raw,
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
  RETURN semantic, semantic_raw, CASE WHEN exact THEN null ELSE k END AS semantic_k
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
