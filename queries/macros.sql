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
