-- title: Immigration-related searches by month and by hour of day, with every search in the logs
-- answers: How many distinct immigration-related searches were run each month and at each hour of
--   the day (by search time in UTC), both tiers apart, beside how many distinct searches the
--   producers' logs hold in that month or hour, so a rise can be told from a month with more logs.
--   Every month from the first search to the last is listed, and every hour, zero where none.
--   Columns: per ('month' or 'hour'), period ('2025-03', or the hour '00' to '23'), the two tiers'
--   searches, searches (all searches in the logs), immigration_per_1000_searches.
-- counting: each search once: a search with several rows (one search in several logs) counts in the
--   hour (and month) of its first row; every other row is one search.
-- how: rows are grouped by their hour since 1970 (a whole number, cheap for millions of rows); the
--   months and the hours of the day are read off those few groups.
-- limits: hours are UTC, not the producer's local hour.
-- parameters: none (reads report_facts, report_shared_searches, report_flags).
WITH
-- each row's hour since 1970 (UTC), a whole number: cheap to compute and group for millions of rows;
-- months and hours of the day are read off the few groups
row_hours AS (
    SELECT epoch_us(search_time) // 3600000000 AS hour_index, search_hash
    FROM report_facts
    WHERE search_time IS NOT NULL
),

rows_per_hour AS (
    SELECT hour_index, count(*) AS rows FROM row_hours GROUP BY 1
),

-- a search with several rows counts once, in the hour of its first row
shared_rows AS (
    SELECT r.* FROM row_hours AS r SEMI JOIN report_shared_searches AS s USING (search_hash)
),

shared_per_hour AS (
    SELECT hour_index, sum(extra) AS extra_rows
    FROM (
        SELECT hour_index, count(*) AS extra FROM shared_rows GROUP BY 1
        UNION ALL
        SELECT min(hour_index), -1 FROM shared_rows GROUP BY search_hash
    )
    GROUP BY 1
),

searches_per_hour AS (
    SELECT r.hour_index, r.rows - coalesce(s.extra_rows, 0) AS searches
    FROM rows_per_hour AS r LEFT JOIN shared_per_hour AS s USING (hour_index)
),

-- immigration-related searches (few): each counted once per tier, in the hour of its first row
immigration_per_hour AS (
    SELECT
        hour_index,
        count(*) FILTER (WHERE flag = 'immigration') AS immigration_searches,
        count(*) FILTER (WHERE flag = 'immigration_agency') AS immigration_agency_searches
    FROM (
        SELECT flag, search_hash, min(epoch_us(search_time) // 3600000000) AS hour_index
        FROM report_flags
        WHERE flag IN ('immigration', 'immigration_agency') AND search_time IS NOT NULL
        GROUP BY ALL
    )
    GROUP BY 1
),

per_hour AS (
    SELECT
        strftime(make_timestamp(s.hour_index * 3600000000), '%Y-%m') AS month,
        lpad(CAST(s.hour_index % 24 AS VARCHAR), 2, '0') AS hour,
        s.searches,
        coalesce(i.immigration_searches, 0) AS immigration_searches,
        coalesce(i.immigration_agency_searches, 0) AS immigration_agency_searches
    FROM searches_per_hour AS s
    LEFT JOIN immigration_per_hour AS i USING (hour_index)
),

totals AS (
    SELECT
        CASE WHEN grouping(month) = 0 THEN 'month' ELSE 'hour' END AS per,
        coalesce(month, hour) AS period,
        sum(searches) AS searches,
        sum(immigration_searches) AS immigration_searches,
        sum(immigration_agency_searches) AS immigration_agency_searches
    FROM per_hour
    GROUP BY GROUPING SETS ((month), (hour))
),

periods AS (
    SELECT 'month' AS per, strftime(month_start, '%Y-%m') AS period
    FROM (
        SELECT unnest(generate_series(
            date_trunc('month', make_timestamp(min(hour_index) * 3600000000)),
            date_trunc('month', make_timestamp(max(hour_index) * 3600000000)), INTERVAL 1 MONTH
        )) AS month_start
        FROM rows_per_hour
    )
    WHERE month_start IS NOT NULL
    UNION ALL
    SELECT 'hour' AS per, lpad(CAST(h AS VARCHAR), 2, '0') AS period
    FROM range(24) AS t (h)
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
