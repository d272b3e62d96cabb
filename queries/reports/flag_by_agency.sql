-- title: Each finding by searching organisation
-- answers: For every flag, which organisations ran the flagged searches, in which state (from the
--   agencies table, when known; "Federal" for federal agencies), how many rows and distinct
--   searches, and over which dates.
-- counting: as in flag_counts.sql, distinct search ids are counted only among the rows of searches
--   with several rows (shared_search); every other row is one search. Names of one agency
--   (report_agencies.organisation: `DNU - X` and `X`) are one organisation, shown by its main name,
--   with the other names it appears under in other_names.
-- parameters: none (reads report_flags, report_agencies).
WITH
rows_per_name AS (
    SELECT
        flag,
        searcher_org,
        count(*) AS rows,
        count(*) FILTER (WHERE NOT shared_search) AS searches_with_one_row,
        min(search_time) AS first_search,
        max(search_time) AS last_search
    FROM report_flags
    GROUP BY ALL
),

names AS (
    SELECT
        r.*,
        coalesce(a.organisation, CAST(r.searcher_org AS VARCHAR), '(no organisation given)') AS organisation,
        coalesce(a.state, CASE WHEN a.federal THEN 'Federal' END) AS state
    FROM rows_per_name AS r
    LEFT JOIN report_agencies AS a ON a.name = r.searcher_org
),

rows_per_org AS (
    SELECT
        flag,
        organisation,
        any_value(state) AS state,
        sum(rows) AS rows,
        sum(searches_with_one_row) AS searches_with_one_row,
        min(first_search) AS first_search,
        max(last_search) AS last_search,
        string_agg(CAST(searcher_org AS VARCHAR), '; ' ORDER BY CAST(searcher_org AS VARCHAR))
            FILTER (WHERE CAST(searcher_org AS VARCHAR) <> organisation) AS other_names
    FROM names
    GROUP BY ALL
),

shared_searches_per_org AS (
    SELECT
        f.flag,
        coalesce(a.organisation, CAST(f.searcher_org AS VARCHAR), '(no organisation given)') AS organisation,
        count(DISTINCT f.search_hash) AS searches_with_several_rows
    FROM report_flags AS f
    LEFT JOIN report_agencies AS a ON a.name = f.searcher_org
    WHERE f.shared_search
    GROUP BY ALL
)

SELECT
    r.flag,
    r.organisation AS searcher_org,
    r.state,
    r.rows,
    r.searches_with_one_row + coalesce(s.searches_with_several_rows, 0) AS searches,
    r.first_search,
    r.last_search,
    r.other_names
FROM rows_per_org AS r
LEFT JOIN shared_searches_per_org AS s USING (flag, organisation)
ORDER BY r.flag, searches DESC, r.rows DESC, searcher_org
