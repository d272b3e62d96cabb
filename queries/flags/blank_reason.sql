-- flag: blank_reason
-- answers: which searches were run with no reason typed at all (empty or only spaces).
-- evidence: reason is blank.
-- limits: only files that HAVE a reason column are considered (checked on the file's original
--   header, kept in `raw`): a release whose agency deleted the column says nothing about reasons.
--   A reason masked before release (***, REDACTED: listed in `redacted`) is not blank.
WITH
-- the original header of a file is in every row's raw JSON; looking at its first rows is enough
-- (source_row <= 1000 lets DuckDB skip the rest of each file)
files_without_reason_column AS (
    SELECT source_sha256
    FROM searches
    WHERE source_row <= 1000 AND coalesce(json_valid(raw), false)
    GROUP BY source_sha256
    HAVING NOT bool_or(list_contains(list_transform(json_keys(raw), lambda k: lower(trim(k))), 'reason'))
)

SELECT s.search_key, 'blank_reason' AS flag, 'reason is blank' AS evidence
FROM searches AS s
-- blank: trim() leaves nothing. Such a reason is empty or starts with a space trim() removes (ASCII, or a
-- Unicode space: first byte >= 0x80); the cheap first-byte test spares trim() on almost every row
WHERE (s.reason IS NULL OR ((s.reason < '!' OR s.reason >= chr(128)) AND trim(s.reason) = ''))
  AND NOT coalesce(list_contains(s.redacted, 'reason'), false)
  AND s.source_sha256 NOT IN (SELECT source_sha256 FROM files_without_reason_column)
