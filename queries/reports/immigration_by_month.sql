-- title: Immigration-related searches by month
-- answers: How many distinct immigration-related searches were run each month (by search time in
--   UTC), both tiers apart.
-- parameters: none (reads report_flags).
SELECT
    strftime(date_trunc('month', f.search_time), '%Y-%m') AS month,
    count(DISTINCT f.search_hash) FILTER (WHERE f.flag = 'immigration') AS immigration_searches,
    count(DISTINCT f.search_hash) FILTER (WHERE f.flag = 'immigration_agency') AS immigration_agency_searches
FROM report_flags f
WHERE f.flag IN ('immigration', 'immigration_agency') AND f.search_time IS NOT NULL
GROUP BY 1
ORDER BY 1
