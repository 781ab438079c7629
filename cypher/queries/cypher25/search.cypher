// Hybrid retrieval in one query (by default graphmem runs it twice at once: $channels
// ['semantic'] and the other two; RetrievalConfig.concurrent_channels), on Neo4j 2026+
// (Cypher 25): the variant of cypher/queries/search.cypher for vector indexes that hold
// scope_key, so both vector lookups (semantic channel, entity linking) are filtered to the
// scope inside the index.
//  semantic: the $k facts of the scope nearest the query embedding (SEARCH ... WHERE scope);
//  keyword:  Lucene full-text over fact text, restricted to the scope inside Lucene;
//  entity:   entities linked to the query (exact names, vector, full-text), then the facts of their
//            1- or 2-hop subgraph (at most $max_expand relationships per entity), by similarity.
// The caller fuses and reranks the ranked lists.
// params: as search.cypher, plus $k INTEGER (semantic neighbours asked of the index) and
//         $entity_k INTEGER (entities asked of the index for linking); $exact_max,
//         $oversample, $max_k and $k_factor are not used.
// returns: as search.cypher (exact is always false; semantic_k is $k).
CYPHER 25 replan=skip
CALL () {
  OPTIONAL CALL () {
    WITH 1 AS one WHERE 'semantic' IN $channels
    MATCH (f:Fact)
      SEARCH f IN (VECTOR INDEX fact_embedding FOR $embedding
                   WHERE f.scope_key = $scope_key LIMIT $k) SCORE AS score
    RETURN f, score
  }
  // What the index returned is counted before the filters: when it returned all it was asked
  // for and the filters (retired facts, a time or metadata filter) left fewer than $limit,
  // the caller asks again for more neighbours (graphmem.retrieval.widening).
  WITH size(collect(f)) AS semantic_raw,
       collect(CASE WHEN f IS NOT NULL THEN {f: f, score: score} END) AS hits
  CALL (hits) {
    UNWIND hits AS hit
    WITH hit.f AS f, hit.score AS score
    WHERE (($as_of IS NULL AND ($include_invalid OR f.invalid_at IS NULL))
           OR ($as_of IS NOT NULL AND f.valid_at <= $as_of
               AND (f.invalid_at IS NULL OR f.invalid_at > $as_of)))
      AND ($relations IS NULL OR f.relation IN $relations)
      AND ($entity_types IS NULL OR f.source_type IN $entity_types
           OR f.target_type IN $entity_types)
      AND ($since IS NULL OR f.valid_at >= $since) AND ($until IS NULL OR f.valid_at < $until)
      AND ($metadata IS NULL
           OR all(key IN keys($metadata) WHERE f['meta_' + key] = $metadata[key]))
    WITH f, score ORDER BY score DESC LIMIT $limit
    RETURN collect({id: f.id, score: score}) AS semantic
  }
  RETURN semantic, semantic_raw, $k AS semantic_k
}
CALL () {
  OPTIONAL CALL () {
    WITH $fact_query AS q WHERE q IS NOT NULL AND 'keyword' IN $channels
    CALL db.index.fulltext.queryNodes('fact_text_scoped', q, {limit: $limit * 4})
    YIELD node, score
    RETURN node AS f, score
  }
  WITH f, score
  WHERE f IS NOT NULL AND f.scope_key = $scope_key
    AND (($as_of IS NULL AND ($include_invalid OR f.invalid_at IS NULL))
         OR ($as_of IS NOT NULL AND f.valid_at <= $as_of
             AND (f.invalid_at IS NULL OR f.invalid_at > $as_of)))
    AND ($relations IS NULL OR f.relation IN $relations)
    AND ($entity_types IS NULL OR f.source_type IN $entity_types
         OR f.target_type IN $entity_types)
    AND ($since IS NULL OR f.valid_at >= $since) AND ($until IS NULL OR f.valid_at < $until)
    AND ($metadata IS NULL OR all(key IN keys($metadata) WHERE f['meta_' + key] = $metadata[key]))
  WITH f, score ORDER BY score DESC LIMIT $limit
  RETURN collect({id: f.id, score: score}) AS keyword
}
CALL () {
  OPTIONAL CALL () {
    WITH 1 AS one WHERE 'entity' IN $channels
    UNWIND $link_keys AS key
    MATCH (e:Entity {scope_key: $scope_key, normalized_name: key})
    RETURN e, 1.0 AS link_score
    UNION ALL
    WITH 1 AS one WHERE 'entity' IN $channels
    MATCH (e:Entity)
      SEARCH e IN (VECTOR INDEX entity_embedding FOR $embedding
                   WHERE e.scope_key = $scope_key LIMIT $entity_k) SCORE AS score
    WITH e, score
    WHERE score >= $link_min_score
    RETURN e, score AS link_score
    UNION ALL
    WITH $entity_query AS q WHERE q IS NOT NULL AND 'entity' IN $channels
    CALL db.index.fulltext.queryNodes('entity_name_scoped', q, {limit: $max_linked * 4})
    YIELD node, score
    WITH node AS e, score
    WHERE e.scope_key = $scope_key
    RETURN e, 0.5 + 0.5 * score / (1.0 + score) AS link_score
  }
  WITH e, max(link_score) AS link_score
  WHERE e IS NOT NULL
  ORDER BY link_score DESC LIMIT $max_linked
  RETURN collect({id: e.id, name: e.name, type: e.type, score: link_score}) AS linked,
         collect(e) AS linked_nodes
}
CALL (linked_nodes) {
  OPTIONAL CALL (linked_nodes) {
    UNWIND linked_nodes AS e
    CALL (e) {
      MATCH (e)-[r]-(m:Entity)
      WHERE r.scope_key = $scope_key AND r.fact_id IS NOT NULL
      RETURN r, m LIMIT $max_expand
    }
    // Each first hop's fact is read and scored once: it is a 1-hop result and, at depth 2, a
    // candidate for the beam. The linked entity is the query's subject: a first hop's relation
    // words count for the beam only when the entity is its source ("X's sister": X has_sister
    // S, not S has_sister X).
    MATCH (f1:Fact {id: r.fact_id})
    WITH e, collect({r: r, m: m, f: f1,
                     sim: vector.similarity.cosine(f1.embedding, $embedding),
                     words: CASE WHEN startNode(r) = e THEN
                       [q IN $query_words WHERE any(w IN split(r.name, '_')
                          WHERE size(w) >= 4 AND size(q) >= 4
                            AND (w STARTS WITH q OR q STARTS WITH w))]
                       ELSE [] END}) AS firsts
    CALL (firsts) {
      UNWIND firsts AS h
      RETURN h.f AS f, 1 AS hops, h.sim AS own, 0.0 AS via, [] AS via_words
      UNION ALL
      // Two hops as a beam: follow only the $beam first hops most relevant to the query (for
      // "X's sister", the fact "X has sister S"), so hubs such as a city do not flood the result.
      WITH firsts WHERE $depth >= 2
      UNWIND firsts AS h
      WITH h WHERE h.r.invalid_at IS NULL
      ORDER BY h.sim + $relation_bonus * size(h.words) DESC LIMIT $beam
      WITH h.r AS r1, h.m AS m, h.sim AS via, h.words AS via_words
      // A hub (a city, an employer: more facts than $hub_degree) is not passed through:
      // the $max_expand_second of its relationships read would be an arbitrary sample of
      // strangers' facts. Degrees are read from the store, not counted by expanding.
      CALL (r1, m) {
        WITH r1, m WHERE COUNT { (m)--() } - COUNT { (m)<-[:MENTIONS]-() } <= $hub_degree
        MATCH (m)-[r]-(:Entity)
        WHERE r <> r1 AND r.scope_key = $scope_key AND r.fact_id IS NOT NULL
        RETURN r LIMIT $max_expand_second
      }
      MATCH (f:Fact {id: r.fact_id})
      RETURN f, 2 AS hops, null AS own, via, via_words
    }
    RETURN f, hops, own, via, via_words
  }
  WITH f, hops, own, via, via_words
  WHERE f IS NOT NULL
    AND (($as_of IS NULL AND ($include_invalid OR f.invalid_at IS NULL))
         OR ($as_of IS NOT NULL AND f.valid_at <= $as_of
             AND (f.invalid_at IS NULL OR f.invalid_at > $as_of)))
    AND ($relations IS NULL OR f.relation IN $relations)
    AND ($entity_types IS NULL OR f.source_type IN $entity_types
         OR f.target_type IN $entity_types)
    AND ($since IS NULL OR f.valid_at >= $since) AND ($until IS NULL OR f.valid_at < $until)
    AND ($metadata IS NULL OR all(key IN keys($metadata) WHERE f['meta_' + key] = $metadata[key]))
  // Score a path by similarity (a 2-hop path: the mean of its two facts) plus a bonus for each
  // distinct query word its relations name: a word of 4+ letters that is a prefix of a query
  // word or the reverse ("sister" ~ has_sister, "live" ~ lives_in). A path through a hub that
  // names the same word twice gains nothing from the second hop. Second hops are scored only
  // once they passed the filters.
  WITH f, hops, via, via_words,
       CASE WHEN own IS NULL THEN vector.similarity.cosine(f.embedding, $embedding)
         ELSE own END AS own,
       [q IN $query_words WHERE any(w IN split(f.relation, '_')
          WHERE size(w) >= 4 AND size(q) >= 4 AND (w STARTS WITH q OR q STARTS WITH w))] AS words
  WITH f, hops,
       CASE WHEN hops = 1 THEN own ELSE (own + via) / 2.0 END
         + $relation_bonus * size(via_words + [w IN words WHERE NOT w IN via_words]) AS score
  WITH f.id AS id, min(hops) AS hops, max(score) AS score
  ORDER BY score DESC LIMIT $limit
  RETURN collect({id: id, score: score, hops: hops}) AS entity
}
CALL (semantic, keyword, entity) {
  UNWIND semantic + keyword + entity AS hit
  WITH DISTINCT hit.id AS id
  MATCH (f:Fact {id: id})
  OPTIONAL MATCH (newer:Fact)-[:SUPERSEDES]->(f)
  RETURN collect({id: f.id, source: f.source, relation: f.relation, target: f.target,
                  fact: f.fact, source_type: f.source_type, target_type: f.target_type,
                  created_at: toString(f.created_at), valid_at: toString(f.valid_at),
                  invalid_at: toString(f.invalid_at),
                  invalid_reason: f.invalid_reason, episode_ids: f.episode_ids,
                  replaced_by: newer.id,
                  embedding: CASE WHEN $with_embeddings THEN f.embedding ELSE null END}) AS facts
}
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
RETURN semantic, keyword, entity, linked, facts, false AS exact,
       coalesce(s.fact_count, 0) AS scope_facts, semantic_raw, semantic_k
