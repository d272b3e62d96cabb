-- flag: state_law_no_purpose
-- title: No stated purpose where the state requires one
-- section: state_law
-- order: 50
-- answers: which searches give a blank or vague reason (the rules of blank_reason and vague_reason) on
--   cameras in a state whose law requires a purpose to be recorded for each access (California since
--   2016), at the time of the search.
-- how: the rows of _blank_reasons and _vague_reasons; the rule is the producer state's version in force
--   at the search time.
-- evidence: reason is blank; Cal. Civ. Code §§ 1798.90.5-.55 (SB 34, 2015): a purpose must be recorded
--   for each access (CA rule in effect from 2016-01-01, confidence high). A possible conflict, not a
--   finding of one.
-- param: law_confidence = medium (text) the least confidence (high, medium or low) of a law-table rule that may flag; rules of rows nobody reviewed flag only with low
-- limits: the purpose may be recorded elsewhere (a case file, a second field the export dropped); a
--   reason masked before release is not blank, and files without a reason column say nothing.
-- sentence: no purpose was given where the state requires one for each access (a possible conflict, not a finding)
-- followup: no
WITH
unstated AS (
    SELECT search_key, 'reason is blank' AS why FROM _blank_reasons
    UNION ALL
    SELECT s.search_key, 'reason: "' || s.reason || '" ' || v.why
    FROM searches AS s
    JOIN _vague_reasons AS v ON v.reason = s.reason
    WHERE NOT coalesce(list_contains(s.redacted, 'reason'), false)
)

SELECT
    s.search_key,
    'state_law_no_purpose' AS flag,
    possible_conflict(u.why || '; ' || r.citation || ': a purpose must be recorded for each access'
        || law_rule(r.state, r.effective_from, r.purpose_confidence)) AS evidence
FROM unstated AS u
JOIN searches AS s ON s.search_key = u.search_key
JOIN _state_law_rules AS r
    ON r.agency = s.producer AND s.search_time >= r.starts_at AND s.search_time < r.ends_at
WHERE r.purpose_counts AND r.purpose_required = 'yes'
