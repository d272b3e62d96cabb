-- Shared by immigration.sql, immigration_agency.sql and immigration_review.sql (a helper view,
-- `_immigration_matches`): one row per search whose reason, offense type, text prompt or case number
-- names an immigration term, with its tier and the evidence.
-- how: each distinct text is read once (only its first `immigration_text_cap` characters; the evidence
--   says so when a text is longer) and folded into words by fold_words() (queries/macros.sql: dotted
--   letters joined, letter-digit runs of forms and statutes split, punctuation -> spaces). A phrase of a
--   table matches where its folded words appear one after the other, so `ICE` never matches inside
--   police or notice, and `287(g)` never inside a case number such as E287021. The tables:
--   - immigration_terms.csv: tiers purpose, agency_only (ICE, ERO, CBP, Border Patrol), agency (HSI,
--     DHS), review. A term marked fuzzy also matches a word of 7+ letters with the same first letter at
--     a small edit distance (Damerau-Levenshtein 1, or 2 for terms of 10+ letters): imigraton.
--   - immigration_other_meanings.csv: a phrase that cancels a term, where it overlaps the term
--     (scope overlap: crystal ice, vehicle removal) or anywhere in the same text (scope anywhere: an
--     impersonation, an EV charger, a hotel); `written lower` applies only to a term typed in lower case.
--   - immigration_other_purposes.csv: an explicitly stated other purpose (narcotics, fraud, homicide...).
-- tiers, per text: `immigration` when a purpose term matches, or an agency_only term with no other
--   purpose stated; `immigration_agency` when an agency_only term comes with another purpose, or an
--   agency term matches; `immigration_review` for a review term, or a one-word text that is a
--   transposition of a three-letter agency (CPB, HIS); and `immigration_review` for a reason that is
--   exactly `ice` in lower case when a reason of the same source file names a drug (ice is also meth).
--   A row takes the highest tier over its fields.
-- parameters: drop_terms, immigration_prefilter, immigration_text_cap (declared in immigration.sql).
WITH
dropped_terms AS (
    SELECT trim(unnest(string_split(CAST(getvariable('drop_terms') AS VARCHAR), ','))) AS term
),

-- every phrase of the three tables; kind: term, purpose (another purpose) or meaning (cancels a term)
phrase_list AS (
    SELECT 'term' AS kind, t.term AS phrase, t.tier, coalesce(t.fuzzy, '') = 'yes' AS fuzzy,
           CAST(NULL AS VARCHAR) AS purpose, CAST(NULL AS VARCHAR) AS cancels, CAST(NULL AS VARCHAR) AS scope,
           CAST(NULL AS VARCHAR) AS written
    FROM read_csv(getvariable('queries_dir') || '/flags/immigration_terms.csv', header = true, all_varchar = true) AS t
    WHERE t.term NOT IN (SELECT term FROM dropped_terms)
    UNION ALL
    SELECT 'purpose', p.term, 'other_purpose', false, p.purpose, NULL, NULL, NULL
    FROM read_csv(getvariable('queries_dir') || '/flags/immigration_other_purposes.csv', header = true,
                  all_varchar = true) AS p
    UNION ALL
    SELECT 'meaning', m.phrase, 'other_meaning', false, NULL, m.cancels, m.scope, m.written
    FROM read_csv(getvariable('queries_dir') || '/flags/immigration_other_meanings.csv', header = true,
                  all_varchar = true) AS m
),

phrases AS (
    SELECT *, list_transform(fold_words(phrase), lambda w: lower(w)) AS words FROM phrase_list
),

-- cheap first pass: a text can only match when it contains a piece of some term (the
-- immigration_prefilter parameter). If a term would not pass that pattern (someone added one), the
-- first pass is skipped: no term is ever lost to it.
prefilter_covers_terms AS (
    SELECT coalesce(bool_and(regexp_matches(phrase, CAST(getvariable('immigration_prefilter') AS VARCHAR))), true)
        AS covers
    FROM phrases
    WHERE kind = 'term'
),

-- each distinct text is examined once, however many rows carry it; case numbers are nearly all
-- different, so the first pass runs on their rows and only the few left are made distinct
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
        WHERE NOT p.covers
           OR regexp_matches(left(v.text, CAST(getvariable('immigration_text_cap') AS INTEGER)),
                             CAST(getvariable('immigration_prefilter') AS VARCHAR))
        UNION ALL
        SELECT s.case_number
        FROM searches AS s, prefilter_covers_terms AS p
        WHERE NOT p.covers
           OR regexp_matches(left(s.case_number, CAST(getvariable('immigration_text_cap') AS INTEGER)),
                             CAST(getvariable('immigration_prefilter') AS VARCHAR))
    )
    WHERE text IS NOT NULL
),

-- texts are numbered so that the work below joins on integers, never on (possibly long) text
texts AS (
    SELECT
        row_number() OVER () AS tid,
        text,
        length(text) > CAST(getvariable('immigration_text_cap') AS INTEGER) AS capped,
        fold_words(left(text, CAST(getvariable('immigration_text_cap') AS INTEGER))) AS typed
    FROM distinct_texts
),

