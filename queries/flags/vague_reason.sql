-- flag: vague_reason
-- answers: which searches give a reason that says nothing about why: `inv`, `investigation`, `.`,
--   one letter, `test`, `Other - Not Applicable`, `n/a`, `none`, `see case`...
-- how: the whole reason is folded (lower case, accents removed, punctuation and `+` -> spaces) and
--   compared with vague_reason_terms.csv (folded the same way); a reason of only punctuation or of a
--   single character is vague by rule.
-- evidence: reason: "inv" (term: inv), or reason: "." (rule: punctuation only).
-- param: drop_vague_terms = -  comma-separated terms of vague_reason_terms.csv to ignore
-- limits: only the whole reason is compared: "inv 25-1234" (with a case number) is not vague here.
--   Blank and masked reasons are left to blank_reason / the redaction report.
SELECT s.search_key, 'vague_reason' AS flag, 'reason: "' || s.reason || '" ' || v.why AS evidence
FROM searches AS s
JOIN _vague_reasons AS v ON v.reason = s.reason
WHERE NOT coalesce(list_contains(s.redacted, 'reason'), false)
