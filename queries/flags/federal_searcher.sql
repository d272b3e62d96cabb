-- flag: federal_searcher
-- title: Searches by federal agencies
-- section: cross_agency
-- order: 20
-- answers: which searches were run by a federal agency (FBI, DEA, ATF, HSI, CBP, US Marshals,
--   Postal Inspection, `[Federal] ...` accounts), as classified in the `agencies` view.
-- evidence: searcher "[Federal] Federal Bureau of Investigation (FBI)" is federal (kind federal)
-- limits: only as good as the agency classification (queries/agencies): `Federal Way WA PD` is city
--   police and is not federal. A local agency searching on a federal agency's behalf is not here
--   (see the immigration and immigration_agency flags for reasons that name one).
-- sentence: a federal agency searched
-- followup: default
SELECT
    s.search_key,
    'federal_searcher' AS flag,
    'searcher "' || s.searcher_org || '" is federal (kind ' || coalesce(a.kind, '?') || ')' AS evidence
FROM searches AS s
JOIN agencies AS a ON a.name = s.searcher_org
WHERE a.federal
