-- The objects the report files read (report_searches, report_flags, ...), as plain views over the store's
-- views, so that every file under queries/reports/ runs alone: `lprlogs query queries/reports/headline.sql`.
-- `lprlogs query` defines them when a query names one and the report has not. The report itself
-- (lprlogs/report/data.py) builds the same objects, with the same columns and the same answers, as tables
-- computed once per report (the flags run once, names become ENUMs, rid is the row's place in the store) and
-- materialises report_agencies from the definition below. One statement per object.
--
-- report_searches: the `searches` view, each row with rid (a whole number naming it for this report).
CREATE VIEW report_searches AS
SELECT hash(search_key) AS rid, * FROM searches;

-- report_facts: the narrow columns the summaries group by; search_hash and reason_hash are 64-bit hashes of
--   search_uid and reason (two of ten million searches share one with a chance of about 1 in 200,000).
--   local_zone: the zone that gives the row's local hour of day: the producer's; 'UTC' for a local time written
--   without a zone (stored as written, so its hour is the local hour); NULL when unknown.
CREATE VIEW report_facts AS
SELECT
    rid, hash(search_uid) AS search_hash, searcher_org, producer, search_time, hash(reason) AS reason_hash,
    CASE WHEN time_basis = 'local, zone unknown' THEN 'UTC' ELSE local_zone END AS local_zone
FROM report_searches;

-- report_shared_searches: the searches with more than one row, with their rows.
CREATE VIEW report_shared_searches AS
SELECT search_hash, count(*) AS rows FROM report_facts GROUP BY 1 HAVING count(*) > 1;

-- report_flags: one row per flagged row: the flag and the row's facts; shared_search is true when the row's
--   search has other rows.
CREATE VIEW report_flags AS
SELECT
    f.flag, s.rid, s.search_hash, s.search_hash IN (SELECT search_hash FROM report_shared_searches) AS shared_search,
    s.searcher_org, s.producer, s.search_time, s.reason_hash, s.local_zone
FROM flags AS f
JOIN report_facts AS s ON s.rid = hash(f.search_key);

-- report_agencies: each organisation name with its state, whether it is federal, its agency_key, and the
--   organisation it counts as (organisation): names with one agency_key (`DNU - X`, `X`, `X Police Department`) are one organisation,
--   named by its active name with the most rows as searcher (then the first in order); a name without an
--   agency_key is an organisation of its own.
CREATE VIEW report_agencies AS
WITH names AS (
    SELECT
        name, any_value(state) AS state, coalesce(bool_or(federal), false) AS federal,
        any_value(agency_key) AS agency_key,
        coalesce(bool_or(inactive), false) AS inactive, coalesce(sum(rows_as_searcher), 0) AS searcher_rows
    FROM agencies
    WHERE name IS NOT NULL
    GROUP BY name
)
SELECT
    name, state, federal, agency_key,
    first_value(name) OVER (PARTITION BY coalesce(agency_key, name)
                            ORDER BY inactive, searcher_rows DESC, name) AS organisation
FROM names;

-- report_printed_searches: the rows the report prints (their columns). None when a file runs alone: the files
--   that read it take any other row from report_searches.
CREATE VIEW report_printed_searches AS
SELECT * FROM report_searches WHERE false;

-- report_rows: every flagged row with the columns the report prints and cites, numbered in each flag by search
--   time (then search_key; rows without a time last), with rid and first_of_row (true on one row of each
--   search_key). The report keeps only the first rows of each flag.
CREATE VIEW report_rows AS
SELECT
    f.flag,
    row_number() OVER (PARTITION BY f.flag ORDER BY s.search_time NULLS LAST, s.search_key) AS printed_rank,
    f.evidence, s.search_time, s.producer, s.log_kind, s.searcher_org, s.networks_searched, s.time_frame_start,
    s.reason, s.case_number, s.source_file, s.source_sheet, s.source_row, s.source_page, s.duplicate_of,
    s.search_key, s.search_id, s.time_basis, true AS evidence_found, hash(s.search_key) AS rid,
    row_number() OVER (PARTITION BY s.search_key ORDER BY f.flag) = 1 AS first_of_row
FROM flags AS f
JOIN searches AS s USING (search_key);
