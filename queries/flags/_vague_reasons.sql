-- Shared by vague_reason.sql and state_law_no_purpose.sql (a helper view, `_vague_reasons`).
-- answers: every distinct reason that says nothing about why, with why it counts as vague: the whole
--   reason folded (lower case, accents removed, punctuation and `+` -> spaces) equals a term of
--   vague_reason_terms.csv folded the same way, or it is only punctuation or a single character.
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

vague_reasons AS (
    SELECT f.reason, '(term: ' || min(t.term) || ')' AS why
    FROM folded_reasons AS f JOIN vague_terms AS t ON f.folded = t.folded
    GROUP BY f.reason
    UNION ALL
    SELECT reason, CASE WHEN folded = '' THEN '(rule: punctuation only)' ELSE '(rule: one character)' END
    FROM folded_reasons
    WHERE (folded = '' OR length(trim(reason)) = 1)
      AND folded NOT IN (SELECT folded FROM vague_terms)
)

SELECT reason, why FROM vague_reasons
