-- title: Findings at a glance
-- answers: For every flag, how many rows carry it, how many distinct searches those rows are,
--   and how many searching organisations ran them.
-- counting: a row whose search has no other row in the release is one search by itself; only the
--   rows of searches with several rows (shared_search) are counted by distinct search id. The
--   result is the same as counting distinct ids for every row, and much faster on big releases.
--   Organisations are counted by agency (report_agencies.organisation: `DNU - X` and `X` are one).
-- parameters: none (reads report_flags: the `flags` view joined to report_searches, built once
--   per report; search_hash is a 64-bit hash of search_uid, the distinct-search identity).
WITH
rows_per_flag AS (
    SELECT
        flag,
        count(*) AS rows,
        count(*) FILTER (WHERE NOT shared_search) AS searches_with_one_row
    FROM report_flags
    GROUP BY flag
),

shared_searches_per_flag AS (
    SELECT flag, count(DISTINCT search_hash) AS searches_with_several_rows
    FROM report_flags
    WHERE shared_search
    GROUP BY flag
),

organisations_per_flag AS (
    SELECT n.flag, count(DISTINCT coalesce(a.organisation, CAST(n.searcher_org AS VARCHAR))) AS searcher_orgs
    FROM (SELECT DISTINCT flag, searcher_org FROM report_flags WHERE searcher_org IS NOT NULL) AS n
    LEFT JOIN report_agencies AS a ON a.name = n.searcher_org
    GROUP BY n.flag
)

SELECT
    r.flag,
    r.rows,
    r.searches_with_one_row + coalesce(s.searches_with_several_rows, 0) AS searches,
    coalesce(o.searcher_orgs, 0) AS searcher_orgs
FROM rows_per_flag AS r
LEFT JOIN shared_searches_per_flag AS s USING (flag)
LEFT JOIN organisations_per_flag AS o USING (flag)
ORDER BY r.flag
