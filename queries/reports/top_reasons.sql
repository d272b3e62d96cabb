-- title: The reasons behind each finding, most frequent first
-- answers: For every flag, the ten reasons (as typed, compared exactly) given by the most distinct
--   searches, with their searches and rows, so a reporter sees what drives the number.
-- parameters: none (reads report_flags).
SELECT flag, reason, searches, rows
FROM (
    SELECT
        flag,
        reason,
        count(DISTINCT search_hash) AS searches,
        count(*) AS rows
    FROM report_flags
    GROUP BY 1, 2
)
QUALIFY row_number() OVER (PARTITION BY flag ORDER BY searches DESC, rows DESC, reason NULLS FIRST) <= 10
ORDER BY flag, searches DESC, rows DESC, reason NULLS FIRST
