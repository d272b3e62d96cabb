-- title: Headline numbers
-- answers: How many rows the release holds, how many distinct searches they are, how many exact
--   duplicate rows were marked, how many searching organisations and producers appear, and the
--   span of search times (UTC).
-- counting: distinct searches = rows minus the extra rows of searches that have several rows
--   (report_shared_searches lists those searches with their rows). Organisations are counted by
--   agency (report_agencies.organisation: `DNU - X` and `X` are one).
-- parameters: none. Reads report_searches: the `searches` view, restricted to searches first seen
--   after batch N when the report is run with --since N.
SELECT
    count(*) AS rows,
    count(*) - (SELECT coalesce(sum(rows - 1), 0) FROM report_shared_searches) AS searches,
    count(duplicate_of) AS duplicate_rows,
    (SELECT count(DISTINCT coalesce(a.organisation, CAST(n.searcher_org AS VARCHAR)))
     FROM (SELECT DISTINCT searcher_org FROM report_facts WHERE searcher_org IS NOT NULL) AS n
     LEFT JOIN report_agencies AS a ON a.name = n.searcher_org) AS searcher_orgs,
    count(DISTINCT producer) AS producers,
    count(DISTINCT source_file) AS files,
    min(search_time) AS first_search,
    max(search_time) AS last_search
FROM report_searches
