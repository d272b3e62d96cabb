-- title: Flagged rows, with the reason as typed and where each row is in the release
-- answers: For every flag, every row that carries it: when, who (organisation), whose cameras
--   (producer), how many networks, the reason verbatim, what triggered the flag (evidence), and
--   the citation: file, sheet, row (or PDF page), plus the row's search_key.
-- parameters: none. The HTML report shows at most html_rows_per_flag rows per flag (the first by
--   search time) and the Excel sheet at most xlsx_rows_per_flag; the CSV files carry every row.
-- param: html_rows_per_flag=50 rows per flag shown in the HTML report (the CSV carries all)
-- param: xlsx_rows_per_flag=100000 rows per flag in the Excel workbook, at most 1048575 (the CSV carries all)
SELECT
    f.flag,
    s.search_time,
    s.producer,
    s.log_kind,
    s.searcher_org,
    s.networks_searched,
    s.time_frame_start,
    s.reason,
    s.case_number,
    f.evidence,
    s.source_file,
    s.source_sheet,
    s.source_row,
    s.source_page,
    s.duplicate_of,
    s.search_key
FROM report_flags f
JOIN report_searches s USING (search_key)
ORDER BY f.flag, s.search_time NULLS LAST, s.search_key
