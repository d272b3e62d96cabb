-- title: The reasons behind each finding, most frequent first
-- answers: For every flag, the ten reasons (as typed, compared exactly) given by the most distinct
--   searches, with their searches and rows, so a reporter sees what drives the number.
-- counting: as in flag_counts.sql, distinct search ids are counted only among the rows of searches
--   with several rows (shared_search); every other row is one search.
-- how: reasons are grouped by reason_hash (a 64-bit hash of the text); the text of each leading
--   reason, ties at the tenth place included, is then fetched from one of its rows (report_searches).
-- parameters: none (reads report_flags and report_searches).
WITH
rows_per_reason AS (
    SELECT
        flag,
        reason_hash,
        count(*) AS rows,
        count(*) FILTER (WHERE NOT shared_search) AS searches_with_one_row,
        min(rid) AS example_rid
    FROM report_flags
    GROUP BY ALL
),

shared_searches_per_reason AS (
    SELECT flag, reason_hash, count(DISTINCT search_hash) AS searches_with_several_rows
    FROM report_flags
    WHERE shared_search
    GROUP BY ALL
),

searches_per_reason AS (
    SELECT
        r.flag,
        r.reason_hash,
        r.example_rid,
        r.searches_with_one_row + coalesce(s.searches_with_several_rows, 0) AS searches,
        r.rows
    FROM rows_per_reason AS r
    LEFT JOIN shared_searches_per_reason AS s ON s.flag = r.flag AND s.reason_hash = r.reason_hash
),

leading_reasons AS (
    SELECT *
    FROM searches_per_reason
    QUALIFY rank() OVER (PARTITION BY flag ORDER BY searches DESC, rows DESC) <= 10
),

leading_reasons_as_typed AS (
    SELECT l.flag, s.reason, l.searches, l.rows
    FROM leading_reasons AS l
    JOIN report_searches AS s ON s.rid = l.example_rid
)

SELECT flag, reason, searches, rows
FROM leading_reasons_as_typed
QUALIFY row_number() OVER (PARTITION BY flag ORDER BY searches DESC, rows DESC, reason NULLS FIRST) <= 10
ORDER BY flag, searches DESC, rows DESC, reason NULLS FIRST
