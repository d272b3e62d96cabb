-- flag: blank_reason
-- answers: which searches were run with no reason typed at all (empty or only spaces).
-- evidence: reason is blank.
-- limits: only files that HAVE a reason column are considered (checked on the file's original
--   header, kept in `raw`): a release whose agency deleted the column says nothing about reasons.
--   A reason masked before release (***, REDACTED: listed in `redacted`) is not blank.
WITH
files_with_reason_column AS (
    SELECT source_sha256
    FROM (SELECT source_sha256, any_value(raw) AS raw FROM searches GROUP BY source_sha256)
    -- raw that is not a JSON object (should not happen) counts as having the column
    WHERE NOT coalesce(json_valid(raw), false)
       OR list_contains(list_transform(json_keys(raw), lambda k: lower(trim(k))), 'reason')
)

SELECT s.search_key, 'blank_reason' AS flag, 'reason is blank' AS evidence
FROM searches AS s
SEMI JOIN files_with_reason_column AS f ON f.source_sha256 = s.source_sha256
WHERE (s.reason IS NULL OR trim(s.reason) = '')
  AND NOT coalesce(list_contains(s.redacted, 'reason'), false)
