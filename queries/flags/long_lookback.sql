-- flag: long_lookback
-- title: Long lookbacks (beyond retention)
-- section: accountability
-- order: 30
-- answers: which searches reached further back than the agency's retention promise: search time
--   minus the start of the searched time frame above retention_days.
-- how: measured exactly in seconds (epoch difference > retention_days * 86400), not by calendar days:
--   30 days and one second is over 30; exactly 30 days is not.
-- evidence: reached back 45.50 days (time frame from 2025-10-01 00:00:00 UTC, searched 2025-11-15
--   12:00:00 UTC); over 30 days.
-- param: retention_days = 30 (integer) how far back (days) a search may reach before it is flagged
-- limits: needs both the Time Frame and Search Time columns; rows missing either are not flagged.
--   A long time frame shows what was asked for, not that older data was returned.
-- sentence: the search reached back more than {retention_days} days
-- followup: no
SELECT
    search_key,
    'long_lookback' AS flag,
    'reached back ' || printf('%.2f', (epoch(search_time) - epoch(time_frame_start)) / 86400.0)
        || ' days (time frame from ' || strftime(time_frame_start AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S')
        || ' UTC, searched ' || strftime(search_time AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S')
        || ' UTC); over ' || CAST(getvariable('retention_days') AS VARCHAR) || ' days' AS evidence
FROM searches
WHERE search_time IS NOT NULL
  AND time_frame_start IS NOT NULL
  AND epoch(search_time) - epoch(time_frame_start) > CAST(getvariable('retention_days') AS DOUBLE) * 86400
