-- title: State-law rules in force for the store's producers
-- answers: for each producer (the agency whose cameras were searched), its state (agencies view) and each
--   version of that state's ALPR rules in queries/law/state_alpr_laws.csv in force at some time between
--   its first and last search: citation, dates, the rules, confidence, whether the row was reviewed
--   against a text, and which rules flag at the law_confidence in force (the state_law_* flags).
-- parameters: law_confidence (declared in the state_law_* flags).
WITH
producers AS (
    SELECT s.producer, any_value(p.state) AS state, count(*) AS rows,
           min(s.search_time) AS first_search, max(s.search_time) AS last_search
    FROM searches AS s
    LEFT JOIN agencies AS p ON p.name = s.producer
    WHERE s.producer IS NOT NULL
    GROUP BY s.producer
),

laws AS (
    SELECT * FROM read_csv(getvariable('queries_dir') || '/law/state_alpr_laws.csv', header = true,
                           all_varchar = true)
),

flagging AS (
    SELECT DISTINCT
        state,
        effective_from,
        concat_ws(', ',
                  CASE WHEN retention_counts AND retention_days IS NOT NULL THEN 'retention' END,
                  CASE WHEN out_of_state_counts AND out_of_state_sharing IN ('banned', 'restricted')
                       THEN 'out_of_state' END,
                  CASE WHEN federal_counts AND federal_sharing IN ('banned', 'restricted') THEN 'federal' END,
                  CASE WHEN immigration_counts AND immigration_use IN ('banned', 'restricted') THEN 'immigration' END,
                  CASE WHEN purpose_counts AND purpose_required = 'yes' THEN 'no_purpose' END) AS flags_at_this_level
    FROM _state_law_rules
)

SELECT
    p.producer,
    p.state,
    p.rows,
    p.first_search,
    p.last_search,
    CASE
        WHEN p.state IS NULL THEN 'state unknown: no state law compared'
        WHEN l.state IS NULL THEN 'not in the law table: no state law compared'
        WHEN l.citation = 'none' THEN 'no state ALPR law found (as of late 2026)'
        ELSE l.citation
    END AS law,
    l.effective_from,
    l.effective_to,
    l.retention_days,
    l.out_of_state_sharing,
    l.federal_sharing,
    l.immigration_use,
    l.purpose_required,
    l.confidence,
    l.confidence_by_rule,
    CASE WHEN l.state IS NULL THEN NULL WHEN coalesce(trim(l.reviewed), '') = '' THEN 'no' ELSE 'yes' END
        AS reviewed,
    nullif(f.flags_at_this_level, '') AS flags_at_this_level,
    l.reviewed AS what_was_checked,
    l.why
FROM producers AS p
LEFT JOIN laws AS l
    ON l.state = p.state
   AND (l.citation = 'none'
        OR (p.last_search >= timezone(l.zone, CAST(l.effective_from AS TIMESTAMP))
            AND (l.effective_to IS NULL OR p.first_search < timezone(l.zone, CAST(l.effective_to AS TIMESTAMP)))))
LEFT JOIN flagging AS f ON f.state = l.state AND f.effective_from = l.effective_from
ORDER BY p.producer, l.effective_from
