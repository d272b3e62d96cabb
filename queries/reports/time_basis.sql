-- title: How the times were read
-- answers: How many rows (and files) have times as the export wrote them in UTC, local times
--   converted from a known zone (with how the zone was chosen), or local times whose zone is not
--   known (stored as if UTC: off by the producer's UTC offset).
-- parameters: none (reads report_searches; a store that does not record time_basis answers
--   "(not recorded)": the report then says times are UTC as stored).
SELECT
    coalesce(s.time_basis, '(not recorded)') AS time_basis,
    count(*) AS rows,
    count(DISTINCT s.source_file) AS files,
    string_agg(DISTINCT s.producer, '; ' ORDER BY s.producer) AS producers
FROM (
    -- time_basis even from a store that does not record it (NULL there)
    SELECT NULL::VARCHAR AS time_basis, NULL::VARCHAR AS source_file, NULL::VARCHAR AS producer WHERE false
    UNION ALL BY NAME
    SELECT * FROM report_searches
) AS s
GROUP BY 1
ORDER BY rows DESC, time_basis
