-- title: The period each file covers, as its searches show it
-- answers: For every file with searches, its producer and log kind, its first and last search
--   time (UTC) and its rows. The report reads the period a Flock file's name gives (e.g.
--   9_1_2025-9_30_2025-...) when it has one, else these first and last times, to say which months
--   the files cover only in part.
-- parameters: none (reads report_searches).
SELECT
    source_file,
    any_value(producer) AS producer,
    any_value(log_kind) AS log_kind,
    min(search_time) AS first_search,
    max(search_time) AS last_search,
    count(*) AS rows
FROM report_searches
GROUP BY source_file
ORDER BY source_file
