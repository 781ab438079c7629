// Extraction context of one scope: its rolling summary and its most recent messages.
// params: $scope_key STRING, $messages INTEGER (how many recent messages at most)
// returns: summary STRING|null, message_count INTEGER, summarized_count INTEGER,
//          recent LIST<STRING> (messages_json of the episodes holding the last $messages, oldest first)
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
WITH s, coalesce(s.message_count, 0) AS total
CALL (total) {
  OPTIONAL MATCH (ep:Episode)
  WHERE ep.scope_key = $scope_key AND ep.last_seq > total - $messages
  WITH ep ORDER BY ep.last_seq
  RETURN collect(ep.messages_json) AS recent
}
RETURN s.summary AS summary, total AS message_count,
       coalesce(s.summarized_count, 0) AS summarized_count, recent
