-- title: Flagged rows, with the reason as typed and where each row is in the release
-- answers: For every flag, the rows the report prints: when, who (organisation), whose cameras
--   (producer), how many networks, the reason verbatim, what triggered the flag (evidence), and
--   the citation: file, sheet, row (or PDF page), plus the row's search_key, the export's search ID,
--   and, when the store records it, time_basis: how the row's time was read (times are UTC).
-- order: report_rows holds, for each flag, the first rows by search time (then search_key; rows
--   without a time last), as many as the largest cap below, numbered in that order by printed_rank;
--   each reader takes the first rows by printed_rank.
-- parameters: none (reads report_rows). The HTML report shows at most html_rows_per_flag rows per
--   flag, the Excel sheet at most xlsx_rows_per_flag and csv/<flag>.csv at most csv_rows_per_flag
--   (0: every row). Every flagged row, however many, is counted in the summaries, listed by
--   organisation in csv/by_agency.csv, and readable with `lprlogs query` (the flags view).
-- param: html_rows_per_flag = 50 (integer) rows per flag shown in the HTML report
-- param: xlsx_rows_per_flag = 1000 (integer) rows per flag in the Excel workbook, at most 1048575
-- param: csv_rows_per_flag = 100000 (integer) rows per flag in csv/<flag>.csv (0: every row, however many)
SELECT
    flag, printed_rank, search_time, producer, log_kind, searcher_org, networks_searched, time_frame_start, reason,
    case_number, evidence, source_file, source_sheet, source_row, source_page, duplicate_of, search_key, search_id,
    -- time_basis when the store records it (nothing else is left)
    * EXCLUDE (
        flag, printed_rank, search_time, producer, log_kind, searcher_org, networks_searched, time_frame_start,
        reason, case_number, evidence, source_file, source_sheet, source_row, source_page, duplicate_of,
        search_key, search_id, evidence_found, rid, first_of_row
    )
FROM report_rows
