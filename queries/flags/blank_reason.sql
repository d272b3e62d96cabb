-- flag: blank_reason
-- title: Blank reasons
-- section: accountability
-- order: 10
-- answers: which searches were run with no reason typed at all (empty or only spaces).
-- how: the rows of _blank_reasons.sql (shared with state_law_no_purpose).
-- evidence: reason is blank.
-- limits: only files that HAVE a reason column are considered (checked on the file's original
--   header: the source_columns view): a release whose agency deleted the column says nothing about
--   reasons. A reason masked before release (***, REDACTED: listed in `redacted`) is not blank.
-- sentence: no reason was given
-- followup: no
SELECT search_key, 'blank_reason' AS flag, 'reason is blank' AS evidence
FROM _blank_reasons
