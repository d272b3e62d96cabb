-- title: Each finding by searching organisation
-- answers: For every flag, which organisations ran the flagged searches, in which state (from the
--   agencies table, when known; "Federal" for federal agencies), how many rows and distinct searches, and over which dates.
-- counting: as in flag_counts.sql, distinct search ids are counted only among the rows of searches
--   with several rows (shared_search); every other row is one search.
-- parameters: none (reads report_flags, report_agencies).
WITH
rows_per_org AS (
    SELECT
        flag,
        coalesce(searcher_org, '(no organisation given)') AS searcher_org,
        count(*) AS rows,
        count(*) FILTER (WHERE NOT shared_search) AS searches_with_one_row,
        min(search_time) AS first_search,
        max(search_time) AS last_search
    FROM report_flags
    GROUP BY ALL
),

shared_searches_per_org AS (
    SELECT
        flag,
        coalesce(searcher_org, '(no organisation given)') AS searcher_org,
        count(DISTINCT search_hash) AS searches_with_several_rows
    FROM report_flags
    WHERE shared_search
    GROUP BY ALL
)

SELECT
    r.flag,
    r.searcher_org,
    coalesce(a.state, CASE WHEN a.federal THEN 'Federal' END) AS state,
    r.rows,
    r.searches_with_one_row + coalesce(s.searches_with_several_rows, 0) AS searches,
    r.first_search,
    r.last_search
FROM rows_per_org AS r
LEFT JOIN shared_searches_per_org AS s USING (flag, searcher_org)
LEFT JOIN report_agencies AS a ON a.name = r.searcher_org
ORDER BY r.flag, searches DESC, r.rows DESC, r.searcher_org
