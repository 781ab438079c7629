// Extraction context of one scope: its rolling summary and its most recent messages; and
// whether an add with this idempotency key is stored already (then episode_outcome tells what
// it stored), so a keyed add costs no extra round trip.
// params: $scope_key STRING, $messages INTEGER (how many recent messages at most),
//         $idempotency_key STRING|null
// returns: summary STRING|null, message_count INTEGER, summarized_count INTEGER,
//          recent LIST<MAP {messages_json STRING, observed_at STRING}> (the episodes holding the
//              last $messages, oldest first),
//          key_stored BOOLEAN
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
WITH s, coalesce(s.message_count, 0) AS total
CALL (total) {
  OPTIONAL MATCH (ep:Episode)
  WHERE ep.scope_key = $scope_key AND ep.last_seq > total - $messages
  WITH ep ORDER BY ep.last_seq
  WHERE ep IS NOT NULL
  RETURN collect({messages_json: ep.messages_json, observed_at: toString(ep.observed_at)})
         AS recent
}
RETURN s.summary AS summary, total AS message_count,
       coalesce(s.summarized_count, 0) AS summarized_count, recent,
       $idempotency_key IS NOT NULL AND EXISTS {
         MATCH (old:Episode {scope_key: $scope_key, idempotency_key: $idempotency_key})
       } AS key_stored
