-- title: Immigration-related searches by agency, both tiers apart
-- answers: Which organisations ran searches whose reason states an immigration-enforcement purpose
--   (tier `immigration`) or names an immigration agency alongside another purpose (tier
--   `immigration_agency`), counted separately, in rows and distinct searches.
-- counting: names of one agency (report_agencies.organisation: `DNU - X` and `X`) are one organisation.
-- parameters: none (reads report_flags, report_agencies).
SELECT
    coalesce(a.organisation, CAST(f.searcher_org AS VARCHAR), '(no organisation given)') AS searcher_org,
    coalesce(any_value(a.state), CASE WHEN bool_or(a.federal) THEN 'Federal' END) AS state,
    count(DISTINCT f.search_hash) FILTER (WHERE f.flag = 'immigration') AS immigration_searches,
    count(*) FILTER (WHERE f.flag = 'immigration') AS immigration_rows,
    count(DISTINCT f.search_hash) FILTER (WHERE f.flag = 'immigration_agency') AS immigration_agency_searches,
    count(*) FILTER (WHERE f.flag = 'immigration_agency') AS immigration_agency_rows
FROM report_flags f
LEFT JOIN report_agencies a ON a.name = f.searcher_org
WHERE f.flag IN ('immigration', 'immigration_agency')
GROUP BY 1
ORDER BY immigration_searches DESC, immigration_agency_searches DESC, searcher_org
