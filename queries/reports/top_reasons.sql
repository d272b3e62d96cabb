-- title: The reasons behind each finding, most frequent first
-- answers: For every flag, the ten reasons (as typed, compared exactly) given by the most distinct
--   searches, with their searches and rows, so a reporter sees what drives the number.
-- how: counting distinct searches for every reason of every flag is the slowest summary of a big
--   release, and exact counts are only needed near the top. A reason's searches never exceed its
--   rows, so: count rows per reason; take the ten reasons with the most rows and count their
--   searches; the smallest of those ten counts is a floor that every top-ten reason reaches; count
--   searches exactly for every reason with at least that many rows, and rank those.
-- parameters: none (reads report_flags).
WITH
reason_rows AS (
    SELECT flag, reason, count(*) AS rows
    FROM report_flags
    GROUP BY ALL
),

most_rows AS (
    SELECT flag, reason
    FROM reason_rows
    QUALIFY row_number() OVER (PARTITION BY flag ORDER BY rows DESC, reason NULLS FIRST) <= 10
),

most_rows_searches AS (
    SELECT f.flag, count(DISTINCT f.search_hash) AS searches
    FROM report_flags AS f
    SEMI JOIN most_rows AS m ON m.flag = f.flag AND m.reason IS NOT DISTINCT FROM f.reason
    GROUP BY f.flag, f.reason
),

floors AS (
    SELECT flag, CASE WHEN count(*) >= 10 THEN min(searches) ELSE 0 END AS floor
    FROM most_rows_searches
    GROUP BY flag
),

candidates AS (
    SELECT r.flag, r.reason, r.rows
    FROM reason_rows AS r
    JOIN floors AS fl USING (flag)
    WHERE r.rows >= fl.floor
),

candidate_searches AS (
    SELECT f.flag, f.reason, count(DISTINCT f.search_hash) AS searches
    FROM report_flags AS f
    SEMI JOIN candidates AS c ON c.flag = f.flag AND c.reason IS NOT DISTINCT FROM f.reason
    GROUP BY ALL
)

SELECT c.flag, c.reason, s.searches, c.rows
FROM candidates AS c
JOIN candidate_searches AS s ON s.flag = c.flag AND s.reason IS NOT DISTINCT FROM c.reason
QUALIFY row_number() OVER (PARTITION BY c.flag ORDER BY s.searches DESC, c.rows DESC, c.reason NULLS FIRST) <= 10
ORDER BY c.flag, s.searches DESC, c.rows DESC, c.reason NULLS FIRST
