-- title: School cameras or school searchers AND an immigration-related reason
-- answers: Which rows are both school-related (flag `school_camera` or `school_searcher`) and
--   immigration-related (flag `immigration` or `immigration_agency`), with the reason as typed and
--   where each row is in the release, with the export's search ID.
-- parameters: none (reads report_flags for the flags; the citation from report_printed_searches, the
--   rows the report prints, or, for rows not among them, from report_searches).
WITH
immigration AS (
    SELECT rid, string_agg(DISTINCT flag, ', ' ORDER BY flag) AS immigration_flags
    FROM report_flags
    WHERE flag IN ('immigration', 'immigration_agency')
    GROUP BY rid
),

-- school rows are many (every row of a school district's Network Audit); only those also
-- immigration-related are kept, before anything is grouped
school_rows AS (
    SELECT f.*
    FROM report_flags AS f
    SEMI JOIN immigration AS i USING (rid)
    WHERE f.flag IN ('school_camera', 'school_searcher')
),

school AS (
    SELECT rid, string_agg(DISTINCT flag, ', ' ORDER BY flag) AS school_flags
    FROM school_rows
    GROUP BY rid
),

-- each row's columns: from the rows the report prints, else from the store (read only when a row is missing)
school_immigration_rows AS (
    SELECT * FROM report_printed_searches
    WHERE rid IN (SELECT rid FROM school)
    UNION ALL BY NAME
    SELECT * FROM report_searches
    WHERE rid IN (SELECT rid FROM school WHERE rid NOT IN (SELECT rid FROM report_printed_searches))
)

SELECT
    r.search_time, r.producer, r.searcher_org, school.school_flags, immigration.immigration_flags,
    r.reason, r.source_file, r.source_sheet, r.source_row, r.source_page, r.search_key, r.search_id
FROM school
JOIN immigration USING (rid)
JOIN school_immigration_rows AS r USING (rid)
ORDER BY r.search_time, r.search_key
