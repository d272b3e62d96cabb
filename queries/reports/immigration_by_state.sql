-- title: Immigration-related searches by the searching agency's state
-- answers: In which states the organisations that ran immigration-related searches are, both
--   tiers apart, in distinct searches. The state comes from the agencies table; organisations it
--   cannot place are counted under "(unknown)".
-- parameters: none (reads report_flags, report_agencies).
SELECT
    coalesce(a.state, '(unknown)') AS state,
    count(DISTINCT f.search_hash) FILTER (WHERE f.flag = 'immigration') AS immigration_searches,
    count(DISTINCT f.search_hash) FILTER (WHERE f.flag = 'immigration_agency') AS immigration_agency_searches
FROM report_flags f
LEFT JOIN report_agencies a ON a.name = f.searcher_org
WHERE f.flag IN ('immigration', 'immigration_agency')
GROUP BY 1
ORDER BY immigration_searches + immigration_agency_searches DESC, state
