-- title: Findings at a glance
-- answers: For every flag, how many rows carry it, how many distinct searches those rows are,
--   and how many searching organisations ran them.
-- parameters: none (reads report_flags: the `flags` view joined to report_searches, built once
--   per report; search_hash is a 64-bit hash of search_uid, the distinct-search identity).
SELECT
    flag,
    count(*) AS rows,
    count(DISTINCT search_hash) AS searches,
    count(DISTINCT searcher_org) AS searcher_orgs
FROM report_flags
GROUP BY flag
ORDER BY flag
