-- title: School-owned cameras and who searched them
-- answers: For searches that reached a school's or campus's cameras (flag `school_camera`: the
--   producer whose cameras were searched is a school or campus), which school and which searching
--   organisation, in rows and distinct searches.
-- counting: as in flag_counts.sql, distinct search ids are counted only among the rows of searches
--   with several rows (shared_search); every other row is one search.
-- parameters: none (reads report_flags).
WITH
school_camera_rows AS (
    SELECT
        coalesce(producer, '(unknown producer)') AS school_producer,
        coalesce(searcher_org, '(no organisation given)') AS searcher_org,
        search_hash,
        shared_search
    FROM report_flags
    WHERE flag = 'school_camera'
),

rows_per_pair AS (
    SELECT
        school_producer,
        searcher_org,
        count(*) AS rows,
        count(*) FILTER (WHERE NOT shared_search) AS searches_with_one_row
    FROM school_camera_rows
    GROUP BY ALL
),

shared_searches_per_pair AS (
    SELECT school_producer, searcher_org, count(DISTINCT search_hash) AS searches_with_several_rows
    FROM school_camera_rows
    WHERE shared_search
    GROUP BY ALL
)

SELECT
    r.school_producer,
    r.searcher_org,
    r.rows,
    r.searches_with_one_row + coalesce(s.searches_with_several_rows, 0) AS searches
FROM rows_per_pair AS r
LEFT JOIN shared_searches_per_pair AS s USING (school_producer, searcher_org)
ORDER BY searches DESC, r.school_producer, r.searcher_org
