-- title: Immigration-related searches by month and by hour of day, with every search in the logs
-- answers: How many distinct immigration-related searches were run each month and at each hour of
--   the day (by search time in UTC), both tiers apart, beside how many distinct searches the
--   producers' logs hold in that month or hour, so a rise can be told from a month with more logs.
--   Every month from the first search to the last is listed, and every hour, zero where none.
--   Columns: per ('month' or 'hour'), period ('2025-03', or the hour '00' to '23'), the two tiers'
--   searches, searches (all searches in the logs), immigration_per_1000_searches.
-- counting: as in flag_counts.sql, distinct search ids are counted only among the rows of searches
--   with several rows; every other row is one search.
-- limits: hours are UTC, not the producer's local hour.
-- parameters: none (reads report_facts, report_shared_searches, report_flags).
WITH
periods AS (
    SELECT 'month' AS per, strftime(month_start, '%Y-%m') AS period
    FROM (
        SELECT unnest(generate_series(
            date_trunc('month', min(search_time)), date_trunc('month', max(search_time)), INTERVAL 1 MONTH
        )) AS month_start
        FROM report_facts
    )
    WHERE month_start IS NOT NULL
    UNION ALL
    SELECT 'hour' AS per, lpad(CAST(h AS VARCHAR), 2, '0') AS period
    FROM range(24) AS t (h)
),

facts AS (
    SELECT
        strftime(search_time, '%Y-%m') AS month,
        strftime(search_time, '%H') AS hour,
        search_hash,
        search_hash IN (SELECT search_hash FROM report_shared_searches) AS shared_search
    FROM report_facts
    WHERE search_time IS NOT NULL
),

-- one pass for both: GROUPING SETS counts the months and the hours apart
searches AS (
    SELECT
        CASE WHEN grouping(month) = 0 THEN 'month' ELSE 'hour' END AS per,
        coalesce(month, hour) AS period,
        count(*) FILTER (WHERE NOT shared_search)
        + count(DISTINCT search_hash) FILTER (WHERE shared_search) AS searches
    FROM facts
    GROUP BY GROUPING SETS ((month), (hour))
),

immigration AS (
    SELECT
        CASE WHEN grouping(month) = 0 THEN 'month' ELSE 'hour' END AS per,
        coalesce(month, hour) AS period,
        count(DISTINCT search_hash) FILTER (WHERE flag = 'immigration') AS immigration_searches,
        count(DISTINCT search_hash) FILTER (WHERE flag = 'immigration_agency') AS immigration_agency_searches
    FROM (
        SELECT flag, search_hash, strftime(search_time, '%Y-%m') AS month, strftime(search_time, '%H') AS hour
        FROM report_flags
        WHERE flag IN ('immigration', 'immigration_agency') AND search_time IS NOT NULL
    )
    GROUP BY GROUPING SETS ((month), (hour))
)

SELECT
    p.per,
    p.period,
    coalesce(i.immigration_searches, 0) AS immigration_searches,
    coalesce(i.immigration_agency_searches, 0) AS immigration_agency_searches,
    coalesce(s.searches, 0) AS searches,
    CASE WHEN s.searches > 0 THEN round(1000.0 * coalesce(i.immigration_searches, 0) / s.searches, 1) END
        AS immigration_per_1000_searches
FROM periods AS p
LEFT JOIN searches AS s USING (per, period)
LEFT JOIN immigration AS i USING (per, period)
ORDER BY p.per DESC, p.period
