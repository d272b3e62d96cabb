-- title: Producers and their logs
-- answers: Which agencies' logs (producers) are in the release, which kind of log each is
--   (network_audit, org_audit, ...), and how many rows and distinct searches each holds.
-- parameters: none (reads report_searches).
SELECT
    coalesce(producer, '(unknown producer)') AS producer,
    coalesce(log_kind, '(unknown kind)') AS log_kind,
    count(*) AS rows,
    count(DISTINCT search_uid) AS searches,
    count(DISTINCT source_file) AS files,
    min(search_time) AS first_search,
    max(search_time) AS last_search
FROM report_searches
GROUP BY ALL
ORDER BY rows DESC, producer, log_kind
