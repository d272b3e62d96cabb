-- flag: school_searcher
-- title: Searches by schools or campuses
-- section: school
-- order: 20
-- answers: which searches were run by a school district's or campus's own police or staff.
-- evidence: searcher "Cypress Fairbanks ISD (TX) PD" is a school or campus (kind school)
-- limits: only as good as the agency classification: `University City MO PD` and `College Place WA
--   PD` are city police and are not schools.
-- sentence: a school or campus searched
-- followup: no
SELECT
    s.search_key,
    'school_searcher' AS flag,
    'searcher "' || s.searcher_org || '" is a school or campus (kind ' || coalesce(a.kind, '?') || ')'
        AS evidence
FROM searches AS s
JOIN agencies AS a ON a.name = s.searcher_org
WHERE a.school
