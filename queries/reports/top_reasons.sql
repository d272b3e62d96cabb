-- title: The reasons behind each finding, most frequent first
-- answers: For every flag, the ten reasons (as typed, compared exactly) given by the most distinct
--   searches, with their searches and rows, so a reporter sees what drives the number.
-- counting: as in flag_counts.sql, distinct search ids are counted only among the rows of searches
--   with several rows (shared_search); every other row is one search.
-- how: reasons are grouped by reason_hash (a 64-bit hash of the text); the text of each leading
--   reason, ties at the tenth place included, is then taken from a row the report prints with the same
--   reason (report_printed_searches), or else from one of its rows in the store (report_searches,
--   read only when some leading reason is not among the printed rows).
-- parameters: none (reads report_flags, report_printed_searches and report_searches).
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

printed_reasons AS (
    SELECT hash(reason) AS reason_hash, any_value(reason) AS reason
    FROM report_printed_searches
    WHERE hash(reason) IN (SELECT reason_hash FROM leading_reasons)
    GROUP BY 1
),

leading_reasons_as_typed AS (
    SELECT l.flag, p.reason, l.searches, l.rows
    FROM leading_reasons AS l
    JOIN printed_reasons AS p USING (reason_hash)
    UNION ALL
    SELECT l.flag, s.reason, l.searches, l.rows
    FROM (SELECT * FROM leading_reasons WHERE reason_hash NOT IN (SELECT reason_hash FROM printed_reasons)) AS l
    JOIN report_searches AS s ON s.rid = l.example_rid
)

SELECT flag, reason, searches, rows
FROM leading_reasons_as_typed
QUALIFY row_number() OVER (PARTITION BY flag ORDER BY searches DESC, rows DESC, reason NULLS FIRST) <= 10
ORDER BY flag, searches DESC, rows DESC, reason NULLS FIRST
