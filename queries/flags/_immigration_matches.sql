-- Shared by immigration.sql and immigration_agency.sql (a helper view, `_immigration_matches`).
-- answers: for every search whose reason, text prompt, offense type or case number names an
--   immigration term, which tier it falls in and why.
-- how: each text is folded (lower case, accents removed, `&` -> and, every run of punctuation or
--   `+` -> one space) and split into words. A term matches where all its words appear one after the
--   other, so `ICE` never matches inside police, notice, office, service, justice, device or price,
--   and `287(g)` never matches inside a case number such as E287021. Terms come from
--   immigration_terms.csv (tiers: purpose, agency_only, agency, other_meaning); a term overlapping an
--   other_meaning phrase (crystal ice, possession of ice, vehicle removal) does not count.
--   An agency_only term (ICE, ERO, CBP, Border Patrol) counts as an immigration purpose when the
--   text states nothing else: every remaining word is in immigration_no_purpose_words.csv, holds a
--   digit, or is one letter.
-- tiers: `immigration` when a purpose term matches, or an agency_only term with nothing else stated;
--   otherwise `immigration_agency` when an agency or agency_only term matches. The row takes the
--   highest tier over its fields.
-- parameters: drop_terms (declared in immigration.sql): comma-separated terms to ignore.
-- limits: a listed phrase only; a term absent from the CSV is not found, and a misspelling not
--   listed is missed. Per field: "ICE" in reason with "narcotics" in offense type is immigration.
WITH
dropped_terms AS (
    SELECT trim(unnest(string_split(CAST(getvariable('drop_terms') AS VARCHAR), ','))) AS term
),

terms AS (
    SELECT
        t.term,
        t.tier,
        string_split(trim(regexp_replace(regexp_replace(lower(strip_accents(t.term)), '&', ' and ', 'g'),
                                         '[^a-z0-9]+', ' ', 'g')), ' ') AS term_words
    FROM read_csv(getvariable('queries_dir') || '/flags/immigration_terms.csv',
                  header = true, all_varchar = true) AS t
    WHERE t.term NOT IN (SELECT term FROM dropped_terms)
),

no_purpose_words AS (
    SELECT DISTINCT lower(trim(w.term)) AS word
    FROM read_csv(getvariable('queries_dir') || '/flags/immigration_no_purpose_words.csv',
                  header = true, all_varchar = true) AS w
),

-- cheap first pass: a text can only match when it contains a piece of some term (the
-- immigration_prefilter parameter, a case-insensitive pattern). If a term of the CSV would not pass
-- that pattern (someone added one), the first pass is skipped: no term is ever lost to it.
prefilter_covers_terms AS (
    SELECT coalesce(bool_and(regexp_matches(term, CAST(getvariable('immigration_prefilter') AS VARCHAR))), true)
        AS covers
    FROM terms
    WHERE tier <> 'other_meaning'
),

-- each distinct text is examined once, however many rows carry it. Reasons, offense types and text
-- prompts repeat: each field's distinct values first, then the first pass over those. Case numbers are
-- nearly all different: the first pass runs on the rows, and only the few left are made distinct.
field_values AS (
    SELECT reason AS text FROM _reasons
    UNION ALL
    SELECT DISTINCT offense_type FROM searches
    UNION ALL
    SELECT DISTINCT text_prompt FROM searches
),

distinct_texts AS (
    SELECT DISTINCT text
    FROM (
        SELECT v.text
        FROM field_values AS v, prefilter_covers_terms AS p
        WHERE NOT p.covers OR regexp_matches(v.text, CAST(getvariable('immigration_prefilter') AS VARCHAR))
        UNION ALL
        SELECT s.case_number
        FROM searches AS s, prefilter_covers_terms AS p
        WHERE NOT p.covers OR regexp_matches(s.case_number, CAST(getvariable('immigration_prefilter') AS VARCHAR))
    )
    WHERE text IS NOT NULL
),

text_words AS (
    SELECT
        text,
        string_split(trim(regexp_replace(regexp_replace(lower(strip_accents(text)), '&', ' and ', 'g'),
                                         '[^a-z0-9]+', ' ', 'g')), ' ') AS words
    FROM distinct_texts
),

word_positions AS (
    SELECT text, unnest(words) AS word, unnest(range(1, len(words) + 1)) AS position
    FROM text_words
),

