-- flag: state_law_out_of_state
-- title: Out-of-state searcher where the state limits sharing
-- section: state_law
-- order: 20
-- answers: which searches were run by an agency of another state on cameras in a state whose law bans
--   sharing with other states' agencies (California since 2016) or allows it only on a condition
--   (Illinois: the searcher's written declaration), at the time of the search.
-- how: searcher and producer states from the `agencies` view; federal searchers are not "out of state"
--   (see state_law_federal). The rule is the producer state's version in force at the search time.
-- evidence: searcher "Houston TX PD" (TX) is outside the producer's state (CA); Cal. Civ. Code
--   §§ 1798.90.5-.55 (SB 34, 2015): out-of-state sharing banned (CA rule in effect from 2016-01-01,
--   confidence high). A possible conflict, not a finding of one. A restriction adds what the law
--   requires: "out-of-state sharing restricted: no sharing with an out-of-state law enforcement agency
--   without first obtaining its written declaration ..." (Illinois).
-- param: law_confidence = medium (text) the least confidence (high, medium or low) of a law-table rule that may flag; rules of rows nobody reviewed flag only with low
-- limits: a restricted state's condition (a declaration, a written request, a warrant) may have been met
--   on paper the log does not show; ask for it. Says nothing when either state is unknown.
-- sentence: an agency of another state searched cameras in a state whose law bans or limits that sharing (a possible conflict, not a finding)
-- followup: no
SELECT
    s.search_key,
    'state_law_out_of_state' AS flag,
    possible_conflict('searcher "' || s.searcher_org || '" (' || searcher.state || ') is outside the producer''s '
        || 'state (' || r.state || '); ' || r.citation || ': out-of-state sharing ' || r.out_of_state_sharing
        -- a ban is its own rule; a restriction says what the law requires (e.g. a written declaration)
        || CASE WHEN r.out_of_state_sharing = 'restricted' THEN ': ' || r.out_of_state_rule ELSE '' END
        || law_rule(r.state, r.effective_from, r.out_of_state_confidence)) AS evidence
FROM searches AS s
JOIN _state_law_rules AS r
    ON r.agency = s.producer AND s.search_time >= r.starts_at AND s.search_time < r.ends_at
JOIN agencies AS searcher ON searcher.name = s.searcher_org
WHERE r.out_of_state_counts
  AND r.out_of_state_sharing IN ('banned', 'restricted')
  AND searcher.state IS NOT NULL
  AND searcher.state <> r.state
  AND NOT coalesce(searcher.federal, false)
