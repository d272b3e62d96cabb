-- title: School-owned cameras and who searched them
-- answers: For searches that reached a school's or campus's cameras (flag `school_camera`: the
--   producer whose cameras were searched is a school or campus), which school and which searching
--   organisation, in rows and distinct searches.
-- parameters: none (reads report_flags).
SELECT
    coalesce(f.producer, '(unknown producer)') AS school_producer,
    coalesce(f.searcher_org, '(no organisation given)') AS searcher_org,
    count(*) AS rows,
    count(DISTINCT f.search_hash) AS searches
FROM report_flags f
WHERE f.flag = 'school_camera'
GROUP BY ALL
ORDER BY searches DESC, school_producer, searcher_org
