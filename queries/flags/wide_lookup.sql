-- flag: wide_lookup
-- title: Wide lookups (many networks at once)
-- section: cross_agency
-- order: 40
-- answers: which searches reached across many networks at once (statewide or national lookups):
--   Total Networks Searched at or above wide_lookup_networks.
-- evidence: networks_searched 1204 >= 100
-- param: wide_lookup_networks = 100 (integer) networks searched at or above which a search counts as wide
-- limits: 0 networks can mean "unknown" in Flock exports; such rows are never wide.
-- sentence: at least {wide_lookup_networks} networks were searched at once
-- followup: no
SELECT
    search_key,
    'wide_lookup' AS flag,
    'networks_searched ' || networks_searched || ' >= ' || CAST(getvariable('wide_lookup_networks') AS VARCHAR)
        AS evidence
FROM searches
WHERE networks_searched >= CAST(getvariable('wide_lookup_networks') AS BIGINT)
