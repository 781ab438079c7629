// The Mem0 variant's update phase, step 1: for each candidate memory of an add, the stored
// valid memory with the same key (a restatement) and the $k valid memories of the scope most
// similar to it. An exact cosine over the scope's memories while the scope is small
// ($exact_max), else the shared vector index asked for more neighbours the smaller the scope's
// share of the database (no filtered vector search on Neo4j 5.26; see search.cypher).
// params: $scope_key STRING, $candidates LIST<MAP {key, embedding}>, $k INTEGER,
//         $similar BOOLEAN (false: only the same-key lookups, for an ingest without a resolver),
//         $exact_max INTEGER, $oversample FLOAT, $max_k INTEGER, $k_factor INTEGER (1, or more
//         when asked again because retired memories filled the nearest neighbours)
// returns one row per candidate: key STRING, same MAP|null, similar LIST<MAP> (best first),
//          raw INTEGER (rows the vector index returned, retired ones included) and asked
//          INTEGER|null (neighbours asked of it; null for an exact scan);
//          memory maps {id, text, created_at, valid_at, episode_ids, score} (times as strings;
//          score is Neo4j's similarity, (1 + cosine) / 2)
CYPHER replan=skip
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
CALL () {
  MATCH (m:Memory) RETURN count(m) AS total
}
WITH coalesce(s.memory_count, 0) AS held, total
WITH held <= $exact_max AS exact,
     toInteger(ceil($k * $oversample * $k_factor * total / (held + 1.0))) AS want
WITH exact, CASE WHEN want > $max_k THEN $max_k WHEN want < $k THEN $k ELSE want END AS ask
UNWIND $candidates AS c
CALL (c) {
  OPTIONAL MATCH (same:Memory {scope_key: $scope_key, memory_key: c.key})
  RETURN same
}
CALL (c, exact, ask) {
  OPTIONAL CALL (c, exact, ask) {
    // The seek value depends on the gate, so the index path never reads the scope's memories.
    MATCH (m:Memory)
    WHERE m.scope_key = CASE WHEN exact AND $similar THEN $scope_key END
    RETURN m, vector.similarity.cosine(m.embedding, c.embedding) AS score
    UNION ALL  // the two branches exclude each other; ALL keeps equal rows to be counted
    WITH c, exact, ask WHERE NOT exact AND $similar
    CALL db.index.vector.queryNodes('memory_embedding', ask, c.embedding) YIELD node, score
    // Other scopes' memories stay as null rows, so that the index's rows can be counted.
    RETURN CASE WHEN node.scope_key = $scope_key THEN node END AS m, score
  }
  // Counted before retired memories are skipped: when the index returned all it was asked
  // for and fewer than $k are current, the caller asks again for more (graphmem.mem0.update).
  WITH exact, ask, count(score) AS raw,
       collect(CASE WHEN m IS NOT NULL AND m.invalid_at IS NULL THEN {m: m, score: score} END)
         AS hits
  CALL (hits) {
    UNWIND hits AS hit
    WITH hit.m AS m, hit.score AS score ORDER BY score DESC LIMIT $k
    RETURN collect(m {.id, .text, created_at: toString(m.created_at),
                      valid_at: toString(m.valid_at), .episode_ids, score: score}) AS similar
  }
  RETURN similar, raw, CASE WHEN exact THEN null ELSE ask END AS asked
}
RETURN c.key AS key,
       CASE WHEN same IS NULL THEN null ELSE same {.id, .text,
         created_at: toString(same.created_at), valid_at: toString(same.valid_at),
         .episode_ids, score: 1.0} END AS same,
       similar, raw, asked
