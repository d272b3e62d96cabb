-- flag: immigration
-- title: Immigration purpose stated
-- section: immigration
-- order: 10
-- answers: which searches STATE an immigration-enforcement purpose: immigration, deportation,
--   removal order or proceedings, ICE detainer, 287(g), illegal alien, undocumented, visa overstay,
--   illegal entry or re-entry (8 USC 1325 and 1326, also written 8 U.S.C. §), alien smuggling, USCIS, the dropdown values
--   `Immigration (civil/administrative) -` and `Immigration (criminal) -`, misspellings and Spanish
--   (inmigración); or which are made for ICE, ERO, CBP or Border Patrol with nothing else stated
--   (`assist ICE`, `ICE WARRANT`, `ICE+ERO`).
-- fields: reason, offense_type, text_prompt, case_number; the evidence names the field, the text
--   and the term (e.g. reason: "ICE detainer" (term: ice detainer)).
-- evidence: reason: "ICE detainer" (term: ice detainer)
-- terms: immigration_terms.csv (tiers purpose and agency_only) and immigration_no_purpose_words.csv,
--   matched word by word in _immigration_matches.sql.
-- param: drop_terms = - (terms) comma-separated terms of immigration_terms.csv to ignore (e.g. -p drop_terms=ice,migra)
-- param: immigration_prefilter = (?i)(imm|imig|imag|inmig|deport|removal|i\W*c\W*e|dhs|247|287|alien|undoc|overst|entry|132[56]|migra|uscis|ero|cbp|usbp|border|hsi|homeland) (text) a fast first pass: fields containing none of these pieces are not examined (every term must contain one; if one does not, the first pass is skipped)
-- limits: a reason states, it does not prove intent: officers are told to keep reasons vague, and
--   some said an immigration tag was entered in error. Only listed terms and spellings are found.
-- sentence: the reason states an immigration-enforcement purpose
-- followup: default
SELECT search_key, 'immigration' AS flag, evidence
FROM _immigration_matches
WHERE tier = 'immigration'
