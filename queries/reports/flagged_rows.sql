-- title: Flagged rows, with the reason as typed and where each row is in the release
-- answers: For every flag, every row that carries it: when, who (organisation), whose cameras
--   (producer), how many networks, the reason verbatim, what triggered the flag (evidence), and
--   the citation: file, sheet, row (or PDF page), plus the row's search_key.
-- order: report_flags is written grouped by flag (sorted by flag only, so a per-flag read skips the
--   other flags' row groups); the report sorts each flag's rows by search time, search_key when it
--   reads them (top-N for the HTML and Excel, a full sort only for the CSV).
-- parameters: none (reads report_flags, which holds each flagged row's columns). The HTML report shows at most html_rows_per_flag rows per flag (the first by
--   search time) and the Excel sheet at most xlsx_rows_per_flag; the CSV files carry every row.
-- param: html_rows_per_flag=50 rows per flag shown in the HTML report (the CSV carries all)
-- param: xlsx_rows_per_flag=1000 rows per flag in the Excel workbook, at most 1048575 (the CSV carries all)
SELECT
    flag, search_time, producer, log_kind, searcher_org, networks_searched, time_frame_start, reason,
    case_number, evidence, source_file, source_sheet, source_row, source_page, duplicate_of, search_key
FROM report_flags
