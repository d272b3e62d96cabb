-- title: The reasons behind each finding, most frequent first
-- answers: For every flag, the ten reasons (as typed, compared exactly) given by the most distinct
--   searches, with their searches and rows, so a reporter sees what drives the number.
-- parameters: none (reads report_flags, report_searches).
SELECT flag, reason, searches, rows
FROM (
    SELECT
        f.flag,
        s.reason,
        count(DISTINCT f.search_uid) AS searches,
        count(*) AS rows
    FROM report_flags f
    JOIN report_searches s USING (search_key)
    GROUP BY 1, 2
)
QUALIFY row_number() OVER (PARTITION BY flag ORDER BY searches DESC, rows DESC, reason NULLS FIRST) <= 10
ORDER BY flag, searches DESC, rows DESC, reason NULLS FIRST
