-- title: The reasons behind each finding, most frequent first
-- answers: For every flag, the ten reasons (as typed, compared exactly) given by the most distinct
--   searches, with their searches and rows, so a reporter sees what drives the number.
-- counting: as in flag_counts.sql, distinct search ids are counted only among the rows of searches
--   with several rows (shared_search); every other row is one search.
-- parameters: none (reads report_flags).
WITH
rows_per_reason AS (
    SELECT
        flag,
        reason,
        count(*) AS rows,
        count(*) FILTER (WHERE NOT shared_search) AS searches_with_one_row
    FROM report_flags
    GROUP BY ALL
),

shared_searches_per_reason AS (
    SELECT flag, reason, count(DISTINCT search_hash) AS searches_with_several_rows
    FROM report_flags
    WHERE shared_search
    GROUP BY ALL
),

searches_per_reason AS (
    SELECT
        r.flag,
        r.reason,
        r.searches_with_one_row + coalesce(s.searches_with_several_rows, 0) AS searches,
        r.rows
    FROM rows_per_reason AS r
    LEFT JOIN shared_searches_per_reason AS s ON s.flag = r.flag AND s.reason IS NOT DISTINCT FROM r.reason
)

SELECT flag, reason, searches, rows
FROM searches_per_reason
QUALIFY row_number() OVER (PARTITION BY flag ORDER BY searches DESC, rows DESC, reason NULLS FIRST) <= 10
ORDER BY flag, searches DESC, rows DESC, reason NULLS FIRST
