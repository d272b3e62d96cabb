-- title: Immigration-related searches by month and by hour of day, with every search in the logs
-- answers: How many distinct immigration-related searches were run each month and at each hour of
--   the day, both tiers apart, beside how many distinct searches the producers' logs hold in that month
--   or hour, so a rise can be told from a month with more logs. Months and the rows per 'hour' go by the
--   search time in UTC; the rows per 'local_hour' give the hour of day in the local time of the producer
--   (the agency whose cameras were searched), and their last row, period 'zone unknown', counts the
--   searches whose local hour is not known (the producer's zone is not known).
--   Every month from the first search to the last is listed, and every hour, zero where none.
--   Columns: per ('month', 'hour' or 'local_hour'), period ('2025-03', the hour '00' to '23', or
--   'zone unknown'), the two tiers' searches, searches (all searches in the logs),
--   immigration_per_1000_searches.
-- counting: each search once: a search with several rows (one search in several logs) counts in the
--   hour (and month) of its first row; for the local hour, the first row's producer's zone (rows at the
--   same time: a known zone before an unknown one, then the first zone by name); every other row is one
--   search.
-- how: rows are grouped by their quarter hour since 1970 and the zone that gives their local hour
--   (report_facts.local_zone, the producer's zone): a whole number and a short list of zones, cheap for millions of rows; the
--   months, the UTC hours and the local hours (each zone's hour with its daylight saving time, by DuckDB's
--   ICU time zones) are read off those few groups. Quarter hours, as some zones differ from UTC by 30 or
--   45 minutes.
-- limits: the local hour is the producer's (from ingest's --tz, the registry or the producer's state), not
--   necessarily the searcher's. Local times written without a zone (time_basis 'local, zone unknown') are
--   'zone unknown' here, and in the UTC hours at the hour written.
-- parameters: none (reads report_facts, report_shared_searches, report_flags).
WITH
-- each row's quarter hour since 1970 (UTC) and its producer's zone
row_quarters AS (
    SELECT epoch_us(search_time) // 900000000 AS quarter, local_zone, search_hash
    FROM report_facts
    WHERE search_time IS NOT NULL
),

rows_per_quarter AS (
    SELECT quarter, local_zone, count(*) AS rows FROM row_quarters GROUP BY ALL
),

-- a search with several rows counts once, at its first row: the earliest, a known zone before an unknown
-- one, then the first zone by name
shared_rows AS (
    SELECT r.* FROM row_quarters AS r SEMI JOIN report_shared_searches AS s USING (search_hash)
),

shared_per_quarter AS (
    SELECT quarter, local_zone, sum(extra) AS extra_rows
    FROM (
        SELECT quarter, local_zone, count(*) AS extra FROM shared_rows GROUP BY ALL
        UNION ALL
        SELECT first_row.quarter, first_row.local_zone, -1
        FROM (
            SELECT min({'quarter': quarter, 'unknown': local_zone IS NULL, 'local_zone': local_zone}) AS first_row
            FROM shared_rows
            GROUP BY search_hash
        )
    )
    GROUP BY ALL
),

searches_per_quarter AS (
    SELECT r.quarter, r.local_zone, r.rows - coalesce(s.extra_rows, 0) AS searches
    FROM rows_per_quarter AS r
    LEFT JOIN shared_per_quarter AS s ON s.quarter = r.quarter AND s.local_zone IS NOT DISTINCT FROM r.local_zone
),

-- immigration-related searches (few): each counted once per tier, at its first row
immigration_per_quarter AS (
    SELECT
        first_row.quarter,
        first_row.local_zone,
        count(*) FILTER (WHERE flag = 'immigration') AS immigration_searches,
        count(*) FILTER (WHERE flag = 'immigration_agency') AS immigration_agency_searches
    FROM (
        SELECT
            flag,
            search_hash,
            min({'quarter': epoch_us(search_time) // 900000000, 'unknown': local_zone IS NULL, 'local_zone': local_zone})
                AS first_row
        FROM report_flags
        WHERE flag IN ('immigration', 'immigration_agency') AND search_time IS NOT NULL
        GROUP BY ALL
    )
    GROUP BY ALL
),

per_quarter AS (
    SELECT
        strftime(make_timestamp(s.quarter * 900000000), '%Y-%m') AS month,
        lpad(CAST(s.quarter // 4 % 24 AS VARCHAR), 2, '0') AS hour,
        CASE
            WHEN s.local_zone IS NULL THEN 'zone unknown'
            ELSE strftime(timezone(CAST(s.local_zone AS VARCHAR), to_timestamp(s.quarter * 900)), '%H')
        END AS local_hour,
        s.searches,
        coalesce(i.immigration_searches, 0) AS immigration_searches,
        coalesce(i.immigration_agency_searches, 0) AS immigration_agency_searches
    FROM searches_per_quarter AS s
    LEFT JOIN immigration_per_quarter AS i
        ON i.quarter = s.quarter AND i.local_zone IS NOT DISTINCT FROM s.local_zone
),

totals AS (
    SELECT
        CASE WHEN grouping(month) = 0 THEN 'month' WHEN grouping(hour) = 0 THEN 'hour' ELSE 'local_hour' END AS per,
        coalesce(month, hour, local_hour) AS period,
        sum(searches) AS searches,
        sum(immigration_searches) AS immigration_searches,
        sum(immigration_agency_searches) AS immigration_agency_searches
    FROM per_quarter
    GROUP BY GROUPING SETS ((month), (hour), (local_hour))
),

periods AS (
    SELECT 'month' AS per, strftime(month_start, '%Y-%m') AS period
    FROM (
        SELECT unnest(generate_series(
            date_trunc('month', make_timestamp(min(quarter) * 900000000)),
            date_trunc('month', make_timestamp(max(quarter) * 900000000)), INTERVAL 1 MONTH
        )) AS month_start
        FROM rows_per_quarter
    )
    WHERE month_start IS NOT NULL
    UNION ALL
    SELECT per, lpad(CAST(h AS VARCHAR), 2, '0') AS period
    FROM range(24) AS t (h), (VALUES ('hour'), ('local_hour')) AS p (per)
    UNION ALL
    SELECT 'local_hour' AS per, 'zone unknown' AS period
)

SELECT
    p.per,
    p.period,
    CAST(coalesce(t.immigration_searches, 0) AS BIGINT) AS immigration_searches,
    CAST(coalesce(t.immigration_agency_searches, 0) AS BIGINT) AS immigration_agency_searches,
    CAST(coalesce(t.searches, 0) AS BIGINT) AS searches,
    CASE WHEN t.searches > 0 THEN round(1000.0 * coalesce(t.immigration_searches, 0) / t.searches, 1) END
        AS immigration_per_1000_searches
FROM periods AS p
LEFT JOIN totals AS t USING (per, period)
ORDER BY p.per DESC, p.period
