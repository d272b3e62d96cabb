-- title: Data quality: files, quarantined rows, duplicates, redactions
-- answers: For every file read, its format and variant, rows read, stored, quarantined (could not
--   be read) and exact duplicates, rows the agency blanked, and the notes recorded at ingest (time
--   zones assumed, columns missing, producer not known).
-- parameters: none. Not restricted by --since (it describes the whole store).
SELECT
    path, format, variant, producer, log_kind, rows_read, rows_stored, rows_quarantined,
    rows_duplicate, rows_blanked, notes, batch_id
FROM sources
WHERE status = 'ingested'
ORDER BY batch_id, path
