-- Shared by vague_reason.sql and state_law_no_purpose.sql (a helper view, `_vague_reasons`).
-- answers: every distinct reason that says nothing about why, with why it counts as vague: the whole
--   reason folded (lower case, accents removed, punctuation and `+` -> spaces) equals a term of
--   vague_reason_terms.csv folded the same way, or it is only punctuation or a single character, or it is a
--   dropdown reason of a vague category (reason_categories.csv) whose detail is empty, vague or repeats it,
--   or a one-word reason cut short from a one-word term (`tes` for test, `inve` for investigation).
-- parameters: drop_vague_terms (declared in vague_reason.sql): comma-separated terms to ignore.
WITH
dropped_terms AS (
    SELECT trim(unnest(string_split(CAST(getvariable('drop_vague_terms') AS VARCHAR), ','))) AS term
),

vague_terms AS (
    SELECT
        t.term,
        trim(regexp_replace(lower(strip_accents(t.term)), '[^a-z0-9]+', ' ', 'g')) AS folded
    FROM read_csv(getvariable('queries_dir') || '/flags/vague_reason_terms.csv',
                  header = true, all_varchar = true) AS t
    WHERE t.term NOT IN (SELECT term FROM dropped_terms)
),

-- no vague term holds a digit, so reasons with digits (case numbers, penal codes) are skipped early,
-- unless someone adds a term with a digit to the CSV
terms_have_digits AS (
    SELECT coalesce(bool_or(regexp_matches(term, '[0-9]')), false) AS any_digit FROM vague_terms
),

-- a blank reason (left to blank_reason) is empty or starts with a space trim() removes: an ASCII space or
-- a Unicode one (first byte >= 0x80); the cheap first-byte test spares trim() on almost every row
distinct_reasons AS (
    SELECT r.reason
    FROM _reasons AS r, terms_have_digits AS d
    WHERE NOT ((r.reason < '!' OR r.reason >= chr(128)) AND trim(r.reason) = '')
      AND (d.any_digit OR NOT regexp_matches(r.reason, '[0-9]') OR length(trim(r.reason)) = 1)
),

folded_reasons AS (
    SELECT reason, trim(regexp_replace(lower(strip_accents(reason)), '[^a-z0-9]+', ' ', 'g')) AS folded
    FROM distinct_reasons
),

-- dropdown reasons of a vague category (named as reason_categories.csv spells it), with their folded detail
vague_dropdown AS (
    SELECT
        f.reason,
        c.term AS category,
        trim(regexp_replace(lower(strip_accents(coalesce(reason_detail(f.reason), ''))), '[^a-z0-9]+', ' ', 'g'))
            AS detail,
        trim(regexp_replace(lower(strip_accents(c.term)), '[^a-z0-9]+', ' ', 'g')) AS folded_category
    FROM folded_reasons AS f
    JOIN read_csv(getvariable('queries_dir') || '/flags/reason_categories.csv', header = true,
                  all_varchar = true) AS c
        ON c.tier = 'vague' AND lower(trim(c.term)) = lower(reason_category(f.reason))
),

vague_reasons AS (
    SELECT d.reason, '(term: ' || d.category || '; '
           || CASE WHEN d.detail = '' THEN 'no detail)'
                   WHEN d.detail = d.folded_category THEN 'the detail repeats it)'
                   ELSE 'detail: term: ' || min(t.term) || ')' END AS why
    FROM vague_dropdown AS d
    LEFT JOIN vague_terms AS t ON t.folded = d.detail
    GROUP BY d.reason, d.category, d.detail, d.folded_category
    HAVING d.detail = '' OR d.detail = d.folded_category OR count(t.term) > 0
    UNION ALL
    SELECT f.reason, '(term: ' || min(t.term) || ')' AS why
    FROM folded_reasons AS f JOIN vague_terms AS t ON f.folded = t.folded
    WHERE f.reason NOT IN (SELECT reason FROM vague_dropdown)
    GROUP BY f.reason
    UNION ALL
    -- a one-word reason of 3 letters or more cut short from a one-word term (tes, inve, investig)
    SELECT f.reason, '(truncation of term: ' || min(t.term) || ')' AS why
    FROM folded_reasons AS f
    JOIN vague_terms AS t
        ON length(f.folded) >= 3 AND strpos(t.folded, ' ') = 0 AND length(t.folded) > length(f.folded)
       AND starts_with(t.folded, f.folded)
    WHERE strpos(f.folded, ' ') = 0
      AND f.folded NOT IN (SELECT folded FROM vague_terms)
      -- a term the reporter dropped is not vague again as a truncation of a longer one
      AND f.folded NOT IN (SELECT trim(regexp_replace(lower(strip_accents(term)), '[^a-z0-9]+', ' ', 'g'))
                           FROM dropped_terms)
      AND f.reason NOT IN (SELECT reason FROM vague_dropdown)
    GROUP BY f.reason
    UNION ALL
    SELECT reason, CASE WHEN folded = '' THEN '(rule: punctuation only)' ELSE '(rule: one character)' END
    FROM folded_reasons
    WHERE (folded = '' OR length(trim(reason)) = 1)
      AND folded NOT IN (SELECT folded FROM vague_terms)
      AND reason NOT IN (SELECT reason FROM vague_dropdown)
)

SELECT reason, why FROM vague_reasons
