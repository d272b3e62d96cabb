-- flag: vague_reason
-- title: Vague reasons
-- section: accountability
-- order: 20
-- answers: which searches give a reason that says nothing about why: `inv`, `investigation`, `.`,
--   one letter, `test`, `Other - Not Applicable`, `n/a`, `none`, `see case`...
-- how: the rows of _vague_reasons.sql (shared with state_law_no_purpose): the whole reason is folded
--   (lower case, accents removed, punctuation and `+` -> spaces) and compared with vague_reason_terms.csv (folded the same way); a reason of only punctuation or of a
--   single character is vague by rule. A dropdown reason (reason_category, queries/macros.sql) whose
--   category is vague in reason_categories.csv (Other, Investigation) is vague when its detail is empty,
--   is a vague term, or repeats the category.
-- evidence: reason: "inv" (term: inv), reason: "." (rule: punctuation only), or
--   reason: "Other - Not Applicable" (term: Other; detail: term: not applicable).
-- param: drop_vague_terms = - (terms) comma-separated terms of vague_reason_terms.csv to ignore
-- limits: only the whole reason is compared: "inv 25-1234" (with a case number) is not vague here.
--   Blank and masked reasons are left to blank_reason / the redaction report.
-- sentence: only a vague reason was given
-- followup: no
SELECT s.search_key, 'vague_reason' AS flag, 'reason: "' || s.reason || '" ' || v.why AS evidence
FROM searches AS s
JOIN _vague_reasons AS v ON v.reason = s.reason
WHERE NOT coalesce(list_contains(s.redacted, 'reason'), false)
