-- Shared by blank_reason.sql and state_law_no_purpose.sql (a helper view, `_blank_reasons`).
-- answers: which searches were run with no reason typed at all (empty or only spaces), in files that
--   HAVE a reason column (checked on the file's original header: the source_columns view); a reason
--   masked before release (***, REDACTED: listed in `redacted`) is not blank.
WITH
files_without_reason_column AS (
    SELECT source_sha256
    FROM source_columns
    GROUP BY source_sha256
    HAVING NOT bool_or(lower(trim(column_name)) = 'reason')
)

SELECT s.search_key
FROM searches AS s
-- blank: trim() leaves nothing. Such a reason is empty or starts with a space trim() removes (ASCII, or a
-- Unicode space: first byte >= 0x80); the cheap first-byte test spares trim() on almost every row
WHERE (s.reason IS NULL OR ((s.reason < '!' OR s.reason >= chr(128)) AND trim(s.reason) = ''))
  AND NOT coalesce(list_contains(s.redacted, 'reason'), false)
  AND s.source_sha256 NOT IN (SELECT source_sha256 FROM files_without_reason_column)
