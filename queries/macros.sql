-- Expressions several SQL files share, as DuckDB macros: loaded on every connection lprlogs opens
-- (queries read them like functions: fold_text(reason)). One statement per macro, each ending with ";".
--
-- fold_text(t): a text as the flags compare it: lower case, accents removed, every run of characters
--   other than a-z and 0-9 (punctuation, spaces, `+`, `&`) -> one space, trimmed. `Inv.` and ` INV `
--   fold to `inv`; a text of only punctuation folds to ''. vague_reason compares whole reasons with it.
CREATE OR REPLACE MACRO fold_text(t) AS
    trim(regexp_replace(lower(strip_accents(t)), '[^a-z0-9]+', ' ', 'g'));

-- fold_words(t): the words of a text for term matching: as fold_text, except that `&` is the word `and`
--   (`search & rescue` = `search and rescue`), split on spaces. It differs from fold_text on purpose:
--   vague_reason needs `&` alone to stay punctuation only (a vague reason), while a term's words must
--   match however `and` was written.
CREATE OR REPLACE MACRO fold_words(t) AS
    string_split(fold_text(replace(t, '&', ' and ')), ' ');

-- blank_text(t): a text that trim() leaves empty. Such a text is empty or starts with a space trim()
--   removes (ASCII, or a Unicode space: first byte >= 0x80); the cheap first-byte test spares trim() on
--   almost every row. NULL for NULL.
CREATE OR REPLACE MACRO blank_text(t) AS
    ((t < '!' OR t >= chr(128)) AND trim(t) = '');
