-- flag: state_law_immigration
-- title: Immigration search under a state law that bans it
-- section: state_law
-- order: 40
-- answers: which searches that state an immigration-enforcement purpose (the `immigration` flag's tier)
--   searched cameras in a state whose law bans or limits immigration use (Illinois since 2024), or were
--   run by an agency of such a state, at the time of the search.
-- how: the rows of _immigration_matches with tier immigration; the rule is the version in force at the
--   search time for the producer's state and, separately, for the searcher's state (`agencies` view).
-- evidence: immigration purpose stated (reason: "ICE detainer" (term: ice detainer)); cameras in IL:
--   625 ILCS 5/2-130 (P.A. 103-0540, HB 3326): immigration use banned (IL rule in effect from
--   2024-01-01, confidence high). A possible conflict, not a finding of one. A restriction adds what the
--   law allows (e.g. with a judicial warrant).
-- param: law_confidence = medium (text) the least confidence (high, medium or low) of a law-table rule that may flag; rules of rows nobody reviewed flag only with low
-- limits: a reason states a purpose, it does not prove it; a criminal case with an immigration word may
--   fall outside the ban, and some laws allow it with a judicial warrant. Only the immigration tier:
--   immigration_agency rows are not here.
-- sentence: an immigration purpose was stated under a state law that bans or limits that use (a possible conflict, not a finding)
-- followup: no
WITH
rules_hit AS (
    SELECT
        s.search_key,
        0 AS position,
        'cameras in ' || r.state || ': ' || r.citation || ': immigration use ' || r.immigration_use
            -- a ban is its own rule; a restriction says what the law allows (e.g. with a judicial warrant)
            || CASE WHEN r.immigration_use = 'restricted' THEN ': ' || r.immigration_rule ELSE '' END
            || law_rule(r.state, r.effective_from, r.immigration_confidence) AS why
    FROM searches AS s
    JOIN _state_law_rules AS r
        ON r.agency = s.producer AND s.search_time >= r.starts_at AND s.search_time < r.ends_at
    WHERE r.immigration_counts AND r.immigration_use IN ('banned', 'restricted')
    UNION ALL
    SELECT
        s.search_key,
        1 AS position,
        'searcher "' || s.searcher_org || '" is an agency of ' || r.state || ': ' || r.citation
            || ': immigration use ' || r.immigration_use
            || CASE WHEN r.immigration_use = 'restricted' THEN ': ' || r.immigration_rule ELSE '' END
            || law_rule(r.state, r.effective_from, r.immigration_confidence)
    FROM searches AS s
    JOIN _state_law_rules AS r
        ON r.agency = s.searcher_org AND s.search_time >= r.starts_at AND s.search_time < r.ends_at
    WHERE r.immigration_counts AND r.immigration_use IN ('banned', 'restricted') AND NOT r.agency_federal
)

SELECT
    m.search_key,
    'state_law_immigration' AS flag,
    possible_conflict('immigration purpose stated (' || any_value(m.evidence) || '); '
        || string_agg(h.why, '; ' ORDER BY h.position)) AS evidence
FROM _immigration_matches AS m
JOIN rules_hit AS h ON h.search_key = m.search_key
WHERE m.tier = 'immigration'
GROUP BY m.search_key
