-- flag: state_law_retention
-- title: Reached back past the state's retention limit
-- section: state_law
-- order: 10
-- answers: which searches reached back further than the law of the producer's state lets agencies keep
--   data that matched no hotlist (e.g. 90 days in Tennessee from 2014-07-01), at the time of the search.
-- how: the producer's state comes from the `agencies` view; the rule is the version of
--   queries/law/state_alpr_laws.csv in force at the search time (from midnight of its effective date in
--   the state's zone). Measured exactly in seconds like long_lookback: search time minus the start of
--   the searched time frame above retention_days * 86400; exactly at the limit is not over.
-- evidence: reached back 91.00 days (time frame from 2025-04-17 12:00:00 UTC, searched 2025-07-17
--   12:00:00 UTC); Tenn. Code Ann. § 55-10-302 (2014 ch. 625): data that matched no hotlist kept at most
--   90 days (TN rule in effect from 2014-07-01, confidence high). A possible conflict, not a finding of
--   one.
-- param: law_confidence = medium (text) the least confidence (high, medium or low) of a law-table rule that may flag; rules of rows nobody reviewed flag only with low
-- limits: a long time frame shows what was asked for, not that older data existed or was returned; laws
--   keep data longer as evidence, under a warrant, preservation request or active investigation, or
--   when it matched a hotlist. Needs the time frame and search time; rows missing either, producers of
--   unknown state and states without a retention number are not flagged.
-- sentence: the search may have reached back past the producer's state retention limit (a possible conflict, not a finding)
-- followup: no
SELECT
    s.search_key,
    'state_law_retention' AS flag,
    possible_conflict('reached back ' || printf('%.2f', (epoch(s.search_time) - epoch(s.time_frame_start)) / 86400.0)
        || ' days (time frame from ' || strftime(s.time_frame_start AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S')
        || ' UTC, searched ' || strftime(s.search_time AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') || ' UTC); '
        || r.citation || ': data that matched no hotlist kept at most ' || printf('%g', r.retention_days)
        || ' days' || law_rule(r.state, r.effective_from, r.retention_confidence)) AS evidence
FROM searches AS s
JOIN _state_law_rules AS r
    ON r.agency = s.producer AND s.search_time >= r.starts_at AND s.search_time < r.ends_at
WHERE r.retention_counts
  AND r.retention_days IS NOT NULL
  AND s.time_frame_start IS NOT NULL
  AND epoch(s.search_time) - epoch(s.time_frame_start) > r.retention_days * 86400
