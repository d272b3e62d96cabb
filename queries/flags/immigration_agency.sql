-- flag: immigration_agency
-- title: Immigration agency named alongside another purpose
-- section: immigration
-- order: 20
-- answers: which searches name HSI, DHS / Homeland Security, or an immigration agency (ICE, ERO,
--   CBP, Border Patrol) ALONGSIDE ANOTHER STATED PURPOSE: `HSI-Drug Lead`, `HSI narcs`,
--   `CBP narcotics seizure`, `HSI IRS`, `HSI Stolen`. A search that states an immigration purpose
--   anywhere is in `immigration` instead, never in both.
-- fields: reason, offense_type, text_prompt, case_number; the evidence names the field, the term and
--   the other words that made it more than an immigration request (e.g.
--   reason: "HSI-Drug Lead" (term: hsi; other words: drug)).
-- evidence: reason: "HSI-Drug Lead" (term: hsi; other words: drug)
-- terms: immigration_terms.csv (tiers agency and agency_only), via _immigration_matches.sql.
-- param: drop_terms = - (terms) comma-separated terms of immigration_terms.csv to ignore (e.g. -p drop_terms=ice,migra)
-- limits: HSI and DHS investigate drugs, fraud, child exploitation and theft too: this tier says an
--   immigration-linked agency was involved, not that the search was about immigration.
-- sentence: the reason names an immigration agency alongside another purpose
-- followup: no
SELECT search_key, 'immigration_agency' AS flag, evidence
FROM _immigration_matches
WHERE tier = 'immigration_agency'
