-- flag: immigration_review
-- title: Possible immigration purpose to check
-- section: immigration
-- order: 30
-- answers: which searches MAY have an immigration purpose that a person must read before counting:
--   `alien`, `overstay`, `border`, `detainer`, `removal` or `migrant` alone, `I-205` (a form or
--   Interstate 205), a truncation such as `imm`, a short word one swap away from an agency (`CPB`,
--   `HIS`), and `ice` alone in lower case in a file whose reasons also name drugs (ice is meth too).
--   Never counted with `immigration` or `immigration_agency`: a search is in one tier at most.
-- how: the review terms of immigration_terms.csv and the rules of _immigration_matches.sql.
-- evidence: reason: "alien" (term: alien; for review: a possible immigration term)
-- limits: most rows here will turn out not to be about immigration; a headline number must not
--   include them without reading each one.
-- sentence: the reason may state an immigration purpose that a person must check
-- followup: no
SELECT search_key, 'immigration_review' AS flag, evidence
FROM _immigration_matches
WHERE tier = 'immigration_review'
