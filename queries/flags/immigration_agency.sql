-- flag: immigration_agency
-- title: Immigration agency named with another purpose
-- section: immigration
-- order: 20
-- answers: which searches name HSI, DHS / Homeland Security, or an immigration agency (ICE, ERO, CBP,
--   Border Patrol) ALONGSIDE AN EXPLICIT OTHER PURPOSE (`HSI-Drug Lead`, `CBP narcotics seizure`,
--   `ICE homicide suspect vehicle`). A search that states an immigration purpose anywhere is in
--   `immigration` instead, never in both.
-- how: the other purposes are immigration_other_purposes.csv (narcotics, fraud, homicide, theft, gang,
--   firearms, child exploitation, assault, pursuit, trafficking, missing person...), via
--   _immigration_matches.sql; a word not on that table never moves a search out of `immigration`.
-- evidence: reason: "HSI-Drug Lead" (term: hsi; other purpose: narcotics (drug))
-- limits: HSI and DHS investigate drugs, fraud, child exploitation and theft too: this tier says an
--   immigration-linked agency was involved, not that the search was about immigration.
-- sentence: the reason names an immigration agency alongside another purpose
-- followup: no
SELECT search_key, 'immigration_agency' AS flag, evidence
FROM _immigration_matches
WHERE tier = 'immigration_agency'
