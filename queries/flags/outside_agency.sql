-- flag: outside_agency
-- title: Searches by outside agencies
-- section: cross_agency
-- order: 10
-- answers: in a Network Audit (every search, by anyone, that covered the producer's cameras), which
--   searches were run by an organisation other than the producer: an outside agency searching the
--   producer's cameras.
-- how: searcher (Org Name) and producer (the agency whose log it is) are compared by agency_key from
--   the `agencies` view, so `Mountain View Police Department` and `Mountain View CA PD (Santa Clara
--   County)` count as one agency.
-- evidence: searcher "Houston TX PD" (houston tx pd) is not the producer "Mountain View CA PD"
--   (mountain view ca pd)
-- limits: Network Audits only (in an Organization Audit every searcher is the producer's own user).
--   Rows whose searcher or producer is unknown (blank Org Name, producer not named) are not flagged.
-- sentence: an organisation other than the camera owner searched
-- followup: no
WITH
network_audit_rows AS (
    SELECT search_key, searcher_org, producer
    FROM searches
    WHERE log_kind = 'network_audit' AND searcher_org IS NOT NULL AND producer IS NOT NULL
)

SELECT
    r.search_key,
    'outside_agency' AS flag,
    'searcher "' || r.searcher_org || '" (' || searcher.agency_key || ') is not the producer "' || r.producer
        || '" (' || producer.agency_key || ')' AS evidence
FROM network_audit_rows AS r
JOIN agencies AS searcher ON searcher.name = r.searcher_org
JOIN agencies AS producer ON producer.name = r.producer
WHERE searcher.agency_key <> producer.agency_key
