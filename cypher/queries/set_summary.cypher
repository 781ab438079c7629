// Store a refreshed rolling summary, unless a newer one (covering more messages) is stored.
// params: $scope_key STRING, $text STRING, $summarized_count INTEGER (messages it covers),
//         $now DATETIME
// returns: updated INTEGER (0: a newer summary was already there, or the scope is gone)
OPTIONAL MATCH (s:Scope {scope_key: $scope_key})
WHERE coalesce(s.summarized_count, 0) < $summarized_count
SET s.summary = $text, s.summarized_count = $summarized_count, s.summary_at = $now
RETURN count(s) AS updated
