-- Expressions several SQL files share, as DuckDB macros, defined on every connection lprlogs opens for
-- queries (after the parameters are set, so a statement here may read getvariable('queries_dir')).
-- Queries call them like functions: fold_text(reason). Statements end with ";".
--
-- fold_text(t): a text as the flags compare whole texts: lower case, accents removed, every run of
--   characters other than a-z and 0-9 (punctuation, spaces, `+`, `&`) -> one space, trimmed. `Inv.` and
--   ` INV ` fold to `inv`; a text of only punctuation folds to ''. The immigration flags split texts into
--   words differently on purpose (`&` -> and, I.C.E. -> ICE): a term's words must match however they were
--   written, while for vague reasons `&` alone must stay punctuation only.
CREATE OR REPLACE MACRO fold_text(t) AS
    trim(regexp_replace(lower(strip_accents(t)), '[^a-z0-9]+', ' ', 'g'));

-- blank_text(t): a text that trim() leaves empty. Such a text is empty or starts with a space trim()
--   removes (ASCII, or a Unicode space: first byte >= 0x80); the cheap first-byte test spares trim() on
--   almost every row. NULL for NULL.
CREATE OR REPLACE MACRO blank_text(t) AS
    ((t < '!' OR t >= chr(128)) AND trim(t) = '');

-- reason_category(reason), reason_detail(reason): the two parts of a dropdown reason. Since about
-- January 2026 Flock's reason is `Category - optional detail`, from each agency's own list. A reason
-- is read as a dropdown value when it has that shape (text, then " -" followed by a space or the end)
-- AND the part before the first " -" is a category of flags/reason_categories.csv (compared in lower
-- case); the category is returned as typed, the detail is what follows (NULL when empty). Free text, and
-- a category that the table does not list, give NULL for both: add an agency's own categories there.
SET VARIABLE reason_categories = (
    SELECT list(DISTINCT lower(trim(term)))
    FROM read_csv(getvariable('queries_dir') || '/flags/reason_categories.csv', header = true, all_varchar = true)
);

CREATE OR REPLACE MACRO reason_category(reason) AS (
    CASE WHEN strpos(reason, ' -') > 0
              AND list_contains(getvariable('reason_categories'),
                                lower(trim(regexp_extract(reason, '^(.*?)\s-(?:\s|$)', 1))))
         THEN trim(regexp_extract(reason, '^(.*?)\s-(?:\s|$)', 1))
    END
);

CREATE OR REPLACE MACRO reason_detail(reason) AS (
    CASE WHEN reason_category(reason) IS NOT NULL
         THEN nullif(trim(regexp_replace(reason, '^(.*?)\s-(?:\s|$)', '')), '')
    END
);

-- fold_words(text): the words of a text as the immigration flags read them, case kept (compare with
-- lower()): accents removed, `&` -> and; letters written with dots between them joined (I.C.E. -> ICE,
-- 8 U.S.C. -> 8 USC); a run of 1-3 letters and 3-4 digits split (I247A -> I 247 A), as are a statute run
-- together (8USC1326 -> 8 USC 1326) and 3 digits with one letter (287G -> 287 G); a case number such as
-- E287021 or 25-287G1 stays one word. Every other character separates words.
CREATE OR REPLACE MACRO fold_words(text) AS (
    string_split(trim(regexp_replace(
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            regexp_replace(strip_accents(text), '&', ' and ', 'g'),
            '\b([A-Za-z])\. ?([A-Za-z])\.(?: ?([A-Za-z])(?:\.|\b))?', '\1\2\3', 'g'),
            '\b([A-Za-z]{1,3})([0-9]{3,4})([A-Za-z]?)\b', '\1 \2 \3', 'g'),
            '\b([0-9]{1,2})([A-Za-z]{3})([0-9]{4})\b', '\1 \2 \3', 'g'),
            '\b([0-9]{3})([A-Za-z])\b', '\1 \2', 'g'),
        '[^A-Za-z0-9]+', ' ', 'g')), ' ')
);

-- producer_label(producer, source_file): the producer's name, or for a file whose producer is not known
--   `(unknown producer: <file name>)`, so two such files (two agencies, perhaps two states) are never
--   merged into one line of a table or one count.
CREATE OR REPLACE MACRO producer_label(producer, source_file) AS
    coalesce(producer, '(unknown producer: ' || regexp_extract(source_file, '[^/!]+$') || ')');

-- law_rule(state, effective_from, confidence): which version of a state's law a state_law_* flag applied and
--   how sure the table is of it, as every such flag's evidence says it: ` (CA rule in effect from 2016-01-01,
--   confidence high)`.
CREATE OR REPLACE MACRO law_rule(state, effective_from, confidence) AS
    ' (' || state || ' rule in effect from ' || effective_from || ', confidence ' || confidence || ')';

-- possible_conflict(evidence): a state_law_* flag's evidence, closed by what it is not.
CREATE OR REPLACE MACRO possible_conflict(evidence) AS
    evidence || '. A possible conflict, not a finding of one.';