-- a term matches where its first word is, and the following words equal the rest of it
term_hits AS (
    SELECT
        wp.text,
        t.term,
        t.tier,
        wp.position AS first_position,
        wp.position + len(t.term_words) - 1 AS last_position
    FROM word_positions AS wp
    JOIN terms AS t ON wp.word = t.term_words[1]
    JOIN text_words AS tw ON tw.text = wp.text
    WHERE tw.words[wp.position : wp.position + len(t.term_words) - 1] = t.term_words
),

-- drop term matches that overlap a phrase with another meaning (crystal ice, vehicle removal)
counted_hits AS (
    SELECT h.*
    FROM term_hits AS h
    WHERE h.tier <> 'other_meaning'
      AND NOT EXISTS (
          SELECT 1 FROM term_hits AS m
          WHERE m.tier = 'other_meaning' AND m.text = h.text
            AND m.first_position <= h.last_position AND h.first_position <= m.last_position
      )
),

-- words of a text naming an agency that are not the agency, not filler, not a number: another purpose
other_words AS (
    SELECT wp.text, string_agg(DISTINCT wp.word, ' ' ORDER BY wp.word) AS words
    FROM word_positions AS wp
    SEMI JOIN (SELECT DISTINCT text FROM counted_hits WHERE tier IN ('agency_only', 'agency')) AS a
        ON a.text = wp.text
    WHERE len(wp.word) > 1
      AND NOT regexp_matches(wp.word, '[0-9]')
      AND wp.word NOT IN (SELECT word FROM no_purpose_words)
      AND NOT EXISTS (
          SELECT 1 FROM counted_hits AS h
          WHERE h.text = wp.text AND h.tier IN ('agency_only', 'agency')
            AND wp.position BETWEEN h.first_position AND h.last_position
      )
    GROUP BY wp.text
),

classified_texts AS (
    SELECT
        h.text,
        CASE
            WHEN bool_or(h.tier = 'purpose') THEN 'immigration'
            WHEN bool_or(h.tier = 'agency_only') AND o.words IS NULL THEN 'immigration'
            ELSE 'immigration_agency'
        END AS tier,
        CASE
            WHEN bool_or(h.tier = 'purpose') THEN
                string_agg(DISTINCT 'term: ' || h.term, '; ' ORDER BY 'term: ' || h.term)
                    FILTER (WHERE h.tier = 'purpose')
            WHEN bool_or(h.tier = 'agency_only') AND o.words IS NULL THEN
                string_agg(DISTINCT 'term: ' || h.term, '; ' ORDER BY 'term: ' || h.term)
                    || '; nothing else stated'
            ELSE
                string_agg(DISTINCT 'term: ' || h.term, '; ' ORDER BY 'term: ' || h.term)
                    || coalesce('; other words: ' || any_value(o.words), '')
        END AS why
    FROM counted_hits AS h
    LEFT JOIN other_words AS o USING (text)
    GROUP BY h.text, o.words
),

-- back to the rows: one hash semi-join per field against the (few) classified texts
field_matches AS (
    SELECT f.search_key, f.field, f.text, c.tier, c.why
    FROM (
        SELECT search_key, 'reason' AS field, reason AS text
        FROM searches SEMI JOIN classified_texts AS c ON c.text = searches.reason
        UNION ALL
        SELECT search_key, 'offense_type', offense_type
        FROM searches SEMI JOIN classified_texts AS c ON c.text = searches.offense_type
        UNION ALL
        SELECT search_key, 'text_prompt', text_prompt
        FROM searches SEMI JOIN classified_texts AS c ON c.text = searches.text_prompt
        UNION ALL
        SELECT search_key, 'case_number', case_number
        FROM searches SEMI JOIN classified_texts AS c ON c.text = searches.case_number
    ) AS f
    JOIN classified_texts AS c ON c.text = f.text
),

-- a stated immigration purpose in any field wins over the agency tier
row_tiers AS (
    SELECT search_key, CASE WHEN bool_or(tier = 'immigration') THEN 'immigration' ELSE 'immigration_agency' END AS tier
    FROM field_matches
    GROUP BY search_key
)

SELECT
    r.search_key,
    r.tier,
    string_agg(m.field || ': "' || m.text || '" (' || m.why || ')', '; '
               ORDER BY CASE m.field WHEN 'reason' THEN 1 WHEN 'offense_type' THEN 2
                                     WHEN 'text_prompt' THEN 3 ELSE 4 END) AS evidence
FROM row_tiers AS r
JOIN field_matches AS m ON m.search_key = r.search_key AND m.tier = r.tier
GROUP BY r.search_key, r.tier
