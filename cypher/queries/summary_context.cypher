// What a rolling-summary refresh needs: the scope's summary and the messages said since it was
// last refreshed (at most the last $max_messages of them).
// params: $scope_key STRING, $max_messages INTEGER
// returns: summary STRING|null, message_count INTEGER, summarized_count INTEGER,
//          pending LIST<MAP {messages_json, message_count, last_seq, observed_at}> (oldest first)
MATCH (s:Scope {scope_key: $scope_key})
WITH s, coalesce(s.message_count, 0) AS total, coalesce(s.summarized_count, 0) AS done
CALL (s, total, done) {
  OPTIONAL MATCH (ep:Episode)
  WHERE ep.scope_key = $scope_key AND ep.last_seq > done AND ep.last_seq > total - $max_messages
  WITH ep ORDER BY ep.last_seq
  WHERE ep IS NOT NULL
  RETURN collect({messages_json: ep.messages_json, message_count: ep.message_count,
                  last_seq: ep.last_seq, observed_at: toString(ep.observed_at)}) AS pending
}
RETURN s.summary AS summary, total AS message_count, done AS summarized_count, pending
