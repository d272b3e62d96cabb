-- flag: out_of_state_searcher
-- title: Searches by out-of-state agencies
-- section: cross_agency
-- order: 30
-- answers: which searches were run by an organisation in another state than the producer (e.g. a
--   Texas agency searching a California city's cameras, which California law SB 34 forbids).
-- evidence: searcher "Houston TX PD" (TX) is in another state than the producer "Mountain View CA PD" (CA)
-- limits: says nothing when either state is unknown (no state code in the name, federal and
--   national accounts). States come from the `agencies` view.
-- sentence: an agency in another state searched
-- followup: default
SELECT
    s.search_key,
    'out_of_state_searcher' AS flag,
    'searcher "' || s.searcher_org || '" (' || searcher.state || ') is in another state than the producer "'
        || s.producer || '" (' || producer.state || ')' AS evidence
FROM searches AS s
JOIN agencies AS searcher ON searcher.name = s.searcher_org
JOIN agencies AS producer ON producer.name = s.producer
WHERE searcher.state IS NOT NULL AND producer.state IS NOT NULL
  AND searcher.state <> producer.state
