-- Shared by the state_law_* flags (a helper view, `_state_law_rules`).
-- answers: for each organisation of the `agencies` view with a state, each version of its state's ALPR
--   rules in queries/law/state_alpr_laws.csv, with the moment it took effect and ended (midnight of the
--   date in the state's time zone, as UTC; a version still in force ends at infinity), and for each rule
--   (retention, out_of_state, federal, immigration, purpose) its confidence and whether it counts.
-- how: a rule's confidence is the row's, unless confidence_by_rule names that rule (e.g.
--   retention=low). A rule counts when its confidence is at least law_confidence AND its row was
--   reviewed against a text (the `reviewed` column); with law_confidence=low every rule counts.
-- parameters: law_confidence (declared in each state_law_* flag): high, medium (default) or low.
WITH
asked AS (
    SELECT CASE lower(trim(CAST(getvariable('law_confidence') AS VARCHAR)))
        WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1
        ELSE error('law_confidence must be high, medium or low, not "'
                   || CAST(getvariable('law_confidence') AS VARCHAR) || '"')
    END AS level
),

laws AS (
    SELECT *
    FROM read_csv(getvariable('queries_dir') || '/law/state_alpr_laws.csv', header = true, all_varchar = true)
    WHERE citation <> 'none'
),

-- one row per (version, rule): the rule's confidence, and whether it counts at the level asked for
rule_levels AS (
    SELECT
        l.state,
        l.effective_from,
        r.rule,
        coalesce(nullif(regexp_extract(coalesce(l.confidence_by_rule, ''), '(^|;)' || r.rule || '=(\w+)', 2), ''),
                 l.confidence) AS confidence,
        coalesce(trim(l.reviewed), '') <> '' AS reviewed
    FROM laws AS l
    CROSS JOIN (VALUES ('retention'), ('out_of_state'), ('federal'), ('immigration'), ('purpose')) AS r(rule)
),

counted AS (
    SELECT
        v.*,
        (CASE v.confidence WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END >= a.level
         AND (v.reviewed OR a.level = 1)) AS counts
    FROM rule_levels AS v, asked AS a
),

by_version AS (
    SELECT
        state,
        effective_from,
        any_value(confidence) FILTER (WHERE rule = 'retention') AS retention_confidence,
        bool_or(counts) FILTER (WHERE rule = 'retention') AS retention_counts,
        any_value(confidence) FILTER (WHERE rule = 'out_of_state') AS out_of_state_confidence,
        bool_or(counts) FILTER (WHERE rule = 'out_of_state') AS out_of_state_counts,
        any_value(confidence) FILTER (WHERE rule = 'federal') AS federal_confidence,
        bool_or(counts) FILTER (WHERE rule = 'federal') AS federal_counts,
        any_value(confidence) FILTER (WHERE rule = 'immigration') AS immigration_confidence,
        bool_or(counts) FILTER (WHERE rule = 'immigration') AS immigration_counts,
        any_value(confidence) FILTER (WHERE rule = 'purpose') AS purpose_confidence,
        bool_or(counts) FILTER (WHERE rule = 'purpose') AS purpose_counts
    FROM counted
    GROUP BY state, effective_from
)

SELECT
    a.name AS agency,
    coalesce(a.federal, false) AS agency_federal,
    l.state,
    l.citation,
    l.effective_from,
    timezone(l.zone, CAST(l.effective_from AS TIMESTAMP)) AS starts_at,
    coalesce(timezone(l.zone, CAST(l.effective_to AS TIMESTAMP)), CAST('infinity' AS TIMESTAMPTZ)) AS ends_at,
    CAST(l.retention_days AS DOUBLE) AS retention_days,
    l.out_of_state_sharing,
    l.out_of_state_rule,
    l.federal_sharing,
    l.federal_rule,
    l.immigration_use,
    l.immigration_rule,
    l.purpose_required,
    l.purpose_rule,
    b.* EXCLUDE (state, effective_from)
FROM agencies AS a
JOIN laws AS l ON l.state = a.state
JOIN by_version AS b ON b.state = l.state AND b.effective_from = l.effective_from
