-- title: Each finding by searching organisation
-- answers: For every flag, which organisations ran the flagged searches, in which state (from the
--   agencies table, when known), how many rows and distinct searches, and over which dates.
-- parameters: none (reads report_flags, report_agencies).
SELECT
    f.flag,
    coalesce(f.searcher_org, '(no organisation given)') AS searcher_org,
    any_value(a.state) AS state,
    count(*) AS rows,
    count(DISTINCT f.search_hash) AS searches,
    min(f.search_time) AS first_search,
    max(f.search_time) AS last_search
FROM report_flags f
LEFT JOIN report_agencies a ON a.name = f.searcher_org
GROUP BY 1, 2
ORDER BY flag, searches DESC, rows DESC, searcher_org
