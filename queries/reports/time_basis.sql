-- title: How the times were read
-- answers: How many rows (and files) have times as the export wrote them in UTC, local times
--   converted from a known zone (with how the zone was chosen), or local times whose zone is not
--   known (stored as if UTC: off by the producer's UTC offset).
-- parameters: none (reads report_searches; run only when the store records time_basis).
SELECT
    coalesce(s.time_basis, 'utc') AS time_basis,
    count(*) AS rows,
    count(DISTINCT s.source_file) AS files,
    string_agg(DISTINCT s.producer, '; ' ORDER BY s.producer) AS producers
FROM report_searches AS s
GROUP BY 1
ORDER BY rows DESC, time_basis