text_words AS (
    SELECT tid, typed, list_transform(typed, lambda w: lower(w)) AS words FROM texts
),

word_positions AS (
    SELECT tid, unnest(words) AS word, generate_subscripts(words, 1) AS position FROM text_words
),

-- a phrase matches where its first word is, and the following words equal the rest of it
exact_hits AS (
    SELECT
        wp.tid, p.kind, p.phrase, p.tier, p.purpose, p.cancels, p.scope, p.written,
        wp.position AS first_position, wp.position + len(p.words) - 1 AS last_position,
        tw.typed[wp.position] = lower(tw.typed[wp.position]) AS typed_lower,
        CAST(NULL AS VARCHAR) AS fuzzy_word, 0 AS distance
    FROM word_positions AS wp
    JOIN phrases AS p ON wp.word = p.words[1]
    JOIN text_words AS tw ON tw.tid = wp.tid
    WHERE len(p.words) = 1 OR tw.words[wp.position : wp.position + len(p.words) - 1] = p.words
),

-- a word of 7+ letters that is no phrase's word, near a fuzzy term with the same first letter
fuzzy_hits AS (
    SELECT
        wp.tid, p.kind, p.phrase, p.tier, p.purpose, p.cancels, p.scope, p.written,
        wp.position AS first_position, wp.position AS last_position, true AS typed_lower,
        wp.word AS fuzzy_word, damerau_levenshtein(wp.word, p.phrase) AS distance
    FROM word_positions AS wp
    JOIN phrases AS p ON p.fuzzy AND left(wp.word, 1) = left(p.phrase, 1)
    WHERE length(wp.word) >= 7
      AND abs(length(wp.word) - length(p.phrase)) <= 2
      AND wp.word NOT IN (SELECT words[1] FROM phrases WHERE len(words) = 1)
      AND damerau_levenshtein(wp.word, p.phrase) <= CASE WHEN length(p.phrase) >= 10 THEN 2 ELSE 1 END
    QUALIFY row_number() OVER (PARTITION BY wp.tid, wp.position ORDER BY distance, p.phrase) = 1
),

hits AS (
    SELECT * FROM exact_hits
    UNION ALL
    SELECT * FROM fuzzy_hits
),

-- terms and other purposes that no other-meaning phrase cancels
counted_hits AS (
    SELECT h.*
    FROM hits AS h
    WHERE h.kind <> 'meaning'
      AND NOT EXISTS (
          SELECT 1 FROM hits AS m
          WHERE m.kind = 'meaning' AND m.tid = h.tid AND m.cancels = h.phrase
            AND (m.scope = 'anywhere'
                 OR (m.first_position <= h.last_position AND h.first_position <= m.last_position))
            AND (coalesce(m.written, 'any') <> 'lower' OR h.typed_lower)
      )
),

-- a one-word text that is a transposition of a three-letter agency: CPB, HIS, IEC
transposed AS (
    SELECT tw.tid, p.phrase, tw.words[1] AS word
    FROM text_words AS tw
    JOIN phrases AS p ON p.kind = 'term' AND p.tier IN ('agency_only', 'agency') AND length(p.phrase) = 3
        AND list_sort(string_split(tw.words[1], '')) = list_sort(string_split(p.phrase, ''))
    WHERE len(tw.words) = 1 AND length(tw.words[1]) = 3 AND tw.words[1] <> p.phrase
),

text_terms AS (
    SELECT
        tid, tier,
        string_agg(DISTINCT 'term: ' || phrase
                   || CASE WHEN fuzzy_word IS NOT NULL THEN '; fuzzy: "' || fuzzy_word || '" ~ ' || phrase ELSE '' END,
                   '; ' ORDER BY 'term: ' || phrase
                   || CASE WHEN fuzzy_word IS NOT NULL THEN '; fuzzy: "' || fuzzy_word || '" ~ ' || phrase ELSE '' END)
            AS terms
    FROM counted_hits
    WHERE kind = 'term'
    GROUP BY tid, tier
    UNION ALL
    SELECT tid, 'transposed', string_agg(DISTINCT 'term: ' || phrase || '; fuzzy: "' || word || '" ~ ' || phrase, '; ')
    FROM transposed
    GROUP BY tid
),

text_purposes AS (
    SELECT tid, string_agg(DISTINCT purpose || ' (' || phrase || ')', ', ' ORDER BY purpose || ' (' || phrase || ')')
        AS purposes
    FROM counted_hits
    WHERE kind = 'purpose'
    GROUP BY tid
),

