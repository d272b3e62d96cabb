-- flag: immigration
-- title: Immigration purpose stated
-- section: immigration
-- order: 10
-- answers: which searches STATE an immigration-enforcement purpose (immigration, deportation, removal
--   orders and proceedings, ICE detainers and forms I-200/I-205/I-247, 287(g), alien in enforcement
--   phrases, out of status, visa overstay, illegal entry or re-entry, 8 U.S.C. 1324/1325/1326, Title 8,
--   the INA, USCIS, the dropdown's Immigration categories, misspellings, Spanish and slang), or are made
--   for ICE, ERO, CBP or Border Patrol with no other purpose stated (`assist ICE`, `ICE ERO Miami`,
--   `ICE WARRANT`, `Other - assist ICE`).
-- how: SQL over four tables a reporter can read, each row with a why (immigration_terms.csv,
--   immigration_other_purposes.csv, immigration_other_meanings.csv, reason_categories.csv); the method
--   is in _immigration_matches.sql and docs/immigration.md, with its measured precision and recall.
--   An agency named with an explicit other purpose (narcotics, fraud, homicide, theft, gang...) is in
--   immigration_agency instead; a phrase with another meaning (ice as meth, an ICE impersonation, ERO as
--   an Extreme Risk Order, a hotel overstay, illegal entry into a home) does not count.
-- evidence: reason: "ICE ERO Miami" (term: ero; term: ice; no other purpose stated); reason: "imigraton"
--   (term: imigration; fuzzy: "imigraton" ~ imigration)
-- param: drop_terms = - (terms) comma-separated terms of immigration_terms.csv to ignore (e.g. -p drop_terms=ice,migra)
-- param: immigration_text_cap = 4096 (integer) only the first N characters of a text are classified (a reason can hold a pasted document); the evidence says when a text was longer
-- param: immigration_prefilter = (?i)(imm|imig|imag|inmig|migr|igra|mmig|depor|depr|remov|\bi\W*c\W*e|\bd\W?h\W?s\b|\bh\W?s\W?i\b|\bc\W?b\W?p\b|usbp|\be\W?r\W?o\b|\bi\W*2(00|05|13|47)|287\W*g|alien|undoc|docum|overst|u\W?s\W?c|title\W*8|\bt\W?8\b|\bina\b|\bewi\b|visa|status|unlawful|illegal|without.insp|border|boarder|homeland|detain|coyote|pollero|smuggl|patrulla|blitz|catahoula|^\W*[a-z]{3}\W*$) (text) a fast first pass: fields containing none of these pieces are not examined (every term must contain one; if one does not, the first pass is skipped)
-- limits: a reason states, it does not prove intent: officers are told to keep reasons vague, and
--   some said an immigration tag was entered in error. A purpose not written in the reason (or in a
--   way no table lists) is missed; an agency's own dropdown categories are read only when listed.
-- sentence: the reason states an immigration-enforcement purpose
-- followup: default
SELECT search_key, 'immigration' AS flag, evidence
FROM _immigration_matches
WHERE tier = 'immigration'
