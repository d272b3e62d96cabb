-- title: Producers and their logs
-- answers: Which agencies' logs (producers) are in the release, which kind of log each is
--   (network_audit, org_audit, ...), and how many rows and distinct searches each holds.
-- counting: as in flag_counts.sql, distinct search ids are counted only among the rows of searches
--   with several rows (report_shared_searches); every other row is one search.
-- parameters: none (reads report_searches).
WITH
rows_per_log AS (
    SELECT
        producer_label(producer, source_file) AS producer,
        coalesce(log_kind, '(unknown kind)') AS log_kind,
        count(*) AS rows,
        count(DISTINCT source_file) AS files,
        min(search_time) AS first_search,
        max(search_time) AS last_search
    FROM report_searches
    GROUP BY ALL
),

shared_rows_per_log AS (
    SELECT
        producer_label(s.producer, s.source_file) AS producer,
        coalesce(s.log_kind, '(unknown kind)') AS log_kind,
        count(*) AS shared_rows,
        count(DISTINCT s.search_uid) AS shared_searches
    FROM report_searches AS s
    WHERE hash(s.search_uid) IN (SELECT search_hash FROM report_shared_searches)
    GROUP BY ALL
)

SELECT
    r.producer,
    r.log_kind,
    r.rows,
    r.rows - coalesce(s.shared_rows, 0) + coalesce(s.shared_searches, 0) AS searches,
    r.files,
    r.first_search,
    r.last_search
FROM rows_per_log AS r
LEFT JOIN shared_rows_per_log AS s USING (producer, log_kind)
ORDER BY r.rows DESC, r.producer, r.log_kind