classified_texts AS (
    SELECT
        x.tid,
        CASE
            WHEN x.purpose IS NOT NULL THEN 'immigration'
            WHEN x.agency_only IS NOT NULL AND o.purposes IS NULL THEN 'immigration'
            WHEN coalesce(x.agency_only, x.agency) IS NOT NULL THEN 'immigration_agency'
            ELSE 'immigration_review'
        END AS tier,
        CASE
            WHEN x.purpose IS NOT NULL THEN x.purpose
            WHEN x.agency_only IS NOT NULL AND o.purposes IS NULL THEN x.agency_only || '; no other purpose stated'
            WHEN coalesce(x.agency_only, x.agency) IS NOT NULL THEN
                concat_ws('; ', x.agency_only, x.agency, 'other purpose: ' || o.purposes)
            WHEN x.review IS NOT NULL THEN x.review || '; for review: a possible immigration term'
            ELSE x.transposed || '; for review: a short word one swap away from an agency'
        END AS why
    FROM (
        SELECT
            tid,
            any_value(terms) FILTER (WHERE tier = 'purpose') AS purpose,
            any_value(terms) FILTER (WHERE tier = 'agency_only') AS agency_only,
            any_value(terms) FILTER (WHERE tier = 'agency') AS agency,
            any_value(terms) FILTER (WHERE tier = 'review') AS review,
            any_value(terms) FILTER (WHERE tier = 'transposed') AS transposed
        FROM text_terms
        GROUP BY tid
    ) AS x
    LEFT JOIN text_purposes AS o USING (tid)
),

-- the evidence of a text: the text as typed (its first 200 characters when longer), the terms and why
described_texts AS (
    SELECT
        t.text, c.tier,
        '"' || CASE WHEN length(t.text) > 200 THEN left(t.text, 200) || '…' ELSE t.text END || '" ('
        || c.why
        || coalesce('; dropdown category: ' || reason_category(t.text), '')
        || CASE WHEN t.capped THEN '; a text of ' || length(t.text) || ' characters: only the first '
                                   || getvariable('immigration_text_cap') || ' read' ELSE '' END
        || ')' AS why
    FROM classified_texts AS c
    JOIN texts AS t USING (tid)
),

-- back to the rows: one hash semi-join per field against the (few) classified texts
field_matches AS (
    SELECT f.search_key, f.field, f.text, c.tier, c.why
    FROM (
        SELECT search_key, 'reason' AS field, reason AS text
        FROM searches SEMI JOIN described_texts AS c ON c.text = searches.reason
        UNION ALL
        SELECT search_key, 'offense_type', offense_type
        FROM searches SEMI JOIN described_texts AS c ON c.text = searches.offense_type
        UNION ALL
        SELECT search_key, 'text_prompt', text_prompt
        FROM searches SEMI JOIN described_texts AS c ON c.text = searches.text_prompt
        UNION ALL
        SELECT search_key, 'case_number', case_number
        FROM searches SEMI JOIN described_texts AS c ON c.text = searches.case_number
    ) AS f
    JOIN described_texts AS c ON c.text = f.text
),

-- `ice` alone in lower case is left for review when a reason of the same source file names a drug:
-- the files that have such a row, their distinct reasons, those naming a drug (other purpose narcotics)
lone_ice_rows AS (
    SELECT s.search_key, s.source_sha256
    FROM searches AS s
    WHERE s.reason IN (SELECT text FROM described_texts WHERE trim(text) = 'ice' AND tier = 'immigration')
),

drug_sources AS (
    SELECT DISTINCT r.source_sha256
    FROM (
        SELECT DISTINCT source_sha256, reason
        FROM searches
        WHERE source_sha256 IN (SELECT source_sha256 FROM lone_ice_rows)
    ) AS r
    WHERE list_has_any(
        list_transform(fold_words(left(r.reason, CAST(getvariable('immigration_text_cap') AS INTEGER))),
                       lambda w: lower(w)),
        (SELECT list(phrase) FROM phrases WHERE kind = 'purpose' AND purpose = 'narcotics'))
),

ranked_matches AS (
    SELECT
        m.search_key, m.field, m.text,
        CASE WHEN i.search_key IS NULL THEN m.tier ELSE 'immigration_review' END AS tier,
        CASE WHEN i.search_key IS NULL THEN m.why
             ELSE '"' || m.text || '" (term: ice; for review: lower-case ice alone, and reasons of the same file name drugs)'
        END AS why
    FROM field_matches AS m
    LEFT JOIN (
        SELECT search_key FROM lone_ice_rows WHERE source_sha256 IN (SELECT source_sha256 FROM drug_sources)
    ) AS i ON i.search_key = m.search_key AND m.field = 'reason'
),

-- a stated immigration purpose in any field wins over the agency tier, which wins over review
row_tiers AS (
    SELECT
        search_key,
        CASE WHEN bool_or(tier = 'immigration') THEN 'immigration'
             WHEN bool_or(tier = 'immigration_agency') THEN 'immigration_agency'
             ELSE 'immigration_review' END AS tier
    FROM ranked_matches
    GROUP BY search_key
)

SELECT
    r.search_key,
    r.tier,
    string_agg(m.field || ': ' || m.why, '; '
               ORDER BY CASE m.field WHEN 'reason' THEN 1 WHEN 'offense_type' THEN 2
                                     WHEN 'text_prompt' THEN 3 ELSE 4 END) AS evidence
FROM row_tiers AS r
JOIN ranked_matches AS m ON m.search_key = r.search_key AND m.tier = r.tier
GROUP BY r.search_key, r.tier
