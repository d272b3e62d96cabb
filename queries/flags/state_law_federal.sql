-- flag: state_law_federal
-- title: Federal searcher where the state limits federal sharing
-- section: state_law
-- order: 30
-- answers: which searches were run by a federal agency on cameras in a state whose law bans or limits
--   sharing with federal agencies (California since 2016), at the time of the search.
-- how: the searcher is federal in the `agencies` view; the rule is the producer state's version in force
--   at the search time.
-- evidence: searcher "[Federal] Federal Bureau of Investigation (FBI)" is federal; Cal. Civ. Code
--   §§ 1798.90.5-.55 (SB 34, 2015): federal sharing banned (CA rule in effect from 2016-01-01, confidence
--   high). A possible conflict, not a finding of one. A restriction adds what the law requires.
-- param: law_confidence = medium (text) the least confidence (high, medium or low) of a law-table rule that may flag; rules of rows nobody reviewed flag only with low
-- limits: only as good as the agency classification; a local agency searching for a federal one is not
--   here (see the immigration flags). A warrant or court order may have allowed it; ask.
-- sentence: a federal agency searched cameras in a state whose law bans or limits that sharing (a possible conflict, not a finding)
-- followup: no
SELECT
    s.search_key,
    'state_law_federal' AS flag,
    possible_conflict('searcher "' || s.searcher_org || '" is federal; ' || r.citation || ': federal sharing '
        -- a ban is its own rule; a restriction says what the law requires (e.g. a warrant)
        || r.federal_sharing || CASE WHEN r.federal_sharing = 'restricted' THEN ': ' || r.federal_rule ELSE '' END
        || law_rule(r.state, r.effective_from, r.federal_confidence)) AS evidence
FROM searches AS s
JOIN agencies AS searcher ON searcher.name = s.searcher_org
JOIN _state_law_rules AS r
    ON r.agency = s.producer AND s.search_time >= r.starts_at AND s.search_time < r.ends_at
WHERE r.federal_counts
  AND r.federal_sharing IN ('banned', 'restricted')
  AND searcher.federal
