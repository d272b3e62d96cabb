-- title: Immigration-related searches by the searching agency's state
-- answers: In which states the organisations that ran immigration-related searches are, both
--   tiers apart, in distinct searches, and how many organisations (names of one agency count once)
--   each state counts. The state
--   comes from the agencies table; federal agencies (FBI, HSI, Border Patrol...) are "Federal";
--   organisations whose name carries no readable state are counted under "(unknown)".
-- parameters: none (reads report_flags, report_agencies).
WITH
placed AS (
    SELECT
        f.*,
        coalesce(a.organisation, CAST(f.searcher_org AS VARCHAR)) AS organisation,
        CASE
            WHEN a.state IS NOT NULL THEN a.state
            WHEN a.federal THEN 'Federal'
            ELSE '(unknown)'
        END AS state
    FROM report_flags AS f
    LEFT JOIN report_agencies AS a ON a.name = f.searcher_org
    WHERE f.flag IN ('immigration', 'immigration_agency')
)

SELECT
    state,
    count(DISTINCT search_hash) FILTER (WHERE flag = 'immigration') AS immigration_searches,
    count(DISTINCT search_hash) FILTER (WHERE flag = 'immigration_agency') AS immigration_agency_searches,
    count(DISTINCT organisation) AS organisations
FROM placed
GROUP BY 1
ORDER BY immigration_searches + immigration_agency_searches DESC, state
