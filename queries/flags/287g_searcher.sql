-- flag: 287g_searcher
-- title: Searches by 287(g) agencies
-- section: cross_agency
-- order: 50
-- answers: which searches were run by an agency on ICE's 287(g) list (a partner in immigration
--   enforcement), as loaded with `lprlogs agencies load-287g` (participating and pending lists).
-- evidence: searcher "Cobb County GA SO" is on ICE's 287(g) list: participating Jail Enforcement
--   Model (signed 2025-02-20)
-- limits: empty until a 287(g) list is loaded; matched by agency_key, so an agency whose name in the
--   log cannot be matched to the list is missed. Pending agencies are included and say so. An
--   agreement does not make every search by that agency an immigration search.
-- sentence: an agency with a 287(g) agreement searched
-- followup: default
WITH
agreements_by_agency AS (
    SELECT
        agency_key,
        -- in a fixed order, so the evidence of a search reads the same in every run and output
        string_agg(DISTINCT status || coalesce(' ' || trim(support_type), '')
                   || coalesce(' (signed ' || CAST(signed AS VARCHAR) || ')', ''), '; '
                   ORDER BY status || coalesce(' ' || trim(support_type), '')
                   || coalesce(' (signed ' || CAST(signed AS VARCHAR) || ')', '')) AS agreements
    FROM agreements
    WHERE agency_key IS NOT NULL
    GROUP BY agency_key
)

SELECT
    s.search_key,
    '287g_searcher' AS flag,
    'searcher "' || s.searcher_org || '" is on ICE''s 287(g) list: ' || g.agreements AS evidence
FROM searches AS s
JOIN agencies AS a ON a.name = s.searcher_org
JOIN agreements_by_agency AS g ON g.agency_key = a.agency_key
