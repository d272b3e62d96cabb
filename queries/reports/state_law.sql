-- title: Searches that may conflict with state law
-- answers: per producer (the agency whose cameras were searched) and each state-law rule its searches
--   may conflict with: the law, the rule, the date it took effect and its confidence, how many distinct
--   searches and searching agencies, the top searching agencies, example rows (file and row) and the
--   questions to ask. A producer whose state has no ALPR law in the table, or whose state is unknown,
--   gets one row saying so; a producer with a law and nothing flagged gets one row saying that.
-- counting: distinct searches by search_uid. The rule of a flagged row is the producer state's version in
--   force at its search time; for state_law_immigration, the searcher's state's when the producer's state
--   has no such rule (as the flag's evidence says).
-- parameters: law_confidence (declared in the state_law_* flags).
WITH
-- every flagged row with what the summary needs (the report runs this with its own flagged rows in place of
-- this part: lprlogs/report/law_section.py)
flagged AS (
    SELECT f.flag, s.producer, s.searcher_org, s.search_uid, s.search_time, s.source_file, s.source_row
    FROM (
        SELECT search_key, flag FROM flag_state_law_retention
        UNION ALL SELECT search_key, flag FROM flag_state_law_out_of_state
        UNION ALL SELECT search_key, flag FROM flag_state_law_federal
        UNION ALL SELECT search_key, flag FROM flag_state_law_immigration
        UNION ALL SELECT search_key, flag FROM flag_state_law_no_purpose
    ) AS f
    JOIN searches AS s USING (search_key)
),

with_rules AS (
    SELECT
        f.*,
        pr.state AS producer_law_state,
        pr.effective_from AS producer_law_from,
        sr.state AS searcher_law_state,
        sr.effective_from AS searcher_law_from
    FROM flagged AS f
    LEFT JOIN _state_law_rules AS pr
        ON pr.agency = f.producer AND f.search_time >= pr.starts_at AND f.search_time < pr.ends_at
       AND (f.flag <> 'state_law_immigration'
            OR (pr.immigration_counts AND pr.immigration_use IN ('banned', 'restricted')))
    LEFT JOIN _state_law_rules AS sr
        ON f.flag = 'state_law_immigration'
       AND sr.agency = f.searcher_org AND f.search_time >= sr.starts_at AND f.search_time < sr.ends_at
),

named AS MATERIALIZED (
    SELECT
        w.* EXCLUDE (producer_law_state, producer_law_from, searcher_law_state, searcher_law_from),
        coalesce(w.producer_law_state, w.searcher_law_state) AS law_state,
        CASE WHEN w.producer_law_state IS NOT NULL THEN w.producer_law_from ELSE w.searcher_law_from END
            AS effective_from
    FROM with_rules AS w
),

per_agency AS (
    SELECT producer, flag, law_state, effective_from, searcher_org, count(DISTINCT search_uid) AS searches
    FROM named
    GROUP BY ALL
),

-- the first three rows by search time (then file and row), and the five agencies with most searches
examples AS (
    SELECT
        producer, flag, law_state, effective_from,
        array_to_string(list_transform(
            min_by({'t': search_time, 'f': source_file, 'r': source_row, 'o': searcher_org},
                   {'t': search_time, 'f': source_file, 'r': source_row}, 3),
            lambda x: x.f || ' row ' || x.r || ' (' || coalesce(x.o, '?') || ', '
                      || strftime(x.t AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') || ' UTC)'), '; ') AS examples
    FROM named
    GROUP BY ALL
),

conflicts AS (
    SELECT
        n.producer, n.flag, n.law_state, n.effective_from,
        count(DISTINCT n.search_uid) AS searches, count(DISTINCT n.searcher_org) AS searching_agencies
    FROM named AS n
    GROUP BY ALL
),

rule_confidence AS (
    SELECT DISTINCT state, effective_from, retention_confidence, out_of_state_confidence, federal_confidence,
                    immigration_confidence, purpose_confidence
    FROM _state_law_rules
),

top_agencies AS (
    SELECT producer, flag, law_state, effective_from,
           array_to_string(list(searcher_org || ' (' || searches || ')' ORDER BY searches DESC, searcher_org)[1:5],
                           '; ') AS top_agencies
    FROM per_agency
    GROUP BY ALL
),

laws AS (
    SELECT * FROM read_csv(getvariable('queries_dir') || '/law/state_alpr_laws.csv', header = true,
                           all_varchar = true)
),

producers AS (
    SELECT d.producer, any_value(p.state) AS state
    FROM (SELECT DISTINCT producer FROM searches WHERE producer IS NOT NULL) AS d
    LEFT JOIN agencies AS p ON p.name = d.producer
    GROUP BY d.producer
),

found AS (
    SELECT
        c.producer,
        p.state AS producer_state,
        c.flag,
        l.citation AS law,
        CASE c.flag
            WHEN 'state_law_retention' THEN 'data that matched no hotlist kept at most ' || l.retention_days || ' days'
            WHEN 'state_law_out_of_state'
                THEN 'out-of-state sharing ' || l.out_of_state_sharing || ': ' || l.out_of_state_rule
            WHEN 'state_law_federal' THEN 'federal sharing ' || l.federal_sharing || ': ' || l.federal_rule
            WHEN 'state_law_immigration' THEN 'immigration use ' || l.immigration_use || ': ' || l.immigration_rule
            WHEN 'state_law_no_purpose' THEN 'purpose required: ' || l.purpose_rule
        END AS rule,
        c.law_state,
        c.effective_from,
        CASE c.flag
            WHEN 'state_law_retention' THEN rc.retention_confidence
            WHEN 'state_law_out_of_state' THEN rc.out_of_state_confidence
            WHEN 'state_law_federal' THEN rc.federal_confidence
            WHEN 'state_law_immigration' THEN rc.immigration_confidence
            WHEN 'state_law_no_purpose' THEN rc.purpose_confidence
        END AS confidence,
        CASE WHEN coalesce(trim(l.reviewed), '') = '' THEN 'not reviewed' ELSE l.reviewed END AS reviewed,
        c.searches,
        c.searching_agencies,
        t.top_agencies,
        e.examples,
        CASE c.flag
            WHEN 'state_law_retention' THEN 'What is your retention setting for ALPR data that matched no hotlist, '
                || 'and since when? Do purge logs show data older than the limit was deleted? Was the older data '
                || 'kept under a warrant, preservation request or active investigation?'
            WHEN 'state_law_out_of_state' THEN 'Which sharing agreements gave these agencies access, and when were '
                || 'they revoked? For a restricted state: where is the written declaration or request the law '
                || 'requires from each agency? Which exception (warrant, court order, active investigation) applied?'
            WHEN 'state_law_federal' THEN 'Who granted these federal accounts access (agreement, national '
                || 'network, vendor pilot), and when was it revoked? Was there a warrant or court order?'
            WHEN 'state_law_immigration' THEN 'Was the search made for immigration enforcement, or a criminal case '
                || 'with an immigration word? Which agency asked for it, and did a judicial warrant or declaration '
                || 'cover it?'
            WHEN 'state_law_no_purpose' THEN 'Where is the purpose of these accesses recorded, as the law requires? '
                || 'What does the audit the law requires say about them?'
        END AS questions
    FROM conflicts AS c
    JOIN producers AS p ON p.producer = c.producer
    LEFT JOIN laws AS l ON l.state = c.law_state AND l.effective_from = c.effective_from
    LEFT JOIN rule_confidence AS rc ON rc.state = c.law_state AND rc.effective_from = c.effective_from
    LEFT JOIN top_agencies AS t
        ON t.producer = c.producer AND t.flag = c.flag AND t.law_state = c.law_state
       AND t.effective_from = c.effective_from
    LEFT JOIN examples AS e
        ON e.producer = c.producer AND e.flag = c.flag AND e.law_state = c.law_state
       AND e.effective_from = c.effective_from
),

-- producers with nothing flagged: why (no state, no law found, or a law and no possible conflict)
quiet AS (
    SELECT
        p.producer,
        p.state AS producer_state,
        NULL AS flag,
        CASE
            WHEN p.state IS NULL THEN 'state unknown: no state law compared'
            WHEN NOT EXISTS (SELECT 1 FROM laws AS l WHERE l.state = p.state)
                THEN 'not in the law table: no state law compared'
            WHEN EXISTS (SELECT 1 FROM laws AS l WHERE l.state = p.state AND l.citation = 'none')
                THEN 'no state ALPR law found (as of late 2026)'
            ELSE 'no possible conflict found with the rules in force'
        END AS law,
        NULL AS rule, NULL AS law_state, NULL AS effective_from, NULL AS confidence, NULL AS reviewed,
        0 AS searches, 0 AS searching_agencies, NULL AS top_agencies, NULL AS examples,
        CASE WHEN p.state IS NULL THEN 'Which state are these cameras in? (agencies: the producer''s name has no state)'
        END AS questions
    FROM producers AS p
    WHERE p.producer NOT IN (SELECT producer FROM found)
)

SELECT * FROM found
UNION ALL BY NAME
SELECT * FROM quiet
ORDER BY producer, searches DESC, flag
