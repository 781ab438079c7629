// Hybrid retrieval in one query (by default graphmem runs it twice at once: $channels
// ['semantic'] and the other two; RetrievalConfig.concurrent_channels). Three channels, each
// filtered and bounded:
//  semantic: facts nearest the query embedding; an exact cosine over the scope's facts while the
//            scope is small ($exact_max), else the shared vector index asked for k neighbours,
//            k growing with (facts in the database / facts in the scope) (no filtered ANN on 5.26);
//  keyword:  Lucene full-text over fact text, restricted to the scope inside Lucene;
//  entity:   entities linked to the query (exact names, vector, full-text), then the facts of their
//            1- or 2-hop subgraph (at most $max_expand relationships per entity), by similarity.
// The caller fuses and reranks the ranked lists.
// params: $scope_key STRING, $embedding LIST<FLOAT>, $limit INTEGER (candidates per channel),
//         $channels LIST<STRING> (any of "semantic", "keyword", "entity"),
//         $fact_query STRING|null, $entity_query STRING|null (Lucene, built from \w tokens),
//         $exact_max INTEGER, $oversample FLOAT, $max_k INTEGER, $k_factor INTEGER (1, or
//         more when asked again because filters left too few of the index's neighbours),
//         $link_keys LIST<STRING>, $link_min_score FLOAT (score = (1 + cosine) / 2),
//         $max_linked INTEGER, $depth INTEGER (1 or 2), $max_expand INTEGER, $beam INTEGER,
//         $max_expand_second INTEGER (relationships read per first hop at depth 2),
//         $hub_degree INTEGER (an entity with more facts is not passed through at depth 2),
//         $query_words LIST<STRING> (the query's content words), $relation_bonus FLOAT,
//         filters: $include_invalid BOOLEAN, $as_of DATETIME|null, $relations LIST<STRING>|null,
//         $entity_types LIST<STRING>|null, $since DATETIME|null, $until DATETIME|null,
//         $metadata MAP|null, $with_embeddings BOOLEAN
// returns: semantic, keyword, entity LIST<MAP {id, score[, hops]}>,
//          linked LIST<MAP {id, name, type, score}>, facts LIST<MAP> (details of every id),
//          exact BOOLEAN (whether the semantic channel scanned the scope exactly),
//          scope_facts INTEGER (the facts the scope holds, retired ones included),
//          semantic_raw INTEGER (rows the vector index returned, before any filter) and
//          semantic_k INTEGER|null (neighbours it was asked for; null for an exact scan).
//          Times leave as ISO 8601 strings (toString): the driver's pure-Python DateTime
//          decoding cost ~9 ms per search (150 values) where datetime.fromisoformat costs
//          ~1 us each; graphmem.models turns them back into aware datetimes, zone ids kept.
// Index-driven whatever the statistics say: keep the plan rather than replan this large
// statement (hundreds of ms) each time a growing graph's statistics shift.
CYPHER replan=skip
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
CALL () {
  MATCH (f:Fact) RETURN count(f) AS total_facts
}
CALL () {
  MATCH (e:Entity) RETURN count(e) AS total_entities
}
WITH coalesce(s.fact_count, 0) AS scope_facts, coalesce(s.entity_count, 0) AS scope_entities,
     total_facts, total_entities
WITH scope_facts, scope_entities,
     toInteger(ceil($limit * $oversample * $k_factor * total_facts / (scope_facts + 1.0)))
       AS want_k,
     toInteger(ceil($limit * $oversample * total_entities / (scope_entities + 1.0))) AS want_ek
// Scan exactly when the scope is small and the index would have to be asked for at least as
// many neighbours as the scope holds (a small scope in a large database); else use the index.
WITH scope_facts <= $exact_max AND scope_facts <= want_k AS exact,
     scope_entities <= $exact_max AND scope_entities <= want_ek AS exact_entities,
     want_k, want_ek, scope_facts
WITH exact, exact_entities, scope_facts,
     CASE WHEN want_k > $max_k THEN $max_k WHEN want_k < $limit THEN $limit ELSE want_k END AS k,
     CASE WHEN want_ek > $max_k THEN $max_k WHEN want_ek < $limit THEN $limit ELSE want_ek END
       AS ek
CALL (exact, k) {
  OPTIONAL CALL (exact, k) {
    // The seek value depends on the gate, so the ANN path never reads the scope's facts.
    WITH exact
    MATCH (f:Fact)
    WHERE f.scope_key = CASE WHEN exact AND 'semantic' IN $channels THEN $scope_key END
    RETURN f, vector.similarity.cosine(f.embedding, $embedding) AS score
    UNION ALL  // the two branches exclude each other; ALL keeps equal rows to be counted
    WITH exact, k WHERE NOT exact AND 'semantic' IN $channels
    CALL db.index.vector.queryNodes('fact_embedding', k, $embedding) YIELD node, score
    // Other scopes' facts stay as null rows, so that the index's rows can be counted.
    RETURN CASE WHEN node.scope_key = $scope_key THEN node END AS f, score
  }
  // What the index returned is counted before the filters: when it returned all it was asked
  // for and the filters (other scopes, retired facts, a time or metadata filter) left fewer
  // than $limit, the caller asks again for more neighbours (graphmem.retrieval.widening).
  WITH exact, k, count(score) AS semantic_raw,
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
  RETURN semantic, semantic_raw, CASE WHEN exact THEN null ELSE k END AS semantic_k
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
CALL (exact_entities, ek) {
  OPTIONAL CALL (exact_entities, ek) {
    WITH 1 AS one WHERE 'entity' IN $channels
    UNWIND $link_keys AS key
    MATCH (e:Entity {scope_key: $scope_key, normalized_name: key})
    RETURN e, 1.0 AS link_score
    UNION ALL
    WITH exact_entities
    MATCH (e:Entity)
    WHERE e.scope_key = CASE WHEN exact_entities AND 'entity' IN $channels THEN $scope_key END
    WITH e, vector.similarity.cosine(e.embedding, $embedding) AS score
    WHERE score >= $link_min_score
    RETURN e, score AS link_score
    UNION ALL
    WITH exact_entities, ek WHERE NOT exact_entities AND 'entity' IN $channels
    CALL db.index.vector.queryNodes('entity_embedding', ek, $embedding) YIELD node, score
    WITH node AS e, score
    WHERE e.scope_key = $scope_key AND score >= $link_min_score
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
RETURN semantic, keyword, entity, linked, facts, exact, scope_facts, semantic_raw, semantic_k
